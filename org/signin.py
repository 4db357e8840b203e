"""Sign-in limits (django-axes): who the client is and what a locked-out caller is told.

Every way in (the login page, `POST /api/v1/auth/token/`, `/admin/login/`) goes through
`django.contrib.auth.authenticate`, where `axes.backends.AxesStandaloneBackend` counts the
failures per client address and per account (`AXES_LOCKOUT_PARAMETERS`) and refuses the
password check once either has reached `AXES_FAILURE_LIMIT`.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    """The socket peer, unless `TRELLIS_NUM_PROXIES` proxies are trusted to say who called.

    Each trusted proxy appends the address it was called from to X-Forwarded-For, so the
    client is that many entries from the end; anything before it was written by the caller
    and is ignored. Without trusted proxies the header is ignored altogether.
    """
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRELLIS_NUM_PROXIES
    if not proxies:
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return peer
    return forwarded[-min(proxies, len(forwarded))]


def account_name(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in attempt is for: the login form and admin send `username`,
    the API sends `email`; counted lower-case like the stored addresses."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if name is None:
        data = getattr(request, "POST", None) or {}
        name = data.get("username") or data.get("email")
    return str(name).strip().lower() if name else None


def wait_seconds() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def lockout_message() -> str:
    minutes = max(1, math.ceil(wait_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-in attempts for this account or from your address. "
        f"Try again in {minutes} {unit}."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """429 with Retry-After: JSON for the API, the login page with the message otherwise."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": lockout_message(), "code": "locked_out"}, status=429
        )
    else:
        response = render(
            request, "registration/locked_out.html", {"message": lockout_message()}, status=429
        )
    response["Retry-After"] = str(wait_seconds())
    return response
