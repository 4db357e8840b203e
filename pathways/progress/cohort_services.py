"""Writes for cohorts and enrolment: who is in a cohort, on which pathways, enrolled how.

Reached through `pathways.progress.services` like the rest of the app's writes.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from org.models import Membership, Team, User
from pathways import page_cache
from pathways.models import (
    Cohort,
    CohortMember,
    Enrollment,
    Pathway,
    Role,
)

from .bulk import insert_from_select
from .exceptions import ProgressError, full_clean

# --- cohorts -------------------------------------------------------------------------


def cohort_create(
    *,
    name: str,
    start_date: date,
    pathways: Sequence[Pathway],
    sponsor: User | None = None,
    created_by: User | None = None,
    member_ids: Iterable[int] = (),
    champion_ids: Iterable[int] = (),
) -> Cohort:
    """Create a cohort with its members (each on the cohort pathway for their role)."""
    with transaction.atomic():
        cohort = Cohort(
            name=name.strip(), start_date=start_date, sponsor=sponsor, created_by=created_by
        )
        full_clean(cohort)
        cohort.save()
        _set_pathways(cohort, pathways)
        cohort_add_members(cohort=cohort, user_ids=member_ids, champion_ids=champion_ids)
    return cohort


def cohort_update(
    *,
    cohort: Cohort,
    name: str,
    start_date: date,
    pathways: Sequence[Pathway],
    sponsor: User | None,
) -> Cohort:
    """Change a cohort's details; members whose pathway left the cohort are reassigned."""
    with transaction.atomic():
        cohort.name = name.strip()
        cohort.start_date = start_date
        cohort.sponsor = sponsor
        full_clean(cohort)
        cohort.save()
        _set_pathways(cohort, pathways)
        CohortMember.objects.filter(cohort=cohort).exclude(
            pathway__in=[p.pk for p in pathways]
        ).update(pathway=None)
        _assign_pathways(cohort)
        page_cache.catalogue_changed()
    return cohort


def _set_pathways(cohort: Cohort, pathways: Sequence[Pathway]) -> None:
    """Keep the order pathways were added in: the first one is the cohort's default."""
    wanted = [p.pk for p in pathways]
    cohort.pathways.remove(*cohort.pathways.exclude(pk__in=wanted))
    present = set(cohort.pathways.values_list("pk", flat=True))
    for pathway in pathways:
        if pathway.pk not in present:
            cohort.pathways.add(pathway)  # one at a time: `add(*many)` loses the order
            present.add(pathway.pk)


def _assign_pathways(cohort: Cohort) -> None:
    """Give members without a pathway the cohort pathway of their role, else the cohort's
    first pathway (the first one added). One UPDATE whatever the number of members.

    A member trains for the role of the pathway they follow: someone put on the first
    pathway because none is theirs takes that pathway's role (when it has one), so the
    heatmap, the at-risk list and the gaps judge them against the matrix of what they
    are taught, not of the job they came from.
    """
    cohort_pathways = Pathway.objects.filter(cohorts=cohort)
    default = (
        Cohort.pathways.through.objects.filter(cohort=cohort)
        .order_by("pk")
        .values_list("pathway_id", "pathway__role_id")
        .first()
    )
    if default is None:
        return
    default_pathway, default_role = default
    for_role = cohort_pathways.filter(role_id=OuterRef("role_id")).order_by("title", "pk")
    changes: dict[str, Any] = {
        "pathway_id": Coalesce(Subquery(for_role.values("pk")[:1]), Value(default_pathway))
    }
    if default_role is not None:
        # Both expressions read the row as it was: `role_id` here is the role they came with.
        changes["role_id"] = Case(
            When(Exists(for_role), then=F("role_id")), default=Value(default_role)
        )
    CohortMember.objects.filter(cohort=cohort, pathway__isnull=True).update(**changes)
    page_cache.catalogue_changed()


def cohort_add_members(
    *, cohort: Cohort, user_ids: Iterable[int], champion_ids: Iterable[int] = ()
) -> int:
    """Add hand-picked people; their role is that of their earliest team membership.

    People already in the cohort are left as they are. Returns how many were added.
    """
    ids = sorted(set(user_ids))
    champions = set(champion_ids)
    if not champions <= set(ids):
        raise ProgressError("Change champions must be members of the cohort.")
    if not ids:
        return 0
    if User.objects.filter(pk__in=ids).count() != len(ids):
        raise ProgressError("Some of those people do not exist.")
    role_slug: dict[int, str] = {}
    for user_id, slug in (
        Membership.objects.filter(user_id__in=ids)
        .order_by("user_id", "joined_at", "pk")
        .values_list("user_id", "job_role")
    ):
        role_slug.setdefault(user_id, slug)
    roles = {r.slug: r.pk for r in Role.objects.filter(slug__in=set(role_slug.values()))}
    now = timezone.now()
    before = CohortMember.objects.filter(cohort=cohort).count()
    page_cache.learners_changed(ids)
    CohortMember.objects.bulk_create(
        [
            CohortMember(
                cohort=cohort,
                user_id=user_id,
                role_id=roles.get(role_slug.get(user_id, "")),
                is_champion=user_id in champions,
                added_at=now,
            )
            for user_id in ids
        ],
        ignore_conflicts=True,
    )
    _assign_pathways(cohort)
    return CohortMember.objects.filter(cohort=cohort).count() - before


