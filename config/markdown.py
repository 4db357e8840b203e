"""Markdown written by people (curriculum, answers, reviews, postmortems), made safe.

Authors write CommonMark (plus tables and strikethrough). Raw HTML is allowed by the
parser and then everything goes through nh3, so scripts, event handlers, styles and
`javascript:` URLs never reach the page, whoever wrote the text. Images load only from
Trellis itself or the hosts in `TRELLIS_MARKDOWN_IMAGE_HOSTS` (none by default), so text
cannot carry tracking pixels: any other image keeps its alt text and loses its source.
"""

from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def image_source_allowed(src: str) -> bool:
    """Whether an image at `src` may load: same origin, or https from a listed host."""
    parts = urlsplit(src.strip())
    if not parts.scheme and not parts.netloc:
        return True
    hosts = {h.lower() for h in settings.TRELLIS_MARKDOWN_IMAGE_HOSTS}
    return parts.scheme == "https" and (parts.hostname or "") in hosts


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not image_source_allowed(value):
        return None
    return value


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for `text`; safe to insert into a page."""
    if not text:
        return mark_safe("")
    html = _parser.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )
    return mark_safe(clean)
