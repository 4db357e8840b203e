"""Acceptance 7: markdown renders, and scripts, event handlers and javascript: links do not."""

import pytest
from django.urls import reverse

from config.markdown import render_markdown

from .factories import LabFactory, ModuleFactory, PathwayFactory


def test_markdown_renders_the_usual_things():
    html = render_markdown(
        "## Steps\n\n1. **Bold** and `code`\n2. [docs](https://example.com/x)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert html == (
        "<h2>Steps</h2>\n<ol>\n<li><strong>Bold</strong> and <code>code</code></li>\n"
        '<li><a href="https://example.com/x" rel="noopener noreferrer nofollow">docs</a></li>\n'
        "</ol>\n<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>Hello", "Hello"),
        ("<SCRIPT src=//evil.example/x.js></SCRIPT>", ""),
        ('<img src="x.png" onerror="alert(1)">', '<img src="x.png">'),
        ('<div onclick="steal()" style="color:red">Hi</div>', "<div>Hi</div>"),
        ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>\n"),
        (
            '<a href="javascript:alert(1)">x</a>',
            '<p><a rel="noopener noreferrer nofollow">x</a></p>\n',
        ),
        (
            '<a href="JaVaScRiPt:alert(1)" onmouseover="x()">y</a>',
            '<p><a rel="noopener noreferrer nofollow">y</a></p>\n',
        ),
        (
            "[data](data:text/html;base64,PHNjcmlwdD4=)",
            "<p>[data](data:text/html;base64,PHNjcmlwdD4=)</p>\n",
        ),
        ('<iframe src="https://evil.example"></iframe>after', "after"),
        ("<svg onload=alert(1)><circle/></svg>", "<p></p>\n"),
    ],
)
def test_dangerous_markup_renders_inert(source, expected):
    assert render_markdown(source) == expected


def test_pages_render_author_markdown_inert(client, learner):
    pathway = PathwayFactory(slug="sre", summary="<script>alert('summary')</script>Safe summary")
    module = ModuleFactory(
        pathway=pathway,
        slug="m",
        content='Read <a href="javascript:alert(2)" onclick="alert(3)">this</a>.',
    )
    LabFactory(module=module, slug="lab", instructions='<img src=x onerror="alert(4)">Go')
    client.force_login(learner)
    pages = [
        client.get(reverse("pathways:pathway_detail", args=["sre"])).content.decode(),
        client.get(reverse("pathways:module_detail", args=["sre", "m"])).content.decode(),
        client.get(reverse("pathways:lab_detail", args=["sre", "m", "lab"])).content.decode(),
    ]
    for html in pages:
        assert "alert(" not in html
        assert "onclick" not in html and "onerror" not in html
        assert "javascript:" not in html
    assert "Safe summary" in pages[0]
    assert '<a rel="noopener noreferrer nofollow">this</a>' in pages[1]


def test_preview_endpoint_renders_sanitised_markdown_for_authors(client, author):
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_preview"),
        {"field": "content", "content": "**hi** <script>alert(1)</script>", "title": "x"},
    )
    assert response.status_code == 200
    assert response.content.decode() == "<p><strong>hi</strong> </p>\n"
    empty = client.post(reverse("pathways:author_preview"), {"field": "content"})
    assert empty.content.decode() == '<p class="muted">Nothing to preview yet.</p>'


def test_preview_endpoint_is_for_authors_only(client, learner):
    url = reverse("pathways:author_preview")
    assert client.post(url, {"field": "content", "content": "x"}).status_code == 302
    client.force_login(learner)
    assert client.post(url, {"field": "content", "content": "x"}).status_code == 403
    assert client.get(url).status_code == 405
