"""The xAPI Learning Record Store: statements, their attachments, documents, clients.

A statement row is written once and never changed: whether it is voided is read from
the voiding statements that target it (`object_ref`), not stored on the row.
"""

from django.db import models


class Client(models.Model):
    """Credentials an admin issues for HTTP Basic access to /xapi/."""

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=64, unique=True)
    # SHA-256 of a 32-byte random secret: high entropy, so a fast hash is enough.
    secret_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Statement(models.Model):
    seq = models.BigAutoField(primary_key=True)
    statement_id = models.UUIDField(unique=True)
    data = models.JSONField()
    stored = models.DateTimeField(db_index=True)
    verb_id = models.CharField(max_length=2048, db_index=True)
    registration = models.UUIDField(null=True, blank=True, db_index=True)
    # The statement this one targets when its object is a StatementRef.
    object_ref = models.UUIDField(null=True, blank=True, db_index=True)
    is_voiding = models.BooleanField(default=False)
    client = models.ForeignKey(Client, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["object_ref", "is_voiding"], name="lrs_stmt_ref_voiding"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementIndex(models.Model):
    """One row per (statement, filter kind, value), so every filter is an indexed lookup."""

    AGENT = "agent"  # actor or object agent/group
    RELATED_AGENT = "ragent"  # any agent anywhere in the statement
    ACTIVITY = "activity"  # object activity
    RELATED_ACTIVITY = "ractivity"  # any activity anywhere in the statement

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="index")
    kind = models.CharField(max_length=10)
    value = models.CharField(max_length=2048)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="lrs_stmtidx_kind_value")]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


class Attachment(models.Model):
    sha2 = models.CharField(max_length=128, primary_key=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The merged definition of an activity, from every statement that names it."""

    activity_id = models.CharField(max_length=2048, unique=True)
    definition = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"
    KINDS = [
        (STATE, "State"),
        (ACTIVITY_PROFILE, "Activity profile"),
        (AGENT_PROFILE, "Agent profile"),
    ]

    kind = models.CharField(max_length=20, choices=KINDS)
    activity_id = models.CharField(max_length=2048, blank=True, default="")
    agent = models.CharField(max_length=1024, blank=True, default="")
    registration = models.CharField(max_length=36, blank=True, default="")
    doc_id = models.CharField(max_length=2048)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=40)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "activity_id", "agent", "registration", "doc_id"],
                name="lrs_document_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.doc_id}"


class OutboxEntry(models.Model):
    """A statement waiting to be forwarded to the external LRS (LRS_FORWARD_URL).

    Sent with PUT /statements?statementId=…, so a retry after a lost answer stores
    nothing twice at the other end.
    """

    statement_id = models.UUIDField(unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"outbox {self.statement_id}"
