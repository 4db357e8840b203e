"""djangosaml2's views, 404 while SAML is switched off, each with the SAML session
(djangosaml2's own cookie, only on these URLs). Imported by `org.saml.views` on the
first SAML request, so pysaml2 is not loaded in processes that never see one."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import decorator_from_middleware, method_decorator
from djangosaml2 import views as saml_views
from djangosaml2.middleware import SamlSessionMiddleware

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


# The view functions by the names `org.saml.views` routes to.
VIEWS = {
    "login": LoginView.as_view(),
    "acs": AcsView.as_view(),
    "logout": LogoutInitView.as_view(),
    "ls": LogoutView.as_view(),
    "metadata": MetadataView.as_view(),
}
