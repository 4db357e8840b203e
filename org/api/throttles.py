"""A per-address rate limit for password-reset requests (sign-ins are limited by axes)."""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class CredentialsRateThrottle(SimpleRateThrottle):
    """Requests per client address (`TRELLIS_AUTH_RATE`, e.g. "20/min").

    Counted in the default cache: Redis when `REDIS_URL` is set, so every web process
    shares one count. Successful and failed attempts count alike. If the cache cannot
    be reached the request is let through (and logged): signing in must not fail
    because the counter is down.
    """

    scope = "auth"

    def allow_request(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's connection errors vary
            logger.warning("sign-in rate limit not applied: the cache failed (%s)", exc)
            return True

    def get_rate(self) -> str | None:
        return settings.TRELLIS_AUTH_RATE or None

    def get_cache_key(self, request, view) -> str:  # type: ignore[no-untyped-def]
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
