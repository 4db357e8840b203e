"""Reads for metrics: scopes and who may see them, incident KPI reports from rollups,
distributions, key results and the state of the rollups.

Nothing here reads incidents: every figure comes from `IncidentRollup` rows (one
query per report), so a dashboard costs the same whatever the number of incidents
behind it, up to the number of buckets it spans.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from config.bounds import DATE_RANGE_MESSAGE, date_in_range
from incidents.models import FailureMode, Service, Severity
from org import access
from org.models import Membership, Team

from .compute import (
    PERIODS,
    SMALL_SAMPLE_BELOW,
    CleanupSummary,
    DurationSummary,
    RateSummary,
    decode_values,
    period_end,
    period_start,
    periods_between,
    summarize_durations,
)
from .exceptions import MetricsError
from .models import DirtyBucket, IncidentRollup, KeyResult, Objective, RollupState
from .registry import DURATION_FIELDS, DURATION_KPIS, PERCENTILE_METHOD, PERIOD_TIMESTAMP, REGISTRY
from .rollups import bucket_time_zone

DEFAULT_PERIODS = {"week": 12, "month": 12, "quarter": 4}
MAX_PERIODS = 520
HIGH_RISK_SEVERITIES = (Severity.SEV1, Severity.SEV2)

# --- scopes and access ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report covers: the organisation, teams, or one service."""

    kind: str  # org, team, teams, service
    value: str  # canonical text, e.g. "team:sre"
    label: str
    team_ids: tuple[int, ...] | None = None  # None: every team (org) or not by team
    service_id: int | None = None
    service_team_id: int | None = None

    def filter(self, rows: QuerySet) -> QuerySet:
        if self.kind in ("team", "teams", "cohort"):
            return rows.filter(team_id__in=self.team_ids)
        if self.kind == "service":
            return rows.filter(service_id=self.service_id)
        return rows


def scope_parse(text: str) -> Scope:
    """`org`, `team:<slug>`, `teams:<slug>,<slug>…`, `service:<slug>` or `cohort:<id>`
    (the teams of the cohort's members)."""
    text = (text or "org").strip()
    kind, _, rest = text.partition(":")
    if kind == "org" and not rest:
        return Scope(kind="org", value="org", label="Whole organisation")
    if kind in ("team", "teams") and rest:
        slugs = sorted({s.strip() for s in rest.split(",") if s.strip()})
        if kind == "team" and len(slugs) != 1:
            raise MetricsError("team: takes one team slug; use teams: for several.")
        teams = list(Team.objects.filter(slug__in=slugs).order_by("name").values("id", "name"))
        if len(teams) != len(slugs):
            raise Http404("No such team.")
        return Scope(
            kind=kind,
            value=f"{kind}:{','.join(slugs)}",
            label=", ".join(t["name"] for t in teams),
            team_ids=tuple(sorted(t["id"] for t in teams)),
        )
    if kind == "service" and rest:
        service = Service.objects.filter(slug=rest.strip()).values("id", "name", "team_id").first()
        if service is None:
            raise Http404("No such service.")
        return Scope(
            kind="service",
            value=f"service:{rest.strip()}",
            label=service["name"],
            service_id=service["id"],
            service_team_id=service["team_id"],
        )
    if kind == "cohort" and rest.strip().isdigit():
        from pathways.models import Cohort, CohortMember

        cohort = Cohort.objects.filter(pk=int(rest)).values("pk", "name").first()
        if cohort is None:
            raise Http404("No such cohort.")
        members = CohortMember.objects.filter(cohort_id=cohort["pk"]).values("user_id")
        team_ids = Membership.objects.filter(user_id__in=members).values_list("team_id", flat=True)
        return Scope(
            kind="cohort",
            value=f"cohort:{cohort['pk']}",
            label=f"Teams of {cohort['name']}",
            team_ids=tuple(sorted(set(team_ids))),
        )
    raise MetricsError(
        "scope is one of: org, team:<slug>, teams:<slug>,<slug>…, service:<slug>, cohort:<id>."
    )


def may_see_everything(user: Any) -> bool:
    """Admins and authors (L&D admins running the programme) see every scope."""
    return access.is_admin(user) or access.is_author(user)


