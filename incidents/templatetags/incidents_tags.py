from django import template
from django.utils.safestring import SafeString

from config.markdown import render_markdown

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """3725 → "1 h 2 min 5 s"; None → "—". Exact to the second, never rounded."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value)


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown from imported postmortems, rendered and sanitised."""
    return render_markdown(text)
