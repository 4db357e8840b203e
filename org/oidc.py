"""OpenID Connect sign-in (mozilla-django-oidc), configured by environment variables.

The provider's endpoints come from its discovery document (`OIDC_ISSUER` +
`/.well-known/openid-configuration`), cached for an hour. ID tokens are checked for
signature, audience (our client id), issuer and expiry. People are matched by verified
e-mail address or created on first sign-in; their name, personas and team memberships
follow the configured claims at every sign-in. See docs/identity.md.
"""

from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import services
from .models import User
from .sso import apply_identity

DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def discovery() -> dict[str, Any]:
    """The provider's discovery document (cached for an hour)."""
    issuer = settings.OIDC_ISSUER.rstrip("/")
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
        cache.set(key, document, 3600)
    return document


def oidc_setting(attr: str, *args: Any) -> Any:
    """A mozilla-django-oidc setting; unset endpoints come from the discovery document."""
    if attr in DISCOVERED and not getattr(settings, attr, None) and settings.OIDC_ISSUER:
        return discovery()[DISCOVERED[attr]]
    return import_from_settings(attr, *args)


class OIDCBackend(OIDCAuthenticationBackend):
    """Settings are read when used, not when the backend is built: Django builds every
    backend for each password sign-in, which must not wait for the provider."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token refused: algorithm {algorithm!r}.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER.rstrip("/") or None,
                leeway=settings.OIDC_LEEWAY,
                options={"require": ["exp", "iat", "aud", "iss"]},
            )
        except jwt.InvalidTokenError as exc:  # bad signature, audience, issuer or expired
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = claims.get(settings.OIDC_CLAIM_EMAIL)
        if not email:
            return False
        return claims.get("email_verified") is True or not settings.OIDC_REQUIRE_VERIFIED_EMAIL

    def filter_users_by_claims(self, claims: dict[str, Any]):  # type: ignore[no-untyped-def]
        return User.objects.filter(email__iexact=claims[settings.OIDC_CLAIM_EMAIL].strip())

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> User:
        user = services.user_first_sign_in(
            email=claims[settings.OIDC_CLAIM_EMAIL],
            full_name=str(claims.get(settings.OIDC_CLAIM_NAME) or "")[:200],
        )
        return _apply_claims(user, claims)

    @transaction.atomic
    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return _apply_claims(user, claims)


def _apply_claims(user: User, claims: dict[str, Any]) -> User:
    """Name, personas and team memberships from the claims (when the claims carry them)."""
    groups = claims.get(settings.OIDC_CLAIM_GROUPS)
    return apply_identity(
        user,
        name=str(claims.get(settings.OIDC_CLAIM_NAME) or ""),
        groups=groups if isinstance(groups, list) else None,
        job_role=str(claims.get(settings.OIDC_CLAIM_JOB_ROLE) or "") or None,
        persona_groups=settings.OIDC_PERSONA_GROUPS,
        team_prefix=settings.OIDC_TEAM_GROUP_PREFIX,
    )


class OIDCRequestView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)
