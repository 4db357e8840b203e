"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC-DI-EdDSA).

hashData = SHA-256(canonical proof options) ‖ SHA-256(canonical document), signed with
Ed25519; the proof value is the signature in base58btc multibase.
"""

import hashlib
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

from .exceptions import CredentialError
from .jsonld import canonicalize
from .keys import IssuerKey, from_multibase_b58, multibase_b58, verify_signature

CRYPTOSUITE = "eddsa-rdfc-2022"


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = document["@context"]
    return (
        hashlib.sha256(canonicalize(options).encode("utf-8")).digest()
        + hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    )


def sign(document: dict[str, Any], *, key: IssuerKey, created: datetime | None = None) -> dict:
    """A copy of `document` with an `eddsa-rdfc-2022` proof for assertion."""
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    unsecured = {k: v for k, v in deepcopy(document).items() if k != "proof"}
    proof["proofValue"] = multibase_b58(key.sign(_hash_data(unsecured, proof)))
    return {**unsecured, "proof": proof}


def verify(document: dict[str, Any]) -> bool:
    """Whether the document's one proof is a valid `eddsa-rdfc-2022` assertion proof."""
    proof = document.get("proof")
    if not isinstance(proof, dict) or not isinstance(document.get("@context"), list):
        return False
    if (
        proof.get("type") != "DataIntegrityProof"
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != "assertionMethod"
        or not isinstance(proof.get("proofValue"), str)
        or not isinstance(proof.get("verificationMethod"), str)
    ):
        return False
    try:
        signature = from_multibase_b58(proof["proofValue"])
        data = _hash_data(document, proof)
    except CredentialError:
        return False
    return verify_signature(proof["verificationMethod"], signature, data)
