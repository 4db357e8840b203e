"""Issuing and revoking Open Badges 3.0 credentials (writes)."""

import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from org.audit import audit_event
from pathways.models import CertificationAward

from . import documents, proofs
from .exceptions import CredentialError
from .keys import issuer_key
from .models import IssuedCredential, StatusList

CREDENTIAL_REVOKED = "credential_revoked"


def _status_list_resign(status_list: StatusList) -> None:
    revoked = IssuedCredential.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_index", flat=True)
    unsigned = documents.status_list_credential(
        number=status_list.number,
        revoked=list(revoked),
        size=StatusList.SIZE,
        key=issuer_key(),
        valid_from=timezone.now(),
    )
    status_list.document = proofs.sign(unsigned, key=issuer_key())
    status_list.save(update_fields=["document", "updated_at"])


def _allocate_entry() -> tuple[StatusList, int]:
    """The next free (list, index), the current list locked until the transaction ends."""
    current = StatusList.objects.select_for_update().order_by("-number").first()
    if current is None or current.next_index >= StatusList.SIZE:
        number = current.number + 1 if current else 1
        current, _ = StatusList.objects.get_or_create(number=number)
        current = StatusList.objects.select_for_update().get(pk=current.pk)
        if not current.document:
            _status_list_resign(current)
    index = current.next_index
    current.next_index = index + 1
    current.save(update_fields=["next_index", "updated_at"])
    return current, index


def credential_issue(*, award_id: int) -> IssuedCredential:
    """The signed credential of an award, issued once (a second call returns it)."""
    existing = IssuedCredential.objects.filter(award_id=award_id).first()
    if existing is not None:
        return existing
    award = (
        CertificationAward.objects.select_related("certification", "user")
        .filter(pk=award_id)
        .first()
    )
    if award is None:
        raise CredentialError(f"There is no certification award {award_id}.")
    with transaction.atomic():
        status_list, index = _allocate_entry()
        public_id = uuid.uuid4()
        unsigned = documents.open_badge_credential(
            public_id=str(public_id),
            award=award,
            key=issuer_key(),
            salt=documents.new_salt(),
            list_number=status_list.number,
            index=index,
        )
        credential, _created = IssuedCredential.objects.get_or_create(
            award=award,
            defaults={
                "public_id": public_id,
                "status_list": status_list,
                "status_index": index,
                "document": proofs.sign(unsigned, key=issuer_key()),
            },
        )
    return credential


def credential_revoke(
    *,
    credential: IssuedCredential,
    actor: Any,
    reason: str = "",
    request: HttpRequest | None = None,
) -> IssuedCredential:
    """Revoke a credential: its status list bit is set and the list re-signed; audited."""
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        locked = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
        if locked.revoked_at is not None:
            raise CredentialError("This credential is already revoked.")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor if actor is not None and actor.pk else None
        locked.revocation_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        _status_list_resign(StatusList.objects.select_for_update().get(pk=locked.status_list_id))
        audit_event(
            event=CREDENTIAL_REVOKED,
            actor=actor,
            target=locked,
            target_repr=f"credential {locked.public_id} revoked",
            data={"public_id": str(locked.public_id), "reason": reason},
            request=request,
        )
    return locked
