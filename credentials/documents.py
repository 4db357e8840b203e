"""The JSON-LD documents this Trellis issues: the `OpenBadgeCredential` of an award, the
`BitstringStatusListCredential` that revokes them, and the issuer profile (unsigned)."""

import base64
import gzip
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from .jsonld import OB_V3, VC_V2
from .keys import IssuerKey

STATUS_PURPOSE = "revocation"


def absolute(path: str) -> str:
    return settings.TRELLIS_BASE_URL.rstrip("/") + path


def _stamp(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def issuer_profile(key: IssuerKey) -> dict[str, Any]:
    return {
        "id": key.did,
        "type": ["Profile"],
        "name": settings.CREDENTIALS_ISSUER_NAME,
        "url": absolute("/"),
    }


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: "sha256$" + hex SHA-256 of the address and the salt."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def new_salt() -> str:
    return secrets.token_hex(16)


def _criteria_narrative(criteria: dict[str, Any]) -> str:
    parts = []
    if criteria.get("assessments"):
        parts.append("Pass the assessments " + ", ".join(criteria["assessments"]) + ".")
    if criteria.get("labs"):
        parts.append("Complete the labs " + ", ".join(criteria["labs"]) + ".")
    if criteria.get("capstone"):
        minimum = criteria.get("capstone_min_score")
        bar = f" with at least {minimum}%" if minimum is not None else ""
        parts.append(f"Have the capstone {criteria['capstone']} reviewed{bar}.")
    return " ".join(parts) or "Awarded by this Trellis."


def achievement(certification: Any) -> dict[str, Any]:
    """The OB 3.0 `Achievement` of a certification (also served on its own)."""
    doc: dict[str, Any] = {
        "id": absolute(reverse("credentials:achievement", args=[certification.slug])),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certification.name,
        "description": certification.description or certification.name,
        "criteria": {"narrative": _criteria_narrative(certification.criteria or {})},
    }
    return doc


def _evidence(award: Any) -> list[dict[str, Any]]:
    evidence = award.evidence if isinstance(award.evidence, dict) else {}
    items = []
    for slug, attempt_id in (evidence.get("assessments") or {}).items():
        items.append(
            {
                "id": absolute(reverse("assessments:attempt", args=[attempt_id])),
                "type": ["Evidence"],
                "name": f"Assessment {slug} passed",
                "narrative": f"Attempt {attempt_id} of the assessment {slug} was passed.",
            }
        )
    for slug, how in (evidence.get("labs") or {}).items():
        items.append(
            {
                "type": ["Evidence"],
                "name": f"Lab {slug} completed",
                "narrative": f"Lab {slug}: {how}.",
            }
        )
    capstone = evidence.get("capstone")
    if isinstance(capstone, dict) and capstone.get("attempt"):
        items.append(
            {
                "id": absolute(reverse("assessments:attempt", args=[capstone["attempt"]])),
                "type": ["Evidence"],
                "name": f"Capstone {capstone.get('slug', '')} reviewed",
                "narrative": f"Scored {capstone.get('percent', '')}% by a reviewer.",
            }
        )
    return items


def status_entry(list_number: int, index: int) -> dict[str, Any]:
    list_url = absolute(reverse("credentials:status_list", args=[list_number]))
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def open_badge_credential(
    *, public_id: str, award: Any, key: IssuerKey, salt: str, list_number: int, index: int
) -> dict[str, Any]:
    """The unsigned `OpenBadgeCredential` of one award."""
    certification = award.certification
    doc: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": absolute(reverse("credentials:json", args=[public_id])),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certification.name,
        "issuer": issuer_profile(key),
        "validFrom": _stamp(award.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(award.user.email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement(certification),
        },
        "credentialStatus": status_entry(list_number, index),
    }
    evidence = _evidence(award)
    if evidence:
        doc["evidence"] = evidence
    return doc


def encode_bitstring(revoked: Iterable[int], size: int) -> str:
    """GZIP-compressed bitstring (index 0 is the first, most significant bit), base64url
    without padding, multibase prefix `u`."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    data = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_list_credential(
    *, number: int, revoked: Iterable[int], size: int, key: IssuerKey, valid_from: datetime
) -> dict[str, Any]:
    url = absolute(reverse("credentials:status_list", args=[number]))
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.did,
        "validFrom": _stamp(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_bitstring(revoked, size),
        },
    }


def achievement_contexts() -> list[str]:
    return [VC_V2, OB_V3]