def scope_check(*, user: Any, scope: Scope) -> None:
    """Managers see their teams and those teams' services; admins and authors see all;
    everyone else gets 403."""
    if may_see_everything(user):
        return
    if not access.is_manager(user):
        raise PermissionDenied
    if scope.kind == "org":
        raise PermissionDenied
    managed = set(access.teams_managed_by(user).values_list("id", flat=True))
    wanted = set(scope.team_ids or ()) if scope.kind != "service" else {scope.service_team_id}
    if not wanted or not wanted <= managed:
        raise PermissionDenied


def scope_for_user(*, user: Any, text: str) -> Scope:
    """The scope, if the user may see it. A cohort's scope is narrowed to the teams the
    user may see, among those of a cohort they may see."""
    scope = scope_parse(text)
    if scope.kind == "cohort":
        cohort_id = int(scope.value.split(":", 1)[1])
        cohort_for_user(user=user, cohort_id=cohort_id)
        narrowed = cohort_scope(user=user, team_ids=scope.team_ids or ())
        if narrowed is None:
            raise PermissionDenied
        return replace(narrowed, kind="cohort", value=scope.value, label=scope.label)
    scope_check(user=user, scope=scope)
    return scope


def scopes_for_user(*, user: Any) -> list[tuple[str, str]]:
    """(value, label) of the scopes a user may pick, organisation first."""
    choices = [("org", "Whole organisation")] if may_see_everything(user) else []
    teams = Team.objects.all() if may_see_everything(user) else access.teams_managed_by(user)
    choices += [(f"team:{slug}", name) for slug, name in teams.values_list("slug", "name")]
    return choices


# --- filters ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    severity: tuple[str, ...] = ()
    ai_related: bool | None = None
    failure_mode: tuple[str, ...] = ()

    def apply(self, rows: QuerySet) -> QuerySet:
        if self.severity:
            rows = rows.filter(severity__in=self.severity)
        if self.ai_related is not None:
            rows = rows.filter(ai_related=self.ai_related)
        if self.failure_mode:
            rows = rows.filter(failure_mode__in=self.failure_mode)
        return rows

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.severity:
            out["severity"] = list(self.severity)
        if self.ai_related is not None:
            out["ai_related"] = self.ai_related
        if self.failure_mode:
            out["failure_mode"] = list(self.failure_mode)
        return out


