"""Incident KPI reports read from rollups, their method, distributions and the rollup state."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from ..compute import (
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
from ..models import DirtyBucket, IncidentRollup, RollupState
from ..registry import DURATION_FIELDS, PERCENTILE_METHOD, PERIOD_TIMESTAMP
from ..rollups import bucket_time_zone
from .scopes import HIGH_RISK_SEVERITIES, Filters, Scope

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
