"""djangosaml2's views, 404 while SAML is switched off, each with the SAML session
(djangosaml2's own cookie, only on these URLs). A refused response gets a page that
says so (and an audit entry), never a 500."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.decorators import decorator_from_middleware, method_decorator
from djangosaml2 import views as saml_views
from djangosaml2.middleware import SamlSessionMiddleware

from ..audit import Event, audit_event
from .config import saml_enabled

with_saml_session = method_decorator(decorator_from_middleware(SamlSessionMiddleware))


class _Switched:
    @with_saml_session
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not saml_enabled():
            raise Http404("SAML sign-in is not configured.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class LoginView(_Switched, saml_views.LoginView):
    pass


class AcsView(_Switched, saml_views.AssertionConsumerServiceView):
    pass


class LogoutInitView(_Switched, saml_views.LogoutInitView):
    pass


class LogoutView(_Switched, saml_views.LogoutView):
    pass


class MetadataView(_Switched, saml_views.MetadataView):
    pass


def acs_failure(
    request: HttpRequest, exception: Exception | None = None, status: int = 403, **kwargs: Any
) -> HttpResponse:
    """djangosaml2's `SAML_ACS_FAILURE_RESPONSE_FUNCTION`."""
    reason = type(exception).__name__ if exception is not None else "unknown"
    audit_event(
        event=Event.SIGN_IN_FAILED,
        actor=None,
        target_repr="SAML sign-in refused",
        data={"method": "saml", "reason": reason, "detail": str(exception or "")[:300]},
        request=request,
    )
    return render(
        request, "registration/sso_failed.html", {"method": "SAML", "reason": reason}, status=403
    )


urlpatterns = [
    path("login/", LoginView.as_view(), name="saml2_login"),
    path("acs/", AcsView.as_view(), name="saml2_acs"),
    path("logout/", LogoutInitView.as_view(), name="saml2_logout"),
    path("ls/", LogoutView.as_view(), name="saml2_ls"),
    path("ls/post/", LogoutView.as_view(), name="saml2_ls_post"),
    path("metadata/", MetadataView.as_view(), name="saml2_metadata"),
]
