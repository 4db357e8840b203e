"""Open Badges 3.0 credentials issued for certification awards, and the status lists
that revoke them."""

import uuid

from django.conf import settings
from django.db import models


class StatusList(models.Model):
    """One BitstringStatusList (revocation) of `SIZE` entries, served signed."""

    SIZE = 131072  # 16 KiB of bits, the minimum the Bitstring Status List spec asks for

    number = models.PositiveIntegerField(unique=True)
    next_index = models.PositiveIntegerField(default=0)
    document = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"status list {self.number}"


class IssuedCredential(models.Model):
    """The signed `OpenBadgeCredential` of one certification award (stored as issued)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.OneToOneField(
        "pathways.CertificationAward", on_delete=models.CASCADE, related_name="credential"
    )
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    status_index = models.PositiveIntegerField()
    document = models.JSONField()
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credential_status_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"credential {self.public_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
