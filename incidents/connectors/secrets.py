"""Connector secrets (API tokens, webhook signing secrets), encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256) through `MultiFernet`: `TRELLIS_SECRETS_KEY` holds
one or more Fernet keys separated by commas. The first encrypts; every one of them
decrypts, so a key is rotated by putting a new one first, running
`manage.py rotate_incident_secrets` (re-encrypts every stored secret with it) and then
dropping the old one. Without the setting, development and tests derive a key from
SECRET_KEY; production (`TRELLIS_SECRETS_KEY_REQUIRED`) refuses to store or read a
secret, and `check --deploy` reports the missing key.

cryptography is imported when a secret is encrypted or read (or the keys checked), not
with this module, which the admin loads in every web process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

SETTING = "TRELLIS_SECRETS_KEY"


def configured_keys() -> list[str]:
    value = getattr(settings, SETTING, "") or ""
    return [part.strip() for part in value.split(",") if part.strip()]


def key_problem() -> str:
    """Why the configured keys cannot be used; "" when they can (or none is set)."""
    from cryptography.fernet import Fernet

    for position, key in enumerate(configured_keys(), start=1):
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            return (
                f"{SETTING}: key {position} is not a Fernet key (32 url-safe base64-encoded "
                "bytes; make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)."
            )
    return ""


def _derived_key() -> bytes:
    digest = hashlib.sha256(f"trellis-secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    from cryptography.fernet import Fernet, MultiFernet

    problem = key_problem()
    if problem:
        raise ImproperlyConfigured(problem)
    keys = configured_keys()
    if not keys:
        if getattr(settings, "TRELLIS_SECRETS_KEY_REQUIRED", False):
            raise ImproperlyConfigured(
                f"{SETTING} is not set: connector secrets cannot be stored or read."
            )
        return MultiFernet([Fernet(_derived_key())])
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(value: str) -> str:
    """The secret; "" when none is stored or it cannot be read with the current keys."""
    if not value:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""


def secret_rotate(value: str) -> str:
    """The same secret encrypted with the first key; raises `InvalidToken` when no key
    reads it."""
    return _fernet().rotate(value.encode()).decode() if value else ""


@checks.register(checks.Tags.security)
def check_secrets_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = key_problem()
    if problem:
        return [checks.Error(problem, id="incidents.E101")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_secrets_key_deploy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if configured_keys() or settings.DEBUG:
        return []
    return [
        checks.Error(
            f"{SETTING} is not set: incident-source tokens and webhook secrets would be "
            "encrypted with a key derived from SECRET_KEY (or, with "
            "TRELLIS_SECRETS_KEY_REQUIRED, not stored at all).",
            hint="Set it to one or more comma-separated Fernet keys (docs/incidents.md).",
            id="incidents.E102",
        )
    ]
