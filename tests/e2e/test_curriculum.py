"""Acceptance 5: an author builds a pathway in the browser, publishes it, and a learner
finds it in the catalogue."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_author_publishes_a_pathway_and_a_learner_finds_it_in_the_catalogue(
    page, live_server, demo_org, login
):
    login("author@demo.example")
    page.get_by_role("link", name="New pathway").click()
    page.get_by_label("Title", exact=True).fill("Status pages for AI incidents")
    page.get_by_label("Role", exact=True).select_option("sre")
    page.get_by_label("Duration weeks").fill("10")
    page.get_by_label("Primary goal").fill("Customers hear about AI incidents from us first.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Status pages for AI incidents")

    modules = [
        ("Writing the first update", "1", "2", "Draft a first status update\nName what is known"),
        ("Keeping customers informed", "3", "4", "Plan update intervals\nClose an incident"),
    ]
    for title, start, end, objectives in modules:
        page.get_by_role("link", name="Add a module").click()
        page.get_by_label("Title", exact=True).fill(title)
        page.get_by_label("Week start").fill(start)
        page.get_by_label("Week end").fill(end)
        page.get_by_label("Objectives").fill(objectives)
        page.get_by_label("Content").fill("Say **what users see** first.")
        # The live preview renders the markdown while the author types.
        expect(page.locator("#preview-content strong")).to_have_text("what users see")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=3, name=title)).to_be_visible()

    page.get_by_role("link", name="Add a lab to Writing the first update").click()
    page.get_by_label("Title", exact=True).fill("Write the update for a leaked answer")
    page.get_by_label("Deliverables").fill("A first status update\nA follow-up update")
    page.get_by_label("Checklist").fill("Says which feature is affected")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Lab “Write the update for a leaked answer” added")).to_be_visible()

    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Version 1 is published.")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Published")

    page.context.clear_cookies()
    login("learner@demo.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_label("Role").select_option("sre")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Status pages for AI incidents").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Status pages for AI incidents")
    expect(page.get_by_role("heading", name="Week 10")).to_be_visible()
    page.get_by_role("button", name="Enrol in this pathway").click()
    expect(page.get_by_text("You are enrolled on version 1")).to_be_visible()
    page.get_by_role("link", name="Write the update for a leaked answer").click()
    expect(page).to_have_url(re.compile(r"/modules/writing-the-first-update/labs/"))
    expect(page.get_by_role("heading", name="Deliverables")).to_be_visible()
    expect(page.get_by_label("Says which feature is affected")).not_to_be_checked()
