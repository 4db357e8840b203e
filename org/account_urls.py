from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import path

from . import account_views


def _oidc_view(name: str) -> Callable[..., HttpResponse]:
    """`org.oidc`'s view `name`, imported on the first OpenID Connect request: it brings
    mozilla-django-oidc, PyJWT and cryptography, which other requests do not need."""

    @cache
    def real() -> Callable[..., HttpResponse]:
        from . import oidc

        return getattr(oidc, name).as_view()

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return real()(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = name
    return view


urlpatterns = [
    # mozilla-django-oidc's URL names, which its views reverse.
    path("oidc/authenticate/", _oidc_view("OIDCRequestView"), name="oidc_authentication_init"),
    path(
        "oidc/callback/",
        _oidc_view("OIDCCallbackView"),
        name="oidc_authentication_callback",
    ),
    path(
        "accounts/password/reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        account_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
]
