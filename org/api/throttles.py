"""Rate limits for the API's password endpoints."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class CredentialsRateThrottle(SimpleRateThrottle):
    """Password guesses per client address (`TRELLIS_AUTH_RATE`, e.g. "20/min").

    Counted in the default cache: Redis when `REDIS_URL` is set, so every web process
    shares one count. Successful and failed attempts count alike.
    """

    scope = "auth"

    def get_rate(self) -> str | None:
        return settings.TRELLIS_AUTH_RATE or None

    def get_cache_key(self, request, view) -> str:  # type: ignore[no-untyped-def]
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
