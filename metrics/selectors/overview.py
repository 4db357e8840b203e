"""The dashboards home: each cohort and team a viewer may see, with its headline numbers.

Training numbers come from the cohort snapshots (`metrics.training`), the incident
trend from rollups. A fixed number of queries whatever the number of cohorts and teams:
the cohorts, their snapshots, the teams, the managed teams and one rollup query.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count

from org import access
from org.models import Team
from pathways.progress import rules

from ..compute import SMALL_SAMPLE_BELOW, decode_values, period_start, summarize_durations
from ..models import CohortSnapshot, IncidentRollup
from ..registry import REGISTRY
from .scopes import may_see_everything

TREND_KPI = "mttr"  # the one incident KPI a home row shows: median time to resolve
TREND_WEEKS = 4  # the last four whole weeks against the four before them


@dataclass(frozen=True, slots=True)
class Trend:
    """Median of the trend KPI over the last TREND_WEEKS whole weeks and the ones before."""

    current: Decimal | None
    current_n: int
    previous: Decimal | None
    previous_n: int

    @property
    def name(self) -> str:
        return REGISTRY[TREND_KPI].name

    @property
    def direction(self) -> str:
        """better, worse, same, or "" when either window has no figure."""
        if self.current is None or self.previous is None:
            return ""
        if self.current == self.previous:
            return "same"
        return "better" if self.current < self.previous else "worse"

    @property
    def small_sample(self) -> bool:
        return 0 < self.current_n < SMALL_SAMPLE_BELOW or 0 < self.previous_n < SMALL_SAMPLE_BELOW


@dataclass(frozen=True, slots=True)
class Headline:
    """One row of the home page: a cohort or a team."""

    kind: str  # cohort or team
    pk: int
    name: str
    slug: str
    phase: str
    day: int | None
    learners: int | None
    at_risk: int | None
    behind: int | None
    overdue_items: int | None
    trend: Trend | None
    computed_at: dt.datetime | None
    cohorts: int = 0  # for a team: the cohorts of its members the viewer sees


def trend_windows(today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """First day of the previous window, of the current one, and the end (exclusive):
    whole weeks up to the Monday of this week."""
    end = period_start(today, "week")
    middle = end - dt.timedelta(weeks=TREND_WEEKS)
    return middle - dt.timedelta(weeks=TREND_WEEKS), middle, end


def _team_durations(
    team_ids: Iterable[int], today: dt.date
) -> dict[int, tuple[list[int], list[int]]]:
    """Per team: the trend KPI's durations (µs) in the previous and the current window."""
    first, middle, end = trend_windows(today)
    field = {"mttr": "ttr_values"}[TREND_KPI]
    out: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    rows = (
        IncidentRollup.objects.order_by()
        .filter(team_id__in=list(team_ids), slice_start__gte=first, slice_start__lt=end)
        .values_list("team_id", "slice_start", field)
    )
    for team_id, slice_start, text in rows:
        out[team_id][slice_start >= middle].extend(decode_values(text))
    return out


def _trend(team_ids: Iterable[int], durations: dict[int, tuple[list[int], list[int]]]) -> Trend:
    previous: list[int] = []
    current: list[int] = []
    for team_id in set(team_ids):
        before, after = durations.get(team_id, ([], []))
        previous += before
        current += after
    previous.sort()
    current.sort()
    was = summarize_durations(previous, population=len(previous))
    now = summarize_durations(current, population=len(current))
    return Trend(current=now.median, current_n=now.n, previous=was.median, previous_n=was.n)


def _phase(start: dt.date, today: dt.date) -> tuple[int, str]:
    day = rules.program_day(start=start, today=today)
    phase = rules.phase_for_day(day)
    label = phase.title if phase.days is None else f"Days {phase.days[0]}–{phase.days[1]}"
    return day, label


def dashboard_overview(*, user: Any, today: dt.date) -> tuple[list[Headline], list[Headline]]:
    """Headline rows of the cohorts and the teams `user` may see on the dashboards home.

    A cohort's incident trend covers its teams the viewer may see (none: no trend); a
    team's training numbers add up its members over the cohorts the viewer sees.
    """
    from pathways.progress.selectors import cohorts_visible_to

    cohorts = list(
        cohorts_visible_to(user)
        .annotate(member_count=Count("members", distinct=True))
        .order_by("-start_date", "name")
    )
    snapshots = {
        s.cohort_id: s
        for s in CohortSnapshot.objects.filter(cohort_id__in=[c.pk for c in cohorts]).only(
            "cohort_id", "data", "computed_at"
        )
    }
    everything = may_see_everything(user)
    managed = Team.objects.all() if everything else access.teams_managed_by(user)
    teams = list(
        managed.annotate(people=Count("memberships", distinct=True))
        .order_by("name")
        .values("pk", "slug", "name", "people")
    )
    visible = {t["pk"] for t in teams}
    durations = _team_durations(visible, today)

    cohort_rows = []
    per_team: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cohort in cohorts:
        snapshot = snapshots.get(cohort.pk)
        data = snapshot.data if snapshot else {}
        team_ids = [t for t in data.get("team_ids", []) if t in visible]
        for key, counts in data.get("teams", {}).items():
            if int(key) in visible:
                per_team[int(key)]["cohorts"] += 1
                for name, value in counts.items():
                    per_team[int(key)][name] += value
        status = data.get("status_counts", {})
        day, phase = _phase(cohort.start_date, today)
        cohort_rows.append(
            Headline(
                kind="cohort",
                pk=cohort.pk,
                name=cohort.name,
                slug="",
                phase=phase,
                day=day,
                learners=cohort.member_count,
                at_risk=status.get("at_risk"),
                behind=status.get("behind"),
                overdue_items=data.get("overdue_items"),
                trend=_trend(team_ids, durations) if team_ids else None,
                computed_at=snapshot.computed_at if snapshot else None,
            )
        )
    team_rows = []
    for team in teams:
        counts = per_team.get(team["pk"])
        team_rows.append(
            Headline(
                kind="team",
                pk=team["pk"],
                name=team["name"],
                slug=team["slug"],
                phase="",
                day=None,
                learners=team["people"],
                at_risk=counts["at_risk"] if counts else None,
                behind=counts["behind"] if counts else None,
                overdue_items=counts["overdue_items"] if counts else None,
                trend=_trend([team["pk"]], durations),
                computed_at=None,
                cohorts=counts["cohorts"] if counts else 0,
            )
        )
    return cohort_rows, team_rows
