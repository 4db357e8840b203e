"""A cohort's outcome KPIs measured: for each outcome of the cohort's pathways, the KPI
over a baseline window before the cohort started and since it started, against the
outcome's target.

Incident KPIs come from rollups (whole weeks, so the windows never straddle the start:
the baseline ends with the week before the one holding the start date; "current" runs
from that week to today). External KPIs come from their observations over the same
windows. Training KPIs are reported on the cohort's training panel instead.
"""

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..compute import SMALL_SAMPLE_BELOW, period_start
from ..registry import REGISTRY
from .key_results import key_result_value
from .reports import incident_report
from .scopes import Scope, filters_parse

METHOD_WINDOWS = (
    "Baseline: the whole weeks in the outcome's window before the week the cohort started. "
    "Current: from that week to today. Counts and totals are given per the outcome's "
    "window (its days), since the two spans differ in length: a span's total × the "
    "window's days ÷ the span's days. Target: the baseline changed by the outcome's "
    "percentage, or its absolute value. Progress: the share of the way from baseline to "
    "target, 0–100 %."
)
# KPIs whose value is a count or a total over the span: they grow with its length.
_PER_SPAN = frozenset({"count", "hours"})
_CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class OutcomeMeasure:
    pathway: str
    kpi_key: str
    kpi_name: str
    unit: str
    description: str
    statistic: str
    baseline: Decimal | None
    baseline_n: int
    baseline_from: dt.date
    baseline_to: dt.date
    current: Decimal | None
    current_n: int
    current_from: dt.date
    current_to: dt.date
    target: Decimal | None
    progress: int | None
    small_sample: bool
    method: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]


def _statistic(kpi_key: str) -> str:
    kind = REGISTRY[kpi_key].kind
    return "median" if kind == "duration" else "value"


def _per_window(
    total: Decimal | None, first: dt.date, last: dt.date, window_days: int
) -> Decimal | None:
    """A count or total over first..last (inclusive) as a figure per `window_days`."""
    if total is None:
        return None
    days = (last - first).days + 1
    return (total * window_days / days).quantize(_CENTS)


def _target(outcome: Any, baseline: Decimal | None) -> Decimal | None:
    if outcome.target_value is not None:
        return Decimal(outcome.target_value)
    if outcome.target_change_pct is not None and baseline is not None:
        return baseline * (1 + Decimal(outcome.target_change_pct) / 100)
    return None


def _progress(baseline: Decimal | None, current: Decimal | None, target: Decimal | None):  # type: ignore[no-untyped-def]
    if baseline is None or current is None or target is None or target == baseline:
        return None
    done = (current - baseline) / (target - baseline)
    return max(0, min(100, round(done * 100)))


def _external(kpi_key: str, team_ids, first: dt.date, last: dt.date):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from ..external import external_summary

    zone = timezone.get_current_timezone()
    summary = external_summary(
        kpi_key=kpi_key,
        team_ids=team_ids,
        first=dt.datetime.combine(first, dt.time(0), zone),
        last=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone),
    )
    value = Decimal(str(summary.mean)) if summary.mean is not None else None
    return value, summary.n


def cohort_outcomes(
    *, pathways: list[Any], start: dt.date, scope: Scope, today: dt.date
) -> list[OutcomeMeasure]:
    """Every outcome of these pathways, measured for the teams of `scope`."""
    start_week = period_start(start, "week")
    rows = []
    # Outcomes with the same window and filters (rollback rate and MTTR over all
    # incidents, say) read the same report: computed once per call.
    reports: dict[tuple[str, dt.date, dt.date], Any] = {}

    def report(filters_raw: dict, first: dt.date, last: dt.date) -> Any:
        key = (json.dumps(filters_raw, sort_keys=True, default=str), first, last)
        if key not in reports:
            reports[key] = incident_report(
                scope=scope,
                first=first,
                last=last,
                filters=filters_parse(filters_raw),
                with_method=False,
            )
        return reports[key]

    for pathway in pathways:
        for outcome in pathway.outcomes.all():
            kpi = REGISTRY.get(outcome.kpi_key)
            if kpi is None:
                continue
            base_to = start_week - dt.timedelta(days=1)
            base_from = base_to - dt.timedelta(days=outcome.window_days - 1)
            cur_to = max(today, start_week)
            statistic = _statistic(outcome.kpi_key)
            note = ""
            if kpi.family == "incident":
                before = report(outcome.filters, base_from, base_to)
                after = report(outcome.filters, start_week, cur_to)
                base_from = before.first
                baseline, base_n = key_result_value(
                    kpi_key=outcome.kpi_key, statistic=statistic, figures=before.total
                )
                current, cur_n = key_result_value(
                    kpi_key=outcome.kpi_key, statistic=statistic, figures=after.total
                )
                cur_to = min(after.last, cur_to)
                if kpi.kind in _PER_SPAN:
                    # 19 incidents in the 13 weeks before and 12 in the 7 since is more
                    # often, not fewer: compare them per the same number of days.
                    statistic = f"per {outcome.window_days} days"
                    baseline = _per_window(baseline, base_from, base_to, outcome.window_days)
                    current = _per_window(current, start_week, cur_to, outcome.window_days)
            elif kpi.family == "external":
                baseline, base_n = _external(outcome.kpi_key, scope.team_ids, base_from, base_to)
                current, cur_n = _external(outcome.kpi_key, scope.team_ids, start_week, cur_to)
            else:
                baseline = current = None
                base_n = cur_n = 0
                note = "A training KPI: see the training panel."
            if today < start_week and not note:
                # Before the start week there is nothing since the start to measure.
                current, cur_n = None, 0
                note = "Not started yet: no current value."
            target = _target(outcome, baseline)
            rows.append(
                OutcomeMeasure(
                    pathway=pathway.slug,
                    kpi_key=outcome.kpi_key,
                    kpi_name=kpi.name,
                    unit=kpi.unit,
                    description=outcome.description,
                    statistic=statistic,
                    baseline=baseline,
                    baseline_n=base_n,
                    baseline_from=base_from,
                    baseline_to=base_to,
                    current=current,
                    current_n=cur_n,
                    current_from=start_week,
                    current_to=cur_to,
                    target=target,
                    progress=_progress(baseline, current, target),
                    small_sample=min(base_n, cur_n) < SMALL_SAMPLE_BELOW,
                    method=f"{METHOD_WINDOWS} {kpi.method}",
                    note=note,
                )
            )
    return rows
