"""Every template of the project: no comment shows up on a page as text.

Django's `{# … #}` ends at the end of its line; one that runs over several lines is not
a comment but text, and the page shows it (seen on the cohort dashboard). Longer notes
go in `{% comment %}`."""

import re
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR).resolve()
# A comment that spans lines, or a comment opener whose line never closes it. A `{#`
# followed by a number (GIFT's numeric answers shown in help text) is not an opener.
LEAKED = re.compile(r"\{#.*?#\}|\{#\s[^\n]*$", re.S | re.M)


def _templates() -> list[Path]:
    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += [p for p in ROOT.glob("*/templates") if p.is_dir()]
    return sorted(
        path
        for folder in folders
        if folder.resolve().is_relative_to(ROOT)
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt", ".xml", ".md") and path.is_file()
    )


def _leaks(source: str) -> list[str]:
    return [
        match.group(0).splitlines()[0]
        for token in Lexer(source).tokenize()
        if token.token_type == TokenType.TEXT
        for match in LEAKED.finditer(token.contents)
    ]


def test_the_check_finds_a_comment_over_two_lines_and_passes_one_on_a_line():
    assert _leaks("{# one line #}<p>{{ x }}</p>") == []
    assert _leaks("{% comment %}two\nlines{% endcomment %}") == []
    assert _leaks("<pre>{#0.2:0.05} {#1..24}</pre>") == []
    assert _leaks("{# starts here\n   and ends here #}\n<p></p>") == ["{# starts here"]
    assert _leaks("<p>{# never closed\n</p>") == ["{# never closed"]


def test_no_template_shows_a_comment_as_text():
    templates = _templates()
    assert len(templates) > 100
    leaks = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := _leaks(path.read_text(encoding="utf-8")))
    }
    assert leaks == {}
