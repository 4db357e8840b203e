from django import template
from django.utils.safestring import SafeString

from config.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text or "")


@register.filter
def weeks_label(module) -> str:  # type: ignore[no-untyped-def]
    if module.week_start == module.week_end:
        return f"Week {module.week_start}"
    return f"Weeks {module.week_start}–{module.week_end}"


@register.filter
def module_status(journey, pk):  # type: ignore[no-untyped-def]
    """The learner's ItemStatus of module `pk` (None without a journey)."""
    return journey.status("module", pk) if journey else None


@register.filter
def lab_status(journey, pk):  # type: ignore[no-untyped-def]
    return journey.status("lab", pk) if journey else None
