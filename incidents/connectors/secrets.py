"""Connector secrets (API tokens, webhook signing secrets), encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256) with a key from `TRELLIS_SECRETS_KEY` when set,
else derived from SECRET_KEY: rotating either makes stored secrets unreadable, and the
admin then enters them again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = getattr(settings, "TRELLIS_SECRETS_KEY", "") or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(f"trellis-secrets:{material}".encode()).digest())
    return Fernet(key)


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(value: str) -> str:
    """The secret; "" when none is stored or it cannot be read with the current key."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""
