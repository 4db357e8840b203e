"""The SAML URLs (/saml2/…): 404 while SAML is switched off, else djangosaml2's views
(`org.saml.sp_views`), which are imported on the first SAML request, so a web process
loads pysaml2 only once someone signs in with SAML. A refused response gets a page that
says so (and an audit entry), never a 500."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ..audit import Event, audit_event
from .config import saml_enabled

# The identity provider's page posts these back through the browser, so they carry no
# Trellis CSRF token: the signed response (checked against the IdP's key, its audience
# and the request it answers) is what proves it, as in djangosaml2's own views.
CROSS_SITE = frozenset({"acs", "ls"})


def _view(name: str) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not saml_enabled():
            raise Http404("SAML sign-in is not configured.")
        from .sp_views import VIEWS

        return VIEWS[name](request, *args, **kwargs)

    view.__name__ = view.__qualname__ = f"saml_{name}"
    if name in CROSS_SITE:
        return csrf_exempt(view)
    return view


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
    path("login/", _view("login"), name="saml2_login"),
    path("acs/", _view("acs"), name="saml2_acs"),
    path("logout/", _view("logout"), name="saml2_logout"),
    path("ls/", _view("ls"), name="saml2_ls"),
    path("ls/post/", _view("ls"), name="saml2_ls_post"),
    path("metadata/", _view("metadata"), name="saml2_metadata"),
]
