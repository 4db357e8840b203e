"""The programme table and cohort dashboards: training KPIs next to incident KPIs."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from org import access

from ..compute import SMALL_SAMPLE_BELOW, RateSummary
from ..registry import REGISTRY
from .reports import IncidentReport, incident_report
from .scopes import Filters, Scope, scope_parse

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

    from ..models import CohortSnapshot
    from ..registry import PROGRAM_METRICS

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


def at_risk_visible(
    *, user: Any, rows: list[dict[str, Any]], managed_team_ids: list[int] | None = None
) -> tuple[list[dict], int]:
    """At-risk learners from a snapshot the user may see by name, and how many not.
    `managed_team_ids`: the teams the user manages, if read already (one plain query
    then: `org.access.people_visible_to` over those teams)."""
    ids = [r["user_id"] for r in rows]
    if not ids:
        return [], 0
    if access.is_admin(user):
        visible = set(ids)
    elif managed_team_ids is not None:
        from org.models import Membership

        in_teams = Membership.objects.filter(user_id__in=ids, team_id__in=managed_team_ids)
        visible = {user.pk} | set(in_teams.values_list("user_id", flat=True))
    else:
        visible = set(
            access.people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
        )
    shown = [r for r in rows if r["user_id"] in visible]
    return shown, len(rows) - len(shown)


NO_DATA = "No scored attempts yet."


def governance_since(report: IncidentReport, since: dt.date | None) -> RateSummary:
    """Governance review coverage of a report's incidents over the periods from `since` on."""
    periods = [p for p in report.periods if since is None or p.end > since]
    return RateSummary(
        count=sum(p.governance.count for p in periods), n=sum(p.governance.n for p in periods)
    )


def training_kpis(
    *,
    data: dict[str, Any],
    report: IncidentReport | None,
    since: dt.date | None = None,
    governance: RateSummary | None = None,
) -> list[dict[str, Any]]:
    """The training KPIs of a cohort snapshot (and governance coverage of its teams'
    incidents from `report`, over the periods from `since` on, or as given)."""
    from ..registry import TRAINING_KPIS

    learners = sum(r["learners"] for r in data.get("roles", []))
    completed = sum(r["completed"] for r in data.get("roles", []))
    figures = data.get("assessments", {})
    if report is not None:
        governance = governance_since(report, since)
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
