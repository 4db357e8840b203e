import math

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from org.api.throttles import CredentialsRateThrottle


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active account.",
        "throttled": (
            "Too many sign-in attempts from your address. Try again in %(seconds)s seconds."
        ),
    }

    def clean(self):  # type: ignore[no-untyped-def]
        if not settings.TRELLIS_PASSWORD_LOGIN:
            raise forms.ValidationError(
                "Password sign-in is switched off here: use single sign-on.", code="sso_only"
            )
        # The same per-address limit as the API's token endpoint (TRELLIS_AUTH_RATE): the
        # password is not even checked once it is reached.
        if self.request is not None:
            throttle = CredentialsRateThrottle()
            if not throttle.allow_request(self.request, None):
                raise forms.ValidationError(
                    self.error_messages["throttled"],
                    code="throttled",
                    params={"seconds": math.ceil(throttle.wait() or 1)},
                )
        return super().clean()
