from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in limits apply through the axes backend in `authenticate` (see org.signin)."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active account.",
    }

    def clean(self):  # type: ignore[no-untyped-def]
        if not settings.TRELLIS_PASSWORD_LOGIN:
            raise forms.ValidationError(
                "Password sign-in is switched off here: use single sign-on.", code="sso_only"
            )
        return super().clean()
