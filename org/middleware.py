import ipaddress
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from rest_framework.throttling import BaseThrottle

from config import stamps

from . import principal


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with `request.user` read through `org.principal` (the row and personas
    from the cache while their stamps are current) and the stamps read in the request
    remembered until it ends (`config.stamps.request_scope`)."""

    def __call__(self, request: HttpRequest) -> Any:
        with stamps.request_scope():
            return super().__call__(request)

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: principal.get_user(request))


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware with two differences:

    - the actor is read when an entry is written, not when the request arrives, so API
      calls authenticated by DRF (token) are attributed to their user too;
    - the client address is read like the sign-in rate limit reads it
      (`TRELLIS_NUM_PROXIES`), not from the first, client-supplied X-Forwarded-For entry.
    """

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        ident = (BaseThrottle().get_ident(request) or "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(ident))
        except ValueError:  # a malformed X-Forwarded-For must not break the write
            return None

    @staticmethod
    def _get_actor(request: HttpRequest):  # type: ignore[no-untyped-def]
        def current():  # type: ignore[no-untyped-def]
            user = getattr(request, "user", None)
            return user if user is not None and user.is_authenticated else None

        return SimpleLazyObject(current)

    def get_extra_data(self, request: HttpRequest) -> dict:
        """Also `actor_email`: the signed-in person's address, or the SCIM token that
        made the change (SCIM calls have no user; see org.scim.auth)."""
        data = super().get_extra_data(request)

        def actor_email() -> str | None:
            token = getattr(request, "scim_token", None)
            if token is not None:
                return f"SCIM token {token.name} ({token.prefix}…)"
            user = getattr(request, "user", None)
            return user.email if user is not None and user.is_authenticated else None

        data["actor_email"] = actor_email
        return data
