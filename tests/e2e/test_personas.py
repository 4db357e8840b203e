import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NAV = ["My learning", "Author", "Dashboards", "Admin"]


@pytest.mark.parametrize(
    ("persona", "heading", "path", "nav"),
    [
        ("learner", "My learning", "/learn/", ["My learning"]),
        ("author", "Author", "/author/", ["My learning", "Author"]),
        ("manager", "Dashboards", "/dashboards/", ["My learning", "Dashboards"]),
        ("admin", "Platform admin", "/platform/", NAV),
    ],
)
def test_persona_logs_in_and_sees_their_home(
    page, live_server, demo_org, login, persona, heading, path, nav
):
    login(f"{persona}@demo.example")
    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    main_nav = page.get_by_role("navigation", name="Main")
    for label in NAV:
        link = main_nav.get_by_role("link", name=label, exact=True)
        if label in nav:
            expect(link).to_be_visible()
        else:
            expect(link).to_have_count(0)


def test_wrong_password_is_explained(page, live_server, demo_org, login):
    login("learner@demo.example", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_keyboard_user_can_skip_to_content(page, live_server, demo_org, login):
    login("learner@demo.example")
    expect(page).to_have_url(f"{live_server.url}/learn/")
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
