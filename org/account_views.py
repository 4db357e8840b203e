"""Set-password (invitation) and forgotten-password pages, on Django's own views."""

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from .api.throttles import CredentialsRateThrottle
from .invitations import invitation_accepted, invitation_token
from .models import User


class ResetRateThrottle(CredentialsRateThrottle):
    """Reset requests per client address, at the sign-in rate (`TRELLIS_AUTH_RATE`)."""

    scope = "password-reset"


class ResetForm(PasswordResetForm):
    def get_users(self, email):  # type: ignore[no-untyped-def]
        # Unlike Django's default, people without a usable password (imported, invitation
        # lost or expired) get a link too: it lets them set their first password.
        return User.objects.filter(email__iexact=email, is_active=True)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self) -> dict:  # type: ignore[override]
        # Links start with the configured public address, never the request's Host header.
        return {"base_url": settings.TRELLIS_BASE_URL.rstrip("/")}

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        throttle = ResetRateThrottle()
        if not throttle.allow_request(request, None):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                "Too many reset requests from your address. "
                f"Try again in {math.ceil(throttle.wait() or 1)} seconds.",
            )
            return self.form_invalid(form)
        return super().post(request, *args, **kwargs)


class _OneLinkOneSave:
    """A set-password link sent from two tabs at once sets one password.

    The person's row is held from reading them until the password is saved: the second
    request then finds the token spent (it hashes the password), as it would a moment
    later, and gets the page for a link that no longer works.
    """

    def dispatch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.request.method != "POST":
            return super().dispatch(*args, **kwargs)
        with transaction.atomic():
            return super().dispatch(*args, **kwargs)

    def get_user(self, uidb64):  # type: ignore[no-untyped-def]
        user = super().get_user(uidb64)
        if user is not None and self.request.method == "POST":
            user = User.objects.select_for_update().filter(pk=user.pk).first()
        return user


class PasswordResetConfirmView(_OneLinkOneSave, auth_views.PasswordResetConfirmView):
    """The forgotten-password link's page."""


class InvitationAcceptView(_OneLinkOneSave, auth_views.PasswordResetConfirmView):
    """The invitation's set-password page; signs the person in when done."""

    token_generator = invitation_token
    template_name = "registration/invitation_set_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
    reset_url_token = "set-password"

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        invitation_accepted(user=form.user)
        return response
