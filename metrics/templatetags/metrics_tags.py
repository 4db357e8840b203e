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
