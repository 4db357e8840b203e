"""Training impact across cohorts that started on different weeks (staggered DiD).

Every team's first trained week is the start of the earliest cohort with a member in
the team. Teams no cohort has reached are never-trained comparisons; teams of later
cohorts are not-yet-trained comparisons until their own start. Each incident KPI is a
weekly figure per team read from rollups (one query), estimated by `staggered`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median

import numpy as np
from django.db.models import Min

from org.models import Membership, Team

from . import staggered
from .compute import decode_values, period_start
from .models import IncidentRollup
from .registry import DURATION_FIELDS, REGISTRY
from .selectors import Filters

KPIS = ("incident_count", *DURATION_FIELDS, "rollback_rate", "cleanup_hours")
MEASURES = {
    "incident_count": "incidents per team per week",
    "rollback_rate": "share of a team's weekly incidents rolled back",
    "cleanup_hours": "mean cleanup hours per incident, per team-week",
    **dict.fromkeys(DURATION_FIELDS, "median seconds per team-week"),
}

PLAIN_WORDS = {
    "can": (
        "Each cohort is compared, week by week from its own start, with the teams not "
        "trained by then: teams never trained and teams whose cohort starts later. A "
        "team trained earlier is never a comparison. Changes that hit every team alike "
        "cancel out. The chart shows the difference by week relative to the start: "
        "before the start it should hover around zero (if it does not, the teams were "
        "already drifting apart and the estimate is not to be trusted)."
    ),
    "placebo": (
        "The placebo runs the same analysis as if each cohort had started earlier, on "
        "weeks before any real training. Its interval should include zero; if it does "
        "not, something other than training separates these teams."
    ),
    "power": (
        "The smallest change that could be told from chance (at 80 % power and 95 % "
        "confidence) depends on how many teams, weeks and incidents there are and how "
        "much they vary. A real effect smaller than that will usually look like no "
        "difference."
    ),
}


@dataclass(frozen=True, slots=True)
class KpiImpact:
    kpi_key: str
    name: str
    unit: str
    measure: str
    result: staggered.Staggered
    placebo: staggered.Staggered
    cohort_labels: dict[int, str]  # start-week index → label

    @property
    def improved(self) -> bool | None:
        o = self.result.overall
        if o.low is None or o.covers_zero:
            return None
        return (o.high < 0) if REGISTRY[self.kpi_key].lower_is_better else (o.low > 0)

    @property
    def mde_words(self) -> str:
        share = self.result.mde_share
        if self.result.overall.estimate is not None and self.result.overall.se is None:
            return (
                "With fewer than two trained teams or two comparison teams, chance cannot "
                "be measured: no interval, and no change could be told from chance."
            )
        if share is None:
            return "Not enough data to say what change could be detected."
        return (
            f"With these incidents, only a change of {share * 100:.0f} % or more of the "
            "trained teams' baseline could be told from chance."
        )


@dataclass(frozen=True, slots=True)
class StaggeredImpact:
    weeks: list[dt.date]  # the panel's week starts
    window_weeks: int
    cohort_starts: list[dt.date]
    treated_team_count: int
    control_team_count: int
    rows: list[KpiImpact]
    plain_words: dict[str, str] = field(default_factory=lambda: PLAIN_WORDS)


def team_first_starts(*, today: dt.date) -> dict[int, dt.date]:
    """Each team's earliest cohort start on or before `today` (one query)."""
    rows = (
        Membership.objects.filter(user__cohort_memberships__cohort__start_date__lte=today)
        .values("team_id")
        .annotate(first=Min("user__cohort_memberships__cohort__start_date"))
        .order_by()
    )
    return {row["team_id"]: row["first"] for row in rows}


def weekly_panels(
    *, team_ids: list[int], weeks: list[dt.date], filters: Filters | None = None
) -> dict[str, np.ndarray]:
    """Each KPI as a (teams × weeks) array of weekly figures, NaN where none."""
    index = {pk: i for i, pk in enumerate(team_ids)}
    col = {w: j for j, w in enumerate(weeks)}
    shape = (len(team_ids), len(weeks))
    counts = np.zeros(shape)
    rolled = np.zeros(shape)
    cleanup: dict[tuple[int, int], list[float]] = {}
    durations: dict[str, dict[tuple[int, int], list[float]]] = {k: {} for k in DURATION_FIELDS}
    rows = (filters or Filters()).apply(IncidentRollup.objects.order_by())
    rows = rows.filter(
        team_id__in=team_ids,
        slice_start__gte=weeks[0],
        slice_start__lt=weeks[-1] + dt.timedelta(weeks=1),
    ).values_list(
        "team_id",
        "week_start",
        "incident_count",
        "rolled_back_count",
        "cleanup_values",
        *(f"{p}_values" for p in DURATION_FIELDS.values()),
    )
    for team_id, week, count, back, cleanup_text, *texts in rows:
        cell = (index[team_id], col[week])
        counts[cell] += count
        rolled[cell] += back
        cleanup.setdefault(cell, []).extend(v / 100 for v in decode_values(cleanup_text))
        for key, text in zip(DURATION_FIELDS, texts, strict=True):
            durations[key].setdefault(cell, []).extend(v / 1e6 for v in decode_values(text))

    def from_cells(cells: dict[tuple[int, int], list[float]], reduce) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.full(shape, np.nan)
        for cell, values in cells.items():
            if values:
                out[cell] = reduce(values)
        return out

    with np.errstate(all="ignore"):
        rate = np.where(counts > 0, rolled / np.where(counts > 0, counts, 1), np.nan)
    return {
        "incident_count": counts,
        **{key: from_cells(durations[key], median) for key in DURATION_FIELDS},
        "rollback_rate": rate,
        "cleanup_hours": from_cells(cleanup, lambda v: sum(v) / len(v)),
    }


