"""Server-rendered SVG charts of the staggered impact: an event study and a forest plot.

Plain SVG markup (no script, no inline style, no external file), coloured by CSS
classes in static/css; every chart has a text title and the page has the same figures
in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:  # numpy behind them is loaded by the pages that draw charts
    from .cohort_impact import KpiImpact
    from .staggered import Interval

WIDTH = 560
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


def _svg(template: str, *args: object) -> SafeString:
    """`template` filled with numbers as they are (format specs apply) and text escaped."""
    return mark_safe(template.format(*(escape(a) if isinstance(a, str) else a for a in args)))


def value_text(value: float | None, unit: str) -> str:
    """A figure in words a manager reads: minutes for durations, points for shares."""
    if value is None:
        return "—"
    sign = "−" if value < 0 else "+" if value > 0 else ""
    size = abs(value)
    if unit == "seconds":
        if size >= 3600:
            return f"{sign}{size / 3600:.1f} h"
        if size >= 60:
            return f"{sign}{size / 60:.0f} min"
        return f"{sign}{size:.0f} s"
    if unit == "share":
        return f"{sign}{size * 100:.1f} pts"
    return f"{sign}{size:.2f}"


def interval_text(interval: Interval, unit: str, *, estimate: bool = False) -> str:
    if interval.low is None:
        return "—"
    text = f"{value_text(interval.low, unit)} to {value_text(interval.high, unit)}"
    return f"{value_text(interval.estimate, unit)} ({text})" if estimate else text


@dataclass(frozen=True, slots=True)
class _Scale:
    low: float
    high: float
    start: float
    length: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * self.length


def _scale(intervals: Sequence[Interval], start: float, length: float) -> _Scale:
    values = [0.0]
    for i in intervals:
        values += [v for v in (i.low, i.high, i.estimate) if v is not None]
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    return _Scale(low - pad, high + pad, start, length)


def _ticks(scale: _Scale, count: int = 4) -> list[float]:
    step = (scale.high - scale.low) / count
    return [scale.low + step * k for k in range(count + 1)]


def event_study_svg(row: KpiImpact) -> SafeString:
    """Effect by week relative to the start (0 = the start week), with intervals."""
    points = [p for p in row.result.event_study if p.interval.estimate is not None]
    height = 220
    title = f"{row.name}: difference from the comparison teams by week relative to the start"
    if not points:
        return _svg('<p class="chart-empty">{}: not enough data.</p>', row.name)
    weeks = [p.week for p in points]
    x0, x1 = min(weeks) - 0.5, max(weeks) + 0.5
    plot_w = WIDTH - LEFT - RIGHT

    def x(week: float) -> float:
        return LEFT + (week - x0) / (x1 - x0) * plot_w

    y = _scale([p.interval for p in points], height - BOTTOM, -(height - TOP - BOTTOM))
    parts = [
        _svg(
            '<svg class="impact-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
            "<title>{}</title>",
            WIDTH,
            height,
            title,
            title,
        )
    ]
    for tick in _ticks(y):
        parts.append(
            _svg(
                '<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                '<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(tick),
                y(tick),
                LEFT - 4,
                y(tick) + 4,
                value_text(tick, row.unit),
            )
        )
    parts.append(
        _svg(
            '<line class="zero" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
            '<line class="start" x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/>',
            LEFT,
            WIDTH - RIGHT,
            y(0),
            y(0),
            x(-0.5),
            x(-0.5),
            TOP,
            height - BOTTOM,
        )
    )
    for p in points:
        i = p.interval
        kind = "after" if p.week >= 0 else "before"
        if i.low is None:
            parts.append(
                _svg(
                    '<g class="{}"><title>week {}: {}, {} teams (no interval)</title>'
                    '<circle cx="{:.1f}" cy="{:.1f}" r="3"/></g>',
                    kind,
                    p.week,
                    value_text(i.estimate, row.unit),
                    p.teams,
                    x(p.week),
                    y(i.estimate),
                )
            )
            continue
        parts.append(
            _svg(
                '<g class="{}"><title>week {}: {} ({} to {}), {} teams</title>'
                '<line class="ci" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>'
                '<circle cx="{:.1f}" cy="{:.1f}" r="3"/></g>',
                kind,
                p.week,
                value_text(i.estimate, row.unit),
                value_text(i.low, row.unit),
                value_text(i.high, row.unit),
                p.teams,
                x(p.week),
                x(p.week),
                y(i.low),
                y(i.high),
                x(p.week),
                y(i.estimate),
            )
        )
    for week in weeks:
        if week % 4 == 0:
            parts.append(
                _svg(
                    '<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                    x(week),
                    height - BOTTOM + 14,
                    week,
                )
            )
    parts.append(
        _svg(
            '<text class="axis" x="{}" y="{}" text-anchor="middle">weeks from the start</text>',
            LEFT + plot_w / 2,
            height - 4,
        )
    )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def forest_rows(row: KpiImpact) -> list[tuple[str, str, Interval]]:
    """(label, kind, interval): each cohort, all cohorts, and the placebo."""
    rows = [
        (f"{row.cohort_labels.get(c.first, c.first)} ({c.teams} teams)", "cohort", c.interval)
        for c in row.result.cohorts
    ]
    rows.append(("All cohorts", "overall", row.result.overall))
    rows.append(("Placebo: earlier fake start", "placebo", row.placebo.overall))
    return [r for r in rows if r[2].low is not None]


def forest_svg(row: KpiImpact) -> SafeString:
    """Each cohort's effect, the overall effect and the placebo, with intervals."""
    rows = forest_rows(row)
    if not rows:
        return _svg('<p class="chart-empty">{}: not enough data.</p>', row.name)
    label_w, line_h = 210, 24
    height = TOP + line_h * len(rows) + BOTTOM
    x = _scale([r[2] for r in rows], label_w, WIDTH - label_w - RIGHT)
    title = f"{row.name}: effect by cohort, overall and placebo"
    parts = [
        _svg(
            '<svg class="impact-chart forest" viewBox="0 0 {} {}" role="img" aria-label="{}">'
            "<title>{}</title>",
            WIDTH,
            height,
            title,
            title,
        ),
        _svg(
            '<line class="zero" x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/>',
            x(0),
            x(0),
            TOP - 6,
            height - BOTTOM,
        ),
    ]
    for k, (label, kind, i) in enumerate(rows):
        cy = TOP + line_h * k + line_h / 2
        parts.append(
            _svg(
                '<g class="{}"><title>{}: {} ({} to {})</title>'
                '<text class="label" x="4" y="{:.1f}">{}</text>'
                '<line class="ci" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>'
                '<rect x="{:.1f}" y="{:.1f}" width="8" height="8"/></g>',
                kind,
                label,
                value_text(i.estimate, row.unit),
                value_text(i.low, row.unit),
                value_text(i.high, row.unit),
                cy + 4,
                label,
                x(i.low),
                x(i.high),
                cy,
                cy,
                x(i.estimate) - 4,
                cy - 4,
            )
        )
    for tick in _ticks(x, 3):
        parts.append(
            _svg(
                '<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                x(tick),
                height - BOTTOM + 16,
                value_text(tick, row.unit),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
