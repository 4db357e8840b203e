"""Markdown written by authors, learners and reviewers, rendered and sanitised."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    """HTML for `text`: raw HTML is allowed through markdown, then cleaned by nh3."""
    html = _md.render(text or "")
    return mark_safe(  # nh3 removed everything not in the allow-list
        nh3.clean(
            html,
            tags=_TAGS,
            attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