def _listed(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def filters_parse(data: Any) -> Filters:
    """From query parameters or a dict: severity, ai_related, failure_mode (each
    may repeat or be comma-separated)."""
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: data.get(k)
    severity = _listed(getlist("severity"))
    bad = [s for s in severity if s not in Severity.values]
    if bad:
        raise MetricsError(f"Unknown severity {bad[0]!r}; use {', '.join(Severity.values)}.")
    modes = _listed(getlist("failure_mode"))
    bad = [m for m in modes if m not in FailureMode.values]
    if bad:
        raise MetricsError(f"Unknown failure mode {bad[0]!r}.")
    ai = data.get("ai_related")
    if ai in (None, "", "any"):
        ai_related = None
    elif ai in (True, "true", "1", "yes"):
        ai_related = True
    elif ai in (False, "false", "0", "no"):
        ai_related = False
    else:
        raise MetricsError("ai_related is true, false or any.")
    return Filters(tuple(sorted(set(severity))), ai_related, tuple(sorted(set(modes))))


def date_parse(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise MetricsError(f"{name} must be a date, YYYY-MM-DD.") from None
    if not date_in_range(day):
        raise MetricsError(f"{name}: {DATE_RANGE_MESSAGE}")
    return day


def dates_parse(
    *, period: str, date_from: Any, date_to: Any, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last day covered: whole periods, from the one holding `from`
    to the one holding `to` (default: the last few periods up to today)."""
    if period not in PERIODS:
        raise MetricsError(f"period is one of: {', '.join(PERIODS)}.")
    today = today or timezone.localdate()

    last = date_parse(date_to, "to") or today
    first = date_parse(date_from, "from")
    if first is None:
        first = last
        for _ in range(DEFAULT_PERIODS[period] - 1):
            first = period_start(first, period) - dt.timedelta(days=1)
    if first > last:
        raise MetricsError("from must not be after to.")
    start, end = period_start(first, period), period_end(period_start(last, period), period)
    if len(periods_between(start, end - dt.timedelta(days=1), period)) > MAX_PERIODS:
        raise MetricsError(f"At most {MAX_PERIODS} periods at a time.")
    return start, end - dt.timedelta(days=1)


def periods_back(last: dt.date, period: str, count: int) -> dt.date:
    """The first day of the period `count − 1` periods before the one holding `last`."""
    first = period_start(last, period)
    for _ in range(count - 1):
        first = period_start(first - dt.timedelta(days=1), period)
    return first


def latest_incident_day(*, scope: Scope, filters: Filters) -> dt.date | None:
    """The start of the latest slice with an incident in scope (one query)."""
    rows = scope.filter(filters.apply(IncidentRollup.objects.order_by()))
    return rows.aggregate(latest=Max("slice_start"))["latest"]


# --- incident reports ---------------------------------------------------------------

_ROLLUP_COLUMNS = (
    "slice_start",
    "severity",
    "ai_related",
    "incident_count",
    "rolled_back_count",
    "reviewed_count",
    "cleanup_n",
    "cleanup_centi",
    "ttd_values",
    "tta_values",
    "ttm_values",
    "ttr_values",
)


@dataclass(slots=True)
class _Accumulator:
    incidents: int = 0
    rolled_back: int = 0
    high_risk: int = 0
    reviewed: int = 0
    cleanup_n: int = 0
    cleanup_centi: int = 0
    values: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in DURATION_FIELDS})

    def add(self, row: Sequence[Any], decoded: dict[str, list[int]]) -> None:
        _, severity, ai_related, count, rolled, reviewed, cleanup_n, cleanup_centi = row[:8]
        self.incidents += count
        self.rolled_back += rolled
        if ai_related and severity in HIGH_RISK_SEVERITIES:
            self.high_risk += count
            self.reviewed += reviewed
        self.cleanup_n += cleanup_n
        self.cleanup_centi += cleanup_centi
        for key, values in decoded.items():
            self.values[key].extend(values)


@dataclass(slots=True)
class PeriodFigures:
    start: dt.date | None
    end: dt.date | None  # exclusive
    incident_count: int
    durations: dict[str, DurationSummary]
    rollback: RateSummary
    cleanup: CleanupSummary
    governance: RateSummary
    sorted_values: dict[str, list[int]] = field(repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        return "" if self.start is None else self.start.isoformat()


def _figures(acc: _Accumulator, start: dt.date | None, end: dt.date | None) -> PeriodFigures:
    durations = {}
    for key, values in acc.values.items():
        values.sort()
        durations[key] = summarize_durations(values, population=acc.incidents)
    return PeriodFigures(
        start=start,
        end=end,
        incident_count=acc.incidents,
        durations=durations,
        rollback=RateSummary(count=acc.rolled_back, n=acc.incidents),
        cleanup=CleanupSummary(
            n=acc.cleanup_n, excluded=acc.incidents - acc.cleanup_n, total_centi=acc.cleanup_centi
        ),
        governance=RateSummary(count=acc.reviewed, n=acc.high_risk),
        sorted_values=acc.values,
    )


@dataclass(slots=True)
class IncidentReport:
    scope: Scope
    period: str
    first: dt.date
    last: dt.date
    filters: Filters
    periods: list[PeriodFigures]
    total: PeriodFigures
    undated: int
    method: dict[str, Any]


def rollup_status() -> dict[str, Any]:
    state = RollupState.objects.filter(pk=1).values("last_full_at", "last_change_at").first()
    return {
        "rolled_up_at": (state or {}).get("last_change_at"),
        "last_full_recompute_at": (state or {}).get("last_full_at"),
        "buckets_pending": DirtyBucket.objects.count(),
    }


def method_metadata(*, period: str) -> dict[str, Any]:
    return {
        "period": period,
        "period_timestamp": PERIOD_TIMESTAMP,
        "periods": f"calendar {period}s in {bucket_time_zone()} (weeks start on Monday); an "
        f"incident belongs to the period its {PERIOD_TIMESTAMP} falls in",
        "time_zone": bucket_time_zone(),
        "unit": "seconds",
        "median": "interpolated (percentile_cont 0.5)",
        "p90": "interpolated (percentile_cont 0.9)",
        "mean": "arithmetic mean, rounded to the microsecond",
        "percentiles": PERCENTILE_METHOD,
        "exclusions": "an incident missing either timestamp of a KPI is left out of that KPI "
        "and counted in its `excluded`; incidents without started_at are in no period and "
        "counted in `undated`",
        "small_sample_below": SMALL_SAMPLE_BELOW,
        "source": "rollups (per team, service, week, severity, AI-related, failure mode)",
        **rollup_status(),
    }


def incident_report(
    *,
    scope: Scope,
    period: str = "week",
    first: dt.date,
    last: dt.date,
    filters: Filters | None = None,
    with_method: bool = True,
) -> IncidentReport:
    """Per-period and total incident KPIs for a scope, from rollups: one query."""
    filters = filters or Filters()
    starts = periods_between(first, last, period)
    end = period_end(starts[-1], period)
    rows = scope.filter(filters.apply(IncidentRollup.objects.order_by()))
    rows = rows.filter(
        Q(slice_start__gte=starts[0], slice_start__lt=end) | Q(slice_start__isnull=True)
    ).values_list(*_ROLLUP_COLUMNS)
    by_period = {start: _Accumulator() for start in starts}
    total = _Accumulator()
    undated = 0
    for row in rows:
        if row[0] is None:
            undated += row[3]
            continue
        decoded = {
            key: decode_values(text) for key, text in zip(DURATION_FIELDS, row[8:], strict=True)
        }
        by_period[period_start(row[0], period)].add(row, decoded)
        total.add(row, decoded)
    periods = [_figures(acc, start, period_end(start, period)) for start, acc in by_period.items()]
    return IncidentReport(
        scope=scope,
        period=period,
        first=starts[0],
        last=end - dt.timedelta(days=1),
        filters=filters,
        periods=periods,
        total=_figures(total, starts[0], end),
        undated=undated,
        method=method_metadata(period=period) if with_method else {},
    )


# --- distributions ----------------------------------------------------------------

DURATION_BINS: tuple[tuple[str, int | None], ...] = (
    ("< 5 min", 5 * 60),
    ("5–15 min", 15 * 60),
    ("15–30 min", 30 * 60),
    ("30 min – 1 h", 3600),
    ("1–2 h", 2 * 3600),
    ("2–4 h", 4 * 3600),
    ("4–8 h", 8 * 3600),
    ("8–24 h", 24 * 3600),
    ("1–3 days", 3 * 86400),
    ("> 3 days", None),
)


def histogram(sorted_us: Iterable[int]) -> list[tuple[str, int]]:
    """Counts of durations per bin (upper bounds exclusive)."""
    counts = [0] * len(DURATION_BINS)
    for value in sorted_us:
        seconds = value / 1_000_000
        for index, (_, upper) in enumerate(DURATION_BINS):
            if upper is None or seconds < upper:
                counts[index] += 1
                break
    return [(label, count) for (label, _), count in zip(DURATION_BINS, counts, strict=True)]


# --- key results --------------------------------------------------------------------


def key_result_value(
    *, kpi_key: str, statistic: str, figures: PeriodFigures
) -> tuple[Decimal | None, int]:
    """The number a key result tracks, and its sample size."""
    kpi = REGISTRY[kpi_key]
    if kpi.kind == "duration":
        summary = figures.durations[kpi_key]
        return getattr(summary, statistic), summary.n
    if kpi_key == "incident_count":
        return Decimal(figures.incident_count), figures.incident_count
    if kpi_key == "rollback_rate":
        if statistic == "count":
            return Decimal(figures.rollback.count), figures.rollback.n
        return figures.rollback.rate, figures.rollback.n
    if kpi_key == "cleanup_hours":
        if statistic == "per_incident":
            return figures.cleanup.per_incident, figures.cleanup.n
        return figures.cleanup.total, figures.cleanup.n
    raise MetricsError(f"{kpi_key} cannot be measured from incident rollups.")


def key_result_measure(*, key_result: KeyResult, today: dt.date) -> tuple[Decimal | None, int]:
    """Measure over the whole weeks covering the trailing `window_days` up to today, or
    up to the objective's deadline once it has passed (the final result)."""
    until = min(today, key_result.objective.deadline)
    report = incident_report(
        scope=scope_parse(key_result.scope),
        period="week",
        first=until - dt.timedelta(days=key_result.window_days - 1),
        last=until,
        filters=filters_parse(key_result.filters),
        with_method=False,
    )
    return key_result_value(
        kpi_key=key_result.kpi_key, statistic=key_result.statistic, figures=report.total
    )


def objectives_for_user(*, user: Any) -> QuerySet[Objective]:
    """Objectives with their key results (two queries when iterated).

    Objectives are organisation-wide goals: every manager, author and admin sees them.
    """
    if not (access.is_manager(user) or may_see_everything(user)):
        raise PermissionDenied
    return Objective.objects.prefetch_related("key_results")


__all__ = ["DURATION_KPIS", "IncidentReport", "PeriodFigures", "Scope", "incident_report"]


# --- the programme table ------------------------------------------------------------


PROGRAM_COHORTS = 6  # the latest cohorts shown side by side


@dataclass(frozen=True, slots=True)
class Figure:
    value: Any
    n: int | None
    kind: str  # rate, duration, gain, score

    @property
    def small_sample(self) -> bool:
        return self.n is not None and 0 < self.n < SMALL_SAMPLE_BELOW


def _cohort_figure(key: str, data: dict[str, Any], report: IncidentReport | None) -> Figure:
    figures = data.get("assessments", {})
    if key == "completion_by_role":
        roles = data.get("roles", [])
        learners = sum(r["learners"] for r in roles)
        rate = RateSummary(count=sum(r["completed"] for r in roles), n=learners).rate
        return Figure(rate, learners, "rate")
    if key == "prepost_gain" and figures:
        return Figure(figures["prepost_gain"]["mean_gain"], figures["prepost_gain"]["n"], "gain")
    if key == "prompt_quality_score" and figures:
        score = figures["prompt_quality_score"]
        return Figure(score["mean"], score["n"], "score")
    if key == "mttm" and report is not None:
        summary = report.total.durations["mttm"]
        return Figure(summary.median, summary.n, "duration")
    if key == "governance_review_coverage" and report is not None:
        return Figure(report.total.governance.rate, report.total.governance.n, "rate")
    return Figure(None, None, "")


def program_table(*, today: dt.date) -> tuple[list[Any], list[dict[str, Any]]]:
    """Seed 001's metrics table across the latest cohorts, with the organisation-wide
    figure where the incident data gives one. Incident figures are AI-related incidents:
    over the last 90 days for the organisation, since the start for a cohort's teams.
    A fixed number of queries: at most PROGRAM_COHORTS reports."""
    from pathways.models import Cohort

    from .models import CohortSnapshot
    from .registry import PROGRAM_METRICS

    ai = Filters(ai_related=True)
    org = incident_report(
        scope=scope_parse("org"),
        period="week",
        first=today - dt.timedelta(days=89),
        last=today,
        filters=ai,
        with_method=False,
    )
    cohorts = list(Cohort.objects.order_by("-start_date", "name")[:PROGRAM_COHORTS])
    snapshots = {s.cohort_id: s.data for s in CohortSnapshot.objects.filter(cohort__in=cohorts)}
    reports: dict[int, IncidentReport | None] = {}
    for cohort in cohorts:
        team_ids = snapshots.get(cohort.pk, {}).get("team_ids") or []
        reports[cohort.pk] = (
            incident_report(
                scope=Scope(kind="teams", value="", label="", team_ids=tuple(team_ids)),
                period="week",
                first=cohort.start_date,
                last=today,
                filters=ai,
                with_method=False,
            )
            if team_ids and cohort.start_date <= today
            else None
        )
    rows = []
    for metric in PROGRAM_METRICS:
        organisation = _cohort_figure(metric.kpi_key, {}, org)
        rows.append(
            {
                "metric": metric,
                "kpi": REGISTRY[metric.kpi_key],
                "organisation": organisation,
                "cohorts": [
                    _cohort_figure(metric.kpi_key, snapshots.get(c.pk, {}), reports.get(c.pk))
                    for c in cohorts
                ],
            }
        )
    return cohorts, rows


# --- cohorts ------------------------------------------------------------------------------


def cohort_for_user(*, user: Any, cohort_id: int) -> Any:
    """A cohort the user may see on a dashboard: managers the cohorts they sponsor or
    with members in teams they manage, authors and admins every cohort (the rule of
    `pathways.progress.selectors.cohorts_visible_to`). Learners get 403, others 404."""
    from pathways.progress.selectors import cohorts_visible_to

    if not (access.is_manager(user) or may_see_everything(user)):
        raise PermissionDenied
    cohort = cohorts_visible_to(user).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def cohort_scope(*, user: Any, team_ids: Sequence[int]) -> Scope | None:
    """The cohort's teams the user may see incident KPIs of, as one scope."""
    teams = Team.objects.filter(pk__in=team_ids)
    if not may_see_everything(user):
        teams = teams.filter(pk__in=access.teams_managed_by(user))
    rows = list(teams.order_by("name").values_list("id", "slug", "name"))
    if not rows:
        return None
    return Scope(
        kind="teams",
        value="teams:" + ",".join(sorted(slug for _, slug, _ in rows)),
        label=", ".join(name for _, _, name in rows),
        team_ids=tuple(sorted(pk for pk, _, _ in rows)),
    )


def at_risk_visible(*, user: Any, rows: list[dict[str, Any]]) -> tuple[list[dict], int]:
    """At-risk learners from a snapshot the user may see by name, and how many not."""
    ids = [r["user_id"] for r in rows]
    if access.is_admin(user):
        visible = set(ids)
    else:
        visible = set(
            access.people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
        )
    shown = [r for r in rows if r["user_id"] in visible]
    return shown, len(rows) - len(shown)


NO_DATA = "No scored attempts yet."


def training_kpis(
    *, data: dict[str, Any], report: IncidentReport | None, since: dt.date | None = None
) -> list[dict[str, Any]]:
    """The training KPIs of a cohort snapshot (and governance coverage of its teams'
    incidents from `report`, over the periods from `since` on)."""
    from .registry import TRAINING_KPIS

    learners = sum(r["learners"] for r in data.get("roles", []))
    completed = sum(r["completed"] for r in data.get("roles", []))
    figures = data.get("assessments", {})
    governance: RateSummary | None = None
    if report is not None:
        periods = [p for p in report.periods if since is None or p.end > since]
        governance = RateSummary(
            count=sum(p.governance.count for p in periods), n=sum(p.governance.n for p in periods)
        )
    rows = []
    for kpi in TRAINING_KPIS:
        row: dict[str, Any] = {"kpi": kpi, "value": None, "n": None, "note": "", "detail": {}}
        if kpi.key == "completion_by_role":
            row.update(value=RateSummary(count=completed, n=learners).rate, n=learners)
            row["note"] = "All roles together; per role below."
        elif kpi.key == "governance_review_coverage":
            if governance is None:
                row["note"] = "None of the cohort's teams is yours."
            else:
                row.update(value=governance.rate, n=governance.n)
                row["note"] = "High-risk AI incidents of the cohort's teams since the start."
        elif kpi.key == "prepost_gain" and figures:
            gain = figures["prepost_gain"]
            row.update(value=gain["mean_gain"], n=gain["n"], detail=gain)
            row["note"] = (
                f"Mean of learners' gains; median {gain['median_gain']}, gain of the means "
                f"{gain['gain_of_means']} (pre {gain['mean_pre']} %, post {gain['mean_post']} %)."
                if gain["n"]
                else "No learner has both a scored pre and post skill check yet."
            )
        elif kpi.key == "prompt_quality_score" and figures:
            score = figures["prompt_quality_score"]
            row.update(value=score["mean"], n=score["n"], detail=score)
            row["note"] = (
                f"Mean % of the rubric maximum; median {score['median']}, standard deviation "
                f"{score['stdev']} (lower is more consistent)."
                if score["n"]
                else NO_DATA
            )
        elif kpi.key == "simulated_response_time" and figures:
            times = figures["simulated_response_time"]
            row.update(value=times["median"], n=times["n"], detail=times)
            row["note"] = (
                f"Median seconds; p90 {times['p90']}, mean {times['mean']}."
                if times["n"]
                else "No timed simulation recorded yet."
            )
        rows.append(row)
    return rows
