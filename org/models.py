from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from config import text_limits


class Persona(models.TextChoices):
    """The four permission groups. Group names are these values."""

    LEARNER = "learner", "Learner"
    AUTHOR = "author", "Author (L&D admin)"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Platform admin"


class CareerLevel(models.TextChoices):
    JUNIOR = "junior", "Junior"
    MID = "mid", "Mid"
    SENIOR = "senior", "Senior"
    PRINCIPAL = "principal", "Principal"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with their email address (stored lower-case)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # API tokens made before this moment no longer authenticate (org.api.authentication).
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The identity provider's own id for this person (SCIM `externalId`), when provisioned.
    scim_external_id = models.CharField(max_length=254, null=True, blank=True, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="org_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_teams", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The identity provider's id of the group this team is (SCIM `externalId`).
    scim_external_id = models.CharField(max_length=254, null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a team: their job role there and career level.

    `job_role` holds the slug of a `pathways.Role`; `org` does not import `pathways`,
    so the link is by slug (see docs/architecture.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    job_role = models.SlugField(max_length=64)
    career_level = models.CharField(
        max_length=16, choices=CareerLevel.choices, default=CareerLevel.MID
    )
    joined_at = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["team__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="org_membership_unique"),
        ]
        indexes = [models.Index(fields=["team", "job_role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.job_role} ({self.career_level})"


class PeopleImport(models.Model):
    """A bulk upload of people and memberships, processed by a Celery task.

    Rows that fail validation are kept on the import with their error; nothing is
    dropped silently.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rows = models.JSONField(default=list, help_text="The rows as received.")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(
        default=list, help_text="[{row: index, data: {...}, error: message}] for rejected rows."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"People import #{self.pk} ({self.status})"


class OutboxMessage(models.Model):
    """A task message the broker refused when it was sent; `org.outbox` sends it again
    (oldest first) once the broker is back. The work it names is already committed."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class Invitation(models.Model):
    """One invitation e-mail with a set-password link (sent again: a new row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation to {self.user} ({self.sent_at:%Y-%m-%d})"


class ScimToken(models.Model):
    """A bearer token an identity provider uses to call /scim/v2/. Issued by a platform
    admin; only the SHA-256 digest of the key is stored (the key is shown once)."""

    name = models.CharField(max_length=100, help_text="Which provider uses it, e.g. Okta.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="The key's first characters.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