def staggered_impact(
    *,
    estimated_team_ids: Iterable[int] | None,
    today: dt.date,
    window_days: int = 90,
    filters: Filters | None = None,
    resamples: int = staggered.RESAMPLES,
) -> StaggeredImpact | None:
    """The staggered DiD of each incident KPI. `estimated_team_ids`: the trained teams
    whose effect is estimated (None: all); other trained teams are only not-yet-trained
    comparisons before their start. None when no estimated team has started."""
    window = max(1, math.ceil(window_days / 7))
    starts = {pk: period_start(day, "week") for pk, day in team_first_starts(today=today).items()}
    wanted = set(starts) if estimated_team_ids is None else set(estimated_team_ids) & set(starts)
    if not wanted:
        return None
    this_week = period_start(today, "week")
    first_week = min(starts[pk] for pk in wanted) - dt.timedelta(weeks=2 * window)
    last_week = min(max(starts[pk] for pk in wanted) + dt.timedelta(weeks=window), this_week)
    # Only weeks that have ended count: the week still running would look quiet.
    count = max(0, (last_week - first_week).days // 7)
    weeks = [first_week + dt.timedelta(weeks=k) for k in range(count)]
    if not weeks:
        return None
    team_ids = sorted(Team.objects.values_list("id", flat=True))
    col = {w: j for j, w in enumerate(weeks)}

    def first_index(pk: int) -> int:
        if pk not in starts:
            return int(staggered.NEVER)
        day = starts[pk]
        return col.get(day, (day - first_week).days // 7)

    first = np.array([first_index(pk) for pk in team_ids], dtype=np.int64)
    estimated = np.array([pk in wanted for pk in team_ids])
    panels = weekly_panels(team_ids=team_ids, weeks=weeks, filters=filters)
    labels = {
        int(g): f"Cohorts from {weeks[g]:%Y-%m-%d}"
        for g in set(first[estimated].tolist())
        if 0 <= g < len(weeks)
    }
    rows = []
    for key in KPIS:
        options = {"estimated": estimated, "pre": window, "post": window, "resamples": resamples}
        kpi = REGISTRY[key]
        rows.append(
            KpiImpact(
                kpi_key=key,
                name=kpi.name,
                unit=kpi.unit,
                measure=MEASURES[key],
                result=staggered.estimate(panels[key], first, **options),
                placebo=staggered.placebo(panels[key], first, **options),
                cohort_labels=labels,
            )
        )
    started = sorted({weeks[g] for g in labels})
    return StaggeredImpact(
        weeks=weeks,
        window_weeks=window,
        cohort_starts=started,
        treated_team_count=int(np.sum(estimated & (first != staggered.NEVER))),
        control_team_count=int(np.sum(first == staggered.NEVER)),
        rows=rows,
    )


def as_data(impact: StaggeredImpact) -> dict:  # type: ignore[type-arg]
    """The impact with week indices as dates, for the API's serializer."""

    def result(r: staggered.Staggered) -> dict:  # type: ignore[type-arg]
        return {
            "overall": r.overall,
            "cohorts": [
                {"start": impact.weeks[0] + dt.timedelta(weeks=c.first), **_slots(c)}
                for c in r.cohorts
            ],
            "event_study": r.event_study,
            **{
                name: getattr(r, name)
                for name in ("treated_teams", "control_teams", "df", "baseline")
            },
            **{name: getattr(r, name) for name in ("confidence", "resamples", "mde", "mde_share")},
        }

    return {
        **{
            name: getattr(impact, name)
            for name in (
                "weeks",
                "window_weeks",
                "cohort_starts",
                "treated_team_count",
                "control_team_count",
                "plain_words",
            )
        },
        "rows": [
            {
                **{
                    name: getattr(row, name)
                    for name in ("kpi_key", "name", "unit", "measure", "improved", "mde_words")
                },
                "result": result(row.result),
                "placebo": result(row.placebo),
            }
            for row in impact.rows
        ],
    }


def _slots(effect: staggered.CohortEffect) -> dict:  # type: ignore[type-arg]
    return {"teams": effect.teams, "interval": effect.interval}
