from django import template
from django.utils.safestring import SafeString

from config.markdown import render_markdown

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
    return mapping.get(key) if isinstance(mapping, dict) else None


OUTCOMES = {
    "correct": "Correct",
    "partial": "Partly correct",
    "incorrect": "Incorrect",
    "unanswered": "Not answered",
    "invalid": "Could not be read",
}


@register.filter(name="outcome_label")
def outcome_label(value: str) -> str:
    return OUTCOMES.get(value, value)


@register.filter(name="points")
def points(value) -> str:  # type: ignore[no-untyped-def]
    """2.00 → '2', 0.83 → '0.83'."""
    if value is None:
        return "—"
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
