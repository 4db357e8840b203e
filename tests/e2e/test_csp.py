"""The main pages of each persona load under the Content-Security-Policy without one
violation: Chromium reports each refused script, style, image or frame on the console."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

HOMES = {
    "learner": "/learn/",
    "author": "/author/",
    "manager": "/dashboards/",
    "admin": "/platform/",
}
# Pages reached from a home page's links, per persona (GET only; files and feeds left out).
PAGES_PER_PERSONA = 14
SKIP = ("/accounts/logout", "/xapi/", "/api/", "/media/", "/static/", ".csv", ".ics", "/calendar")
EXTRA = {"learner": ["/notifications/preferences/", "/accounts/tokens/"], "admin": ["/admin/"]}


def _watch_violations(page) -> list[str]:
    refused: list[str] = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            refused.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return refused


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if f"{parts.scheme}://{parts.netloc}" == origin and not any(s in path for s in SKIP):
            paths.append(path)
    return list(dict.fromkeys(paths))


def test_the_detector_sees_a_violation(page, live_server, demo_org, login):
    refused = _watch_violations(page)
    login("learner@demo.example")
    expect(page).to_have_url(f"{live_server.url}/learn/")

    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )

    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("() => window.ran") is None
    assert any("inline script" in line for line in refused), refused


@pytest.mark.parametrize("persona", list(HOMES))
def test_persona_pages_load_without_csp_violations(page, live_server, demo_org, login, persona):
    refused = _watch_violations(page)
    login(f"{persona}@demo.example")
    expect(page).to_have_url(f"{live_server.url}{HOMES[persona]}")
    page.wait_for_load_state("load")
    paths = _links(page, live_server.url)[:PAGES_PER_PERSONA] + EXTRA.get(persona, [])

    visited = 0
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert response is not None and response.status < 500, path
        visited += 1

    assert visited >= 5, paths
    assert refused == []
