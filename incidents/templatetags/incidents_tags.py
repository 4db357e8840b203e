import json

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


@register.filter
def attribute_rows(attributes: dict | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(name, [(text, list filter query)…]) per attribute; a list gives one link per item."""
    from urllib.parse import urlencode

    rows = []
    for name, value in (attributes or {}).items():
        items = value if isinstance(value, list) else [value]
        links = []
        for item in items:
            text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
            filterable = isinstance(item, str | int | float) and not isinstance(item, bool)
            query = urlencode({"attribute": f"{name}={text}"}) if filterable else ""
            links.append((text, query))
        rows.append((str(name), links))
    return rows
