from django import template
from django.utils.safestring import SafeString

from assessments.text import render_markdown

register = template.Library()


@register.filter(name="assessment_markdown")
def assessment_markdown(value: str) -> SafeString:
    return render_markdown(value)


@register.filter(name="percent")
def percent(value) -> str:  # type: ignore[no-untyped-def]
    """0.8123 → '81 %'; None → '—'."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f} %"


@register.filter(name="get_item")
def get_item(mapping, key):  # type: ignore[no-untyped-def]
    return mapping.get(key) if mapping else None
