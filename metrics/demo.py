"""Demo data for metrics: rollups over the demo incidents and the sample OKRs.

Idempotent: the rollups are rebuilt, objectives and key results are updated in place.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import selectors, services
from .models import IncidentRollup, KeyResult, Objective

PROGRAM_WEEKS = 26  # a six-month programme
PROGRAM_STARTED_DAYS_AGO = 91

# (title, description, [(order, description, kpi, statistic, filters, unit,
#   target as a share of the baseline or a fixed (baseline, target, current))])
OBJECTIVES = [
    (
        "Spend less time cleaning up after AI features",
        "Engineers fix fewer AI mistakes by hand once the role pathways have run.",
        [
            (
                1,
                "Halve manual cleanup hours after AI-related incidents",
                "cleanup_hours",
                "value",
                {"ai_related": True},
                "hours",
                Decimal("0.5"),
            ),
            (
                2,
                "Cut rollbacks caused by AI-related incidents by 60 %",
                "rollback_rate",
                "count",
                {"ai_related": True},
                "rollbacks",
                Decimal("0.4"),
            ),
        ],
    ),
    (
        "Make AI features dependable",
        "Model endpoints are observed and prompts are tested before customers see them.",
        [
            (
                1,
                "Token-level telemetry and drift alerts on 80 % of model endpoints",
                "",
                "value",
                {},
                "% of endpoints",
                (Decimal(20), Decimal(80), Decimal(45)),
            ),
            (
                2,
                "Prompt unit tests pass at 90 % or better on critical customer flows",
                "",
                "value",
                {},
                "% pass rate",
                (Decimal(60), Decimal(90), Decimal(72)),
            ),
        ],
    ),
]
FALLBACK_BASELINE = {"cleanup_hours": Decimal(120), "rollback_rate": Decimal(10)}


def _baseline(kpi: str, statistic: str, filters: dict, program_start: dt.date) -> Decimal:
    """The KPI over the 13 weeks before the programme started, from rollups."""
    report = selectors.incident_report(
        scope=selectors.scope_parse("org"),
        period="week",
        first=program_start - dt.timedelta(days=PROGRAM_STARTED_DAYS_AGO),
        last=program_start - dt.timedelta(days=1),
        filters=selectors.filters_parse(filters),
        with_method=False,
    )
    value, _ = selectors.key_result_value(kpi_key=kpi, statistic=statistic, figures=report.total)
    return value if value else FALLBACK_BASELINE[kpi]


def _programme_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """A six-month programme 13 weeks in; when the incidents on record stop long before
    today (demo data of a fixed year), one that ended on the latest incident, so that
    baselines and results both have incidents to measure."""
    latest = IncidentRollup.objects.aggregate(latest=Max("slice_start"))["latest"]
    if latest is not None and latest < today - dt.timedelta(days=PROGRAM_STARTED_DAYS_AGO):
        return latest - dt.timedelta(weeks=PROGRAM_WEEKS), latest
    start = today - dt.timedelta(days=PROGRAM_STARTED_DAYS_AGO)
    return start, start + dt.timedelta(weeks=PROGRAM_WEEKS)


@transaction.atomic
def seed_okrs(today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    program_start, deadline = _programme_dates(today)
    for title, description, results in OBJECTIVES:
        objective, _ = Objective.objects.update_or_create(
            title=title,
            defaults={
                "description": description,
                "starts_on": program_start,
                "deadline": deadline,
                "owner": "Programme lead",
            },
        )
        for order, text, kpi, statistic, filters, unit, target in results:
            if kpi:
                baseline = _baseline(kpi, statistic, filters, program_start)
                values = {"baseline_value": baseline, "target_value": baseline * target}
            else:
                baseline, goal, current = target
                values = {
                    "baseline_value": baseline,
                    "target_value": goal,
                    "current_value": current,
                    "measured_at": timezone.now(),
                }
            KeyResult.objects.update_or_create(
                objective=objective,
                order=order,
                defaults={
                    "description": text,
                    "kpi_key": kpi,
                    "statistic": statistic,
                    "scope": "org",
                    "filters": filters,
                    "unit": unit,
                    "window_days": 90,
                    **values,
                },
            )
    services.key_results_refresh()


def seed_metrics() -> None:
    """Roll up the demo incidents, set up the sample OKRs, compute cohort snapshots and
    the cohorts' measured outcome KPIs (what the worker does after a rollup run)."""
    from pathways.models import Cohort

    from .outcome_figures import cohort_outcomes_store_all

    services.rollups_recompute_all()
    seed_okrs()
    for cohort_id in Cohort.objects.values_list("pk", flat=True):
        services.cohort_snapshot_refresh(cohort_id=cohort_id)
    cohort_outcomes_store_all()
