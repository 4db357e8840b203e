"""The one place that sends e-mail: HTML + plain text through Django's configured backend.

SMTP settings come from the environment (`EMAIL_URL`, see config/settings/base.py). Callers
(invitations, password reset, notifications) hand it a template name and a context; the
template pair `<name>.txt` / `<name>.html` lives under templates/.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """`path` on the public address of this Trellis (`TRELLIS_BASE_URL`)."""
    return settings.TRELLIS_BASE_URL.rstrip("/") + path


def email_send(
    *,
    to: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    unsubscribe_url: str = "",
) -> None:
    """Render `template` as text and HTML and send it to one address.

    With `unsubscribe_url` the message carries RFC 8058 one-click unsubscribe headers.
    Raises whatever the backend raises (e.g. `smtplib.SMTPException`, `OSError`).
    """
    context = {
        **context,
        "subject": subject,
        "unsubscribe_url": unsubscribe_url,
        "base_url": settings.TRELLIS_BASE_URL.rstrip("/"),
    }
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    message.send()
