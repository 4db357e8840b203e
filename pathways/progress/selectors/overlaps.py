"""People about to join a cohort who are already in another active cohort."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from org.models import Membership, User
from pathways.models import Cohort, CohortMember

from .. import rules


@dataclass
class Overlap:
    """A person and the active cohorts (other than the one being filled) they are in."""

    person: User
    cohorts: list[Cohort] = field(default_factory=list)

    @property
    def cohort_names(self) -> str:
        return ", ".join(c.name for c in self.cohorts)


def active_cohort_overlaps(
    *,
    user_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
    cohort: Cohort | None,
    today: date,
) -> list[Overlap]:
    """Who among `user_ids` and the members of `team_ids` is in an active cohort other
    than `cohort`. A cohort is active until its programme has finished (day 90 is its
    last day), including one that has not started yet. People already in `cohort` are
    not joining it, so they are left out. Two queries whatever the number of people.
    """
    wanted = Membership.objects.filter(team_id__in=list(team_ids)).values("user_id")
    ids = list(user_ids)
    earliest_start = today - timedelta(days=rules.PROGRAM_DAYS - 1)
    rows = (
        CohortMember.objects.filter(cohort__start_date__gte=earliest_start)
        .filter(Q(user_id__in=ids) | Q(user_id__in=wanted))
        .select_related("user", "cohort")
        .order_by("user__full_name", "user__email", "cohort__start_date", "cohort__pk")
    )
    if cohort is not None and cohort.pk:
        rows = rows.exclude(cohort=cohort).exclude(
            user_id__in=CohortMember.objects.filter(cohort=cohort).values("user_id")
        )
    overlaps: dict[int, Overlap] = {}
    for member in rows:
        overlaps.setdefault(member.user_id, Overlap(member.user)).cohorts.append(member.cohort)
    return list(overlaps.values())
