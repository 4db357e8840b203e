"""Reading credentials: the public documents and what a verifier would conclude."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from . import documents, proofs
from .keys import issuer_key
from .models import IssuedCredential, StatusList


class Verdict(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    TAMPERED = "tampered"


@dataclass
class Verification:
    verdict: Verdict
    proof_valid: bool
    issued_here: bool
    revoked: bool


def credential_by_public_id(public_id: UUID) -> IssuedCredential | None:
    return (
        IssuedCredential.objects.select_related("award__certification", "status_list", "revoked_by")
        .filter(public_id=public_id)
        .first()
    )


def status_list_by_number(number: int) -> StatusList | None:
    return StatusList.objects.filter(number=number).exclude(document={}).first()


def _bit(status_list: StatusList, index: int) -> bool:
    subject = (status_list.document or {}).get("credentialSubject") or {}
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        return False
    bits = documents.decode_bitstring(encoded)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def verify_document(document: dict[str, Any], *, credential: IssuedCredential) -> Verification:
    """Check a credential document as a verifier would: the proof, the issuer (this
    Trellis's key), and its entry in the published status list."""
    proof_valid = proofs.verify(document)
    issued_here = (
        isinstance(document.get("issuer"), dict)
        and document["issuer"].get("id") == issuer_key().did
        and (document.get("proof") or {}).get("verificationMethod")
        == issuer_key().verification_method
    )
    revoked = credential.is_revoked or _bit(credential.status_list, credential.status_index)
    if not (proof_valid and issued_here):
        verdict = Verdict.TAMPERED
    elif revoked:
        verdict = Verdict.REVOKED
    else:
        verdict = Verdict.VALID
    return Verification(verdict, proof_valid, issued_here, revoked)


def credential_verify(credential: IssuedCredential) -> Verification:
    return verify_document(credential.document, credential=credential)
