"""Reports as tables, CSV rows, API dictionaries and Chart.js configurations.

One place turns figures into what people read, so the chart, its table and the CSV
download always show the same numbers.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .compute import (
    CleanupSummary,
    DurationSummary,
    RateSummary,
    percentile_cont,
    us_to_seconds,
)
from .registry import DURATION_KPIS, INCIDENT_KPIS, REGISTRY
from .selectors import IncidentReport, PeriodFigures, histogram

PALETTE = {
    "median": "#0b57d0",
    "p90": "#a4161a",
    "mean": "#8a5a00",
    "count": "#1b6b34",
    "line": "#444444",
}


def number(value: Decimal | None) -> int | float | None:
    """JSON number for a Decimal: an int when whole, else a float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def duration_text(seconds: Decimal | float | int | None) -> str:
    """Seconds for people: 45 s, 12 min 30 s, 3 h 05 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    total = float(seconds)
    if total < 60:
        return f"{total:g} s"
    minutes, secs = divmod(round(total), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


# --- API ----------------------------------------------------------------------------


def duration_dict(summary: DurationSummary) -> dict[str, Any]:
    return {
        "n": summary.n,
        "excluded": summary.excluded,
        "median": number(summary.median),
        "p90": number(summary.p90),
        "mean": number(summary.mean),
        "small_sample": summary.small_sample,
    }


def rate_dict(summary: RateSummary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "n": summary.n,
        "rate": number(summary.rate),
        "small_sample": summary.small_sample,
    }


def cleanup_dict(summary: CleanupSummary) -> dict[str, Any]:
    return {
        "n": summary.n,
        "excluded": summary.excluded,
        "total": number(summary.total),
        "per_incident": number(summary.per_incident),
        "small_sample": summary.small_sample,
    }


def period_dict(figures: PeriodFigures) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": figures.start,
        "end": None if figures.end is None else figures.end - dt.timedelta(days=1),
        "incident_count": figures.incident_count,
    }
    for kpi in DURATION_KPIS:
        out[kpi.key] = duration_dict(figures.durations[kpi.key])
    out["rollback_rate"] = rate_dict(figures.rollback)
    out["cleanup_hours"] = cleanup_dict(figures.cleanup)
    out["governance_review_coverage"] = rate_dict(figures.governance)
    return out


def kpi_dict(key: str) -> dict[str, Any]:
    kpi = REGISTRY[key]
    return {
        "key": kpi.key,
        "name": kpi.name,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "family": kpi.family,
        "definition": kpi.definition,
        "method": kpi.method,
        "owner": kpi.owner,
        "target": kpi.target,
        "review": kpi.review,
    }


def report_dict(report: IncidentReport) -> dict[str, Any]:
    return {
        "scope": {"value": report.scope.value, "label": report.scope.label},
        "period": report.period,
        "from": report.first,
        "to": report.last,
        "filters": report.filters.as_dict(),
        "method": report.method,
        "kpis": [kpi_dict(k.key) for k in INCIDENT_KPIS],
        "periods": [period_dict(p) for p in report.periods],
        "total": period_dict(report.total),
        "undated_incidents": report.undated,
    }


# --- tables and CSV -------------------------------------------------------------------

CSV_HEADER = [
    "period_start",
    "period_end",
    "incident_count",
    *(
        f"{kpi.key}_{part}"
        for kpi in DURATION_KPIS
        for part in ("n", "excluded", "median_s", "p90_s", "mean_s", "small_sample")
    ),
    "rollbacks",
    "rollback_rate",
    "cleanup_hours_n",
    "cleanup_hours_excluded",
    "cleanup_hours_total",
    "cleanup_hours_per_incident",
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def csv_rows(report: IncidentReport) -> Iterable[list[Any]]:
    yield CSV_HEADER
    for p in [*report.periods, report.total]:
        row: list[Any] = [
            p.start if p is not report.total else f"{report.first} (total)",
            period_dict(p)["end"],
            p.incident_count,
        ]
        for kpi in DURATION_KPIS:
            s = p.durations[kpi.key]
            row += [s.n, s.excluded, s.median, s.p90, s.mean, s.small_sample]
        row += [
            p.rollback.count,
            p.rollback.rate,
            p.cleanup.n,
            p.cleanup.excluded,
            p.cleanup.total,
            p.cleanup.per_incident,
        ]
        yield [_cell(v) for v in row]


def csv_text(report: IncidentReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv_rows(report):
        writer.writerow(row)
    return out.getvalue()


# --- charts ---------------------------------------------------------------------------


def chart_unit(report: IncidentReport, kpi_key: str) -> tuple[str, int]:
    """Minutes, or hours when the typical value runs to hours."""
    medians = [p.durations[kpi_key].median for p in report.periods]
    largest = max((float(m) for m in medians if m is not None), default=0)
    return ("hours", 3600) if largest > 5 * 3600 else ("minutes", 60)


def trend_chart(report: IncidentReport, kpi_key: str, marker: str | None = None) -> dict:
    """Median, p90 and mean per period for one lifecycle KPI (minutes or hours)."""
    labels = [p.label for p in report.periods]
    unit, divisor = chart_unit(report, kpi_key)

    def scaled(value: Decimal | None) -> float | None:
        return None if value is None else round(float(value) / divisor, 2)

    series = {
        stat: [scaled(getattr(p.durations[kpi_key], stat)) for p in report.periods]
        for stat in ("median", "p90", "mean")
    }
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": stat if stat != "p90" else "p90",
                    "data": values,
                    "borderColor": PALETTE[stat],
                    "backgroundColor": PALETTE[stat],
                    "borderDash": [6, 4] if stat == "mean" else [],
                    "spanGaps": True,
                    "tension": 0,
                }
                for stat, values in series.items()
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {
                "y": {"beginAtZero": True, "title": {"display": True, "text": unit}},
            },
            "plugins": {"trellisMarker": {"label": marker, "text": "cohort start"}},
        },
    }


def count_chart(report: IncidentReport, marker: str | None = None) -> dict:
    return {
        "type": "bar",
        "data": {
            "labels": [p.label for p in report.periods],
            "datasets": [
                {
                    "label": "incidents",
                    "data": [p.incident_count for p in report.periods],
                    "backgroundColor": PALETTE["count"],
                },
                {
                    "label": "rolled back",
                    "data": [p.rollback.count for p in report.periods],
                    "backgroundColor": PALETTE["p90"],
                },
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
            "plugins": {"trellisMarker": {"label": marker, "text": "cohort start"}},
        },
    }


def histogram_chart(report: IncidentReport, kpi_key: str) -> dict:
    bins = histogram(report.total.sorted_values[kpi_key])
    return {
        "type": "bar",
        "data": {
            "labels": [label for label, _ in bins],
            "datasets": [
                {
                    "label": f"{REGISTRY[kpi_key].name}: incidents",
                    "data": [count for _, count in bins],
                    "backgroundColor": PALETTE["median"],
                }
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }


def distribution_rows(report: IncidentReport) -> list[dict[str, Any]]:
    """Per lifecycle KPI over the whole range: quartiles and tail, not only the mean."""
    rows = []
    for kpi in DURATION_KPIS:
        values = report.total.sorted_values[kpi.key]
        summary = report.total.durations[kpi.key]

        def at(p: Fraction, values=values) -> Decimal | None:
            v = percentile_cont(values, p)
            return None if v is None else us_to_seconds(v)

        rows.append(
            {
                "kpi": kpi,
                "summary": summary,
                "p25": at(Fraction(1, 4)),
                "p75": at(Fraction(3, 4)),
                "max": us_to_seconds(values[-1]) if values else None,
                "histogram": histogram(values),
            }
        )
    return rows


# --- cohort training figures ------------------------------------------------------------


def _bar(labels: list[str], series: list[tuple[str, list, str]], *, percent: bool) -> dict:
    y: dict[str, Any] = {"beginAtZero": True}
    if percent:
        y.update({"max": 100, "title": {"display": True, "text": "%"}})
    else:
        y["ticks"] = {"precision": 0}
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {"label": label, "data": data, "backgroundColor": colour}
                for label, data, colour in series
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "scales": {"y": y},
        },
    }


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def training_charts(data: dict[str, Any]) -> dict[str, dict]:
    phases = data.get("phases", [])
    roles = data.get("roles", [])
    counts = data.get("status_counts", {})
    return {
        "phases": _bar(
            [f"Days {p['days']}" for p in phases],
            [
                ("items done (%)", [_pct(p["done_share"]) for p in phases], PALETTE["median"]),
                (
                    "learners with every item done (%)",
                    [_pct(p["finished_share"]) for p in phases],
                    PALETTE["count"],
                ),
            ],
            percent=True,
        ),
        "status": _bar(
            ["On track", "Behind", "At risk"],
            [
                (
                    "learners",
                    [counts.get("on_track", 0), counts.get("behind", 0), counts.get("at_risk", 0)],
                    PALETTE["line"],
                )
            ],
            percent=False,
        ),
        "roles": _bar(
            [r["role"] for r in roles],
            [
                ("completed (%)", [_pct(r["completion_share"]) for r in roles], PALETTE["count"]),
                ("mean completion (%)", [r["mean_completion_pct"] for r in roles], PALETTE["mean"]),
            ],
            percent=True,
        ),
    }


TRAINING_CSV_HEADER = ["section", "name", "measure", "value", "n"]


def training_csv_rows(data: dict[str, Any]) -> Iterable[list[Any]]:
    yield TRAINING_CSV_HEADER
    for status, count in data.get("status_counts", {}).items():
        yield ["status", status, "learners", count, data.get("enrolled", 0)]
    for p in data.get("phases", []):
        yield [
            "phase",
            f"days {p['days']}",
            "items done share",
            _cell(p["done_share"]),
            p["items_due"],
        ]
        yield [
            "phase",
            f"days {p['days']}",
            "learners finished share",
            _cell(p["finished_share"]),
            p["learners"],
        ]
    for r in data.get("roles", []):
        yield [
            "completion_by_role",
            r["role"],
            "completed share",
            _cell(r["completion_share"]),
            r["learners"],
        ]
        yield [
            "completion_by_role",
            r["role"],
            "mean completion pct",
            _cell(r["mean_completion_pct"]),
            r["enrolled"],
        ]
    for role in data.get("heatmap", []):
        for c in role["cells"]:
            name = f"{role['role']} / {c['skill']}"
            yield ["skills", name, "mean level", _cell(c["mean_level"]), c["learners"]]
            yield [
                "skills",
                name,
                "meeting minimum share",
                _cell(c["meeting_share"]),
                c["learners"],
            ]


def csv_from_rows(rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
