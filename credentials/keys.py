"""This Trellis's issuer key (Ed25519) and its public identifier, a `did:key`.

A `did:key` carries the public key in the identifier itself, so any verifier resolves it
offline. The private key comes from `CREDENTIALS_ISSUER_KEY` (the 32-byte seed,
base64url); unset, it is derived from `SECRET_KEY` with HKDF, so rotating the secret key
without setting `CREDENTIALS_ISSUER_KEY` first changes the issuer (docs/credentials.md).

cryptography is imported when a key is made or a signature checked, not with this module
(which every web process loads through the admin).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import base58
from django.conf import settings

from .exceptions import CredentialError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

_ED25519_PUB_MULTICODEC = b"\xed\x01"


def multibase_b58(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def from_multibase_b58(value: str) -> bytes:
    if not value.startswith("z"):
        raise CredentialError("Only base58btc multibase values (z…) are supported.")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("The multibase value is not base58btc.") from exc


@dataclass(frozen=True)
class IssuerKey:
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_multibase(self) -> str:
        return multibase_b58(_ED25519_PUB_MULTICODEC + self.public_bytes)

    @property
    def did(self) -> str:
        return f"did:key:{self.public_multibase}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.public_multibase}"

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _seed() -> bytes:
    configured = getattr(settings, "CREDENTIALS_ISSUER_KEY", "")
    if configured:
        seed = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
        if len(seed) != 32:
            raise CredentialError("CREDENTIALS_ISSUER_KEY must be 32 bytes, base64url.")
        return seed
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"trellis credentials issuer"
    ).derive(settings.SECRET_KEY.encode("utf-8"))


@cache
def _key_for(seed: bytes) -> IssuerKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return IssuerKey(Ed25519PrivateKey.from_private_bytes(seed))


def issuer_key() -> IssuerKey:
    return _key_for(_seed())


def public_key_from_verification_method(vm: str) -> Ed25519PublicKey:
    """The Ed25519 key of a `did:key:z6Mk…#z6Mk…` verification method."""
    did, _, fragment = vm.partition("#")
    if not did.startswith("did:key:") or did[len("did:key:") :] != fragment:
        raise CredentialError(f"Unsupported verification method {vm!r}.")
    raw = from_multibase_b58(fragment)
    if not raw.startswith(_ED25519_PUB_MULTICODEC) or len(raw) != 34:
        raise CredentialError("The verification method is not an Ed25519 key.")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw[2:])


def verify_signature(vm: str, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key_from_verification_method(vm).verify(signature, data)
    except (InvalidSignature, CredentialError):
        return False
    return True
