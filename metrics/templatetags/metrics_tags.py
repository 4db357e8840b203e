import json
from decimal import Decimal

from django import template
from django.core.serializers.json import DjangoJSONEncoder

from metrics.impact_charts import value_text
from metrics.presenters import duration_text

register = template.Library()


@register.filter
def duration(seconds: Decimal | float | None) -> str:
    """Seconds as people read them: 12 min 30 s, 3 h 05 min."""
    return duration_text(seconds)


@register.filter
def percent(share: Decimal | float | None) -> str:
    if share is None:
        return "—"
    return f"{float(share) * 100:.1f} %"


@register.filter
def measured(value: Decimal | float | str | None, unit: str) -> str:
    """A KPI's value in its unit as people read it: durations in hours and minutes,
    shares as percentages, anything else as a figure with its unit (18.8 incidents)."""
    if value is None or value == "":
        return "—"
    if unit == "seconds":
        return duration_text(Decimal(str(value)))
    if unit.startswith("share"):
        return f"{figure(Decimal(str(value)) * 100)} %"
    suffix = {"milliseconds": "ms"}.get(unit, unit)
    return f"{figure(value)} {suffix}".rstrip()


@register.filter
def change(value: Decimal | float | None, unit: str) -> str:
    """A signed difference in a KPI's unit (−12 min, +3.4 pts), as the impact views
    write it."""
    if value is None:
        return "—"
    return value_text(float(value), "share" if unit.startswith("share") else unit)


@register.filter
def get(mapping: dict, key: str):  # type: ignore[no-untyped-def]
    return mapping.get(key) if mapping else None


@register.filter
def as_json(value: object) -> str:
    """A value as JSON text for an HTML attribute (autoescaping quotes it there).

    Charts in content htmx swaps in carry their configuration this way: htmx drops every
    <script> element it inserts (allowScriptTags is off), JSON ones included.
    """
    return json.dumps(value, cls=DjangoJSONEncoder)


@register.filter
def filters_text(filters: dict) -> str:
    """{"ai_related": True, "severity": ["SEV1"]} → "AI-related, severity SEV1"."""
    parts = []
    for key, value in (filters or {}).items():
        if key == "ai_related":
            parts.append("AI-related" if value else "not AI-related")
        else:
            values = value if isinstance(value, list) else [value]
            parts.append(f"{key.replace('_', ' ')} {', '.join(map(str, values))}")
    return "; ".join(parts)


@register.filter
def kpi_name(key: str) -> str:
    """A KPI's name from the registry ("Manual cleanup hours"), else the key as given."""
    from metrics.registry import REGISTRY

    kpi = REGISTRY.get(key)
    return kpi.name if kpi else key


@register.filter
def kpi_unit(key: str) -> str:
    """A KPI's unit from the registry ("seconds", "share of incidents"), else ""."""
    from metrics.registry import REGISTRY

    kpi = REGISTRY.get(key)
    return kpi.unit if kpi else ""


@register.filter
def figure(value: Decimal | float | None) -> str:
    """A measured figure as people read it: one decimal from 10 up (160.665 → 160.7),
    two below (0.054 → 0.05), no trailing zeros (12.000 → 12)."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    rounded = round(number, 1 if abs(number) >= 10 else 2)
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