def cohort_add_teams(
    *, cohort: Cohort, teams: Iterable[Team], skip_user_ids: Iterable[int] = ()
) -> int:
    """Add everyone in `teams` but `skip_user_ids`, each with their job role in that
    team, in one statement.

    People already in the cohort are left as they are. Returns how many were added.
    """
    team_ids = [t.pk for t in teams]
    if not team_ids:
        return 0
    members = Membership.objects.filter(team_id__in=team_ids)
    skip = list(skip_user_ids)
    if skip:
        members = members.exclude(user_id__in=skip)
    rows = members.annotate(
        c_cohort=Value(cohort.pk),
        c_user=F("user_id"),
        c_role=Subquery(Role.objects.filter(slug=OuterRef("job_role")).values("pk")[:1]),
        c_champion=Value(False),
        c_added=Value(timezone.now(), output_field=DateTimeField()),
    )
    with transaction.atomic():
        added = insert_from_select(
            CohortMember,
            {
                "cohort": "c_cohort",
                "user": "c_user",
                "role": "c_role",
                "is_champion": "c_champion",
                "added_at": "c_added",
            },
            rows,
        )
        _assign_pathways(cohort)
    return added


def cohort_remove_member(*, cohort: Cohort, user_id: int) -> None:
    """Take a person out of the cohort. Their enrolment and progress are kept."""
    deleted, _ = CohortMember.objects.filter(cohort=cohort, user_id=user_id).delete()
    if not deleted:
        raise ProgressError("That person is not in this cohort.")


def cohort_set_champion(*, cohort: Cohort, user_id: int, is_champion: bool) -> None:
    updated = CohortMember.objects.filter(cohort=cohort, user_id=user_id).update(
        is_champion=is_champion
    )
    page_cache.learners_changed([user_id])
    if not updated:
        raise ProgressError("That person is not in this cohort.")


def cohort_enrol(*, cohort: Cohort) -> int:
    """Enrol every member on their cohort pathway, starting on the cohort's start date.

    One INSERT … SELECT whatever the cohort's size, so 10,000 members cost the same
    number of queries as 10. A member already enrolled on that pathway (any version)
    keeps their enrolment and its progress. Safe to run twice. Returns how many
    enrolments were created.
    """
    if not cohort.pathways.exists():
        raise ProgressError("Choose at least one pathway for the cohort before enrolling.")
    rows = CohortMember.objects.filter(cohort=cohort, pathway__isnull=False).annotate(
        c_user=F("user_id"),
        c_pathway=F("pathway_id"),
        c_slug=F("pathway__slug"),
        c_status=Value(Enrollment.Status.ACTIVE.value),
        c_enrolled=Value(timezone.now(), output_field=DateTimeField()),
        c_started=Value(cohort.start_date, output_field=DateField()),
    )
    with transaction.atomic():
        created = _insert_enrollments(rows)
        cohort.enrolled_at = timezone.now()
        cohort.save(update_fields=["enrolled_at"])
    return created


def team_enrol(
    *, team: Team, pathway: Pathway, started_on: date, skip_user_ids: Iterable[int] = ()
) -> int:
    """Enrol everyone in `team` but `skip_user_ids` on `pathway` in one statement. Safe
    to run twice."""
    if pathway.status != Pathway.Status.PUBLISHED:
        raise ProgressError("Only a published pathway can be enrolled on.")
    members = Membership.objects.filter(team=team)
    skip = list(skip_user_ids)
    if skip:
        members = members.exclude(user_id__in=skip)
    rows = members.annotate(
        c_user=F("user_id"),
        c_pathway=Value(pathway.pk),
        c_slug=Value(pathway.slug),
        c_status=Value(Enrollment.Status.ACTIVE.value),
        c_enrolled=Value(timezone.now(), output_field=DateTimeField()),
        c_started=Value(started_on, output_field=DateField()),
    )
    return _insert_enrollments(rows)


def _insert_enrollments(rows) -> int:  # type: ignore[no-untyped-def]
    return insert_from_select(
        Enrollment,
        {
            "user": "c_user",
            "pathway": "c_pathway",
            "pathway_slug": "c_slug",
            "status": "c_status",
            "enrolled_at": "c_enrolled",
            "started_on": "c_started",
        },
        rows,
    )
