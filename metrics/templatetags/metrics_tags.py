from decimal import Decimal

from django import template

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
def get(mapping: dict, key: str):  # type: ignore[no-untyped-def]
    return mapping.get(key) if mapping else None


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
