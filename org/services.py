"""Writes for users, teams and memberships. Views, the API and tasks call these."""

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from config import stamps
from config.tasks import enqueue_on_commit

from .exceptions import OrgError
from .models import CareerLevel, Membership, PeopleImport, Persona, Team, User


def user_create(
    *, email: str, password: str | None = None, full_name: str = "", personas: Iterable[str] = ()
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise OrgError(f"A user with email {email} already exists.")
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    user_set_personas(user=user, personas=personas)
    return user


def user_first_sign_in(*, email: str, full_name: str = "") -> User:
    """A person new to Trellis signing in through single sign-on: created as a learner.

    A first sign-in from two tabs at once (two links opened before signing in) gives one
    person: the second finds the one the first created instead of failing on the email.
    """
    try:
        with transaction.atomic():
            return user_create(email=email, full_name=full_name, personas=[Persona.LEARNER])
    except (IntegrityError, OrgError):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise
        return user


def user_set_personas(*, user: User, personas: Iterable[str]) -> None:
    wanted = set(personas)
    unknown = wanted - set(Persona.values)
    if unknown:
        raise OrgError(f"Unknown persona(s): {', '.join(sorted(unknown))}.")
    groups = [Group.objects.get_or_create(name=name)[0] for name in sorted(wanted)]
    user.groups.remove(*Group.objects.filter(name__in=Persona.values).exclude(name__in=wanted))
    user.groups.add(*groups)
    user.is_staff = Persona.ADMIN in wanted or user.is_superuser
    user.save(update_fields=["is_staff"])
    if hasattr(user, "_trellis_personas"):
        del user._trellis_personas


def team_create(*, name: str, slug: str, description: str = "") -> Team:
    team = Team(name=name, slug=slug, description=description)
    try:
        team.full_clean()
    except ValidationError as exc:
        raise OrgError("; ".join(exc.messages)) from exc
    team.save()
    return team


def membership_set(
    *, user: User, team: Team, job_role: str, career_level: str = CareerLevel.MID
) -> Membership:
    """Put `user` in `team` with this role and level (updating an existing membership).

    Two at once for the same person and team (an identity provider's provisioning calls
    in parallel, a first single sign-on from two tabs) give one membership: the second
    updates what the first created instead of failing on the unique key."""
    fields = {"job_role": job_role, "career_level": career_level}
    try:
        Membership(user=user, team=team, **fields).full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise OrgError("; ".join(exc.messages)) from exc
    membership, _ = Membership.objects.update_or_create(user=user, team=team, defaults=fields)
    return membership


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValueError("not a valid email address") from exc
    return value.lower()


Email = Annotated[str, AfterValidator(_email)]


class PersonRow(BaseModel):
    """One row of a people import (CSV or JSON)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: Email
    full_name: str = Field(default="", max_length=200)
    team: str = Field(min_length=1, description="Team slug; the team must exist.")
    job_role: str = Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    career_level: CareerLevel = CareerLevel.MID


def people_import_create(*, rows: list[Mapping[str, Any]], created_by: User | None) -> PeopleImport:
    """Record the rows and process them in a Celery task once this transaction commits."""
    if not rows:
        raise OrgError("The import has no rows.")
    batch = PeopleImport.objects.create(rows=list(rows), created_by=created_by)
    enqueue_on_commit("org.tasks.people_import_process", batch.pk)
    return batch


def people_import_process(*, import_id: int) -> PeopleImport | None:
    """Create or update the people of a pending import; safe to run twice.

    The import is claimed with a conditional update, so a duplicate delivery of
    the task finds nothing to do. All rows are written in one transaction: a
    crash leaves the import pending and nothing half-written.
    """
    claimed = PeopleImport.objects.filter(pk=import_id, status=PeopleImport.Status.PENDING).update(
        status=PeopleImport.Status.RUNNING
    )
    if not claimed:
        return None
    try:
        with transaction.atomic():
            batch = PeopleImport.objects.select_for_update().get(pk=import_id)
            new_user_ids = _people_import_apply(batch)
            batch.status = PeopleImport.Status.DONE
            batch.finished_at = timezone.now()
            batch.save()
    except Exception:
        PeopleImport.objects.filter(pk=import_id).update(status=PeopleImport.Status.PENDING)
        raise
    if new_user_ids:
        # New people have no usable password: each gets a set-password invitation.
        enqueue_on_commit("org.tasks.invitations_send", new_user_ids, batch.created_by_id)
    return batch


def _people_import_apply(batch: PeopleImport) -> list[int]:
    """Apply the rows; returns the ids of the people it created."""
    teams = {t.slug: t for t in Team.objects.all()}
    valid: list[tuple[int, PersonRow]] = []
    rejected: list[dict[str, Any]] = []
    for index, raw in enumerate(batch.rows):
        try:
            row = PersonRow.model_validate(raw)
        except PydanticError as exc:
            errors = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()
            )
            rejected.append({"row": index, "data": raw, "error": errors})
            continue
        if row.team not in teams:
            rejected.append({"row": index, "data": raw, "error": f"team: no team '{row.team}'"})
            continue
        valid.append((index, row))

    emails = {row.email.lower() for _, row in valid}
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    new_users = [User(email=email, full_name="") for email in sorted(emails - existing.keys())]
    for user in new_users:
        user.set_unusable_password()
    User.objects.bulk_create(new_users)
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    learner_group, _ = Group.objects.get_or_create(name=Persona.LEARNER)
    learner_group.user_set.add(*(users[u.email] for u in new_users))

    names = {row.email.lower(): row.full_name for _, row in valid if row.full_name}
    renamed = [u for e, u in users.items() if e in names and u.full_name != names[e]]
    for user in renamed:
        user.full_name = names[user.email]
    User.objects.bulk_update(renamed, ["full_name"])
    # Names and memberships written without signals.
    stamps.bump(stamps.CATALOGUE, *(stamps.user(u.pk) for u in renamed))

    memberships = [
        Membership(
            user=users[row.email.lower()],
            team=teams[row.team],
            job_role=row.job_role,
            career_level=row.career_level,
        )
        for _, row in valid
    ]
    Membership.objects.bulk_create(
        memberships,
        update_conflicts=True,
        unique_fields=["user", "team"],
        update_fields=["job_role", "career_level"],
    )
    batch.created_count = len(new_users)
    batch.updated_count = len(valid) - len(new_users)
    batch.rejected = rejected
    return sorted(users[u.email].pk for u in new_users)


# Token models revoked when someone is deactivated; those not installed are skipped, so a
# token library added later (e.g. django-rest-knox's "knox.AuthToken") is covered by name.
TOKEN_MODELS = ("knox.AuthToken",)


def _sessions_uncache(keys: list[str]) -> None:
    """Drop the cached copies of sessions deleted from the table (`cached_db`)."""
    from importlib import import_module

    from django.core.cache import caches

    prefix = getattr(import_module(settings.SESSION_ENGINE).SessionStore, "cache_key_prefix", None)
    if prefix and keys:
        caches[settings.SESSION_CACHE_ALIAS].delete_many([prefix + key for key in keys])


def user_deactivate(*, user: User, by: User | None = None, reason: str = "") -> dict[str, int]:
    """Deactivate `user` and cut every way they are signed in: their sessions end and
    their API tokens are deleted. Their history (attempts, ratings, memberships) stays.
    Returns how many sessions and tokens were removed."""
    from django.apps import apps
    from django.contrib.sessions.models import Session

    from .audit import Event, audit_event

    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        stamps.bump(stamps.learner(user.pk), stamps.user(user.pk))
        user.is_active = False
        tokens = 0
        for label in TOKEN_MODELS:
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            tokens += model.objects.filter(user=user).delete()[0]
        sessions = [
            s.pk
            for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if s.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        Session.objects.filter(pk__in=sessions).delete()
        _sessions_uncache(sessions)
        audit_event(
            event=Event.USER_DEACTIVATED,
            actor=by,
            target=user,
            data={"reason": reason, "sessions_ended": len(sessions), "tokens_revoked": tokens},
        )
    return {"sessions": len(sessions), "tokens": tokens}
