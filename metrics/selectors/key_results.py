"""Key results: their current values and the objectives a user may see."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from org import access

from ..exceptions import MetricsError
from ..models import KeyResult, Objective
from ..registry import REGISTRY
from .reports import PeriodFigures, incident_report
from .scopes import filters_parse, may_see_everything, scope_parse


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
    if REGISTRY[key_result.kpi_key].family != "incident":
        return measure_other(key_result=key_result, until=until)
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
    return Objective.objects.select_related("team").prefetch_related("key_results")


def measure_other(*, key_result: KeyResult, until: dt.date) -> tuple[Decimal | None, int]:
    """External and training KPIs (incident ones are measured from rollups)."""
    kpi = REGISTRY[key_result.kpi_key]
    scope = scope_parse(key_result.scope)
    first = until - dt.timedelta(days=key_result.window_days - 1)
    if kpi.family == "external":
        from django.utils import timezone

        from ..external import external_summary

        zone = timezone.get_current_timezone()
        summary = external_summary(
            kpi_key=kpi.key,
            team_ids=None if scope.kind == "org" else scope.team_ids,
            first=dt.datetime.combine(first, dt.time(0), zone),
            last=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), zone),
        )
        mean = None if summary.mean is None else Decimal(str(summary.mean))
        return mean, summary.n
    from ..models import CohortSnapshot
    from .cohorts import _cohort_figure

    cohort_id = int(scope.value.split(":", 1)[1])
    snapshot = CohortSnapshot.objects.filter(cohort_id=cohort_id).first()
    data = snapshot.data if snapshot else {}
    report = None
    if kpi.key == "governance_review_coverage" and data.get("team_ids"):
        report = incident_report(
            scope=scope, period="week", first=first, last=until, with_method=False
        )
    figure = _cohort_figure(kpi.key, data, report)
    value = None if figure.value is None else Decimal(str(figure.value))
    return value, figure.n or 0
