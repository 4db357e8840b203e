"""Browser: My learning shows the next step and a skills chart; a manager's rating
with evidence changes the team heatmap."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from org.models import Team, User
from pathways.progress import rules, selectors
from pathways.progress.demo import seed_progress
from tests.cohorts.factories import ensure_sre_catalogue

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_cohort(demo_org):
    # The catalogue comes from `load_catalogue` when it is present; otherwise build the
    # few rows the demo cohort needs, then seed ratings and the cohort again.
    ensure_sre_catalogue()
    seed_progress()


def test_learner_home_shows_next_step_and_skills_chart(page, live_server, demo_cohort, login):
    learner = User.objects.get(email="learner@demo.example")
    expected = selectors.learner_home(user=learner, today=timezone.localdate())

    login("learner@demo.example")

    expect(page).to_have_url(f"{live_server.url}/learn/")
    next_step = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Next step")
    )
    expect(next_step).to_contain_text(expected.current.next_item.item.title)
    expect(
        next_step.get_by_role("button", name=re.compile(r"^(Start|Resume)\W"))
    ).to_have_attribute("href", re.compile(r"^/learn/items/(module|lab)/\d+/$"))
    expect(page.get_by_text(re.compile(r"Day 45 of 90 · week 7"))).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Chart of your skill levels"))
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-ready", "true")  # Chart.js drew it
    table = page.get_by_role("table", name="My skills against my role")
    expect(table.get_by_role("row")).to_have_count(len(expected.profile.role_rows) + 1)


def test_manager_rates_a_skill_with_evidence_and_the_heatmap_changes(
    page, live_server, demo_cohort, login
):
    # given a skill whose level for the learner rests on evidence no stronger than a manager's
    team = Team.objects.get(slug="sre")
    heatmap = selectors.team_heatmap(team=team, today=timezone.localdate())
    row = next(r for r in heatmap.rows if r.person.email == "learner@demo.example")
    cell = next(
        c
        for c in row.cells.values()
        if rules.TRUST_RANK.get(c.current.source, 0) <= rules.TRUST_RANK["manager"]
    )
    new_level = cell.current.level % 5 + 1
    selector = f'tr[data-person="learner@demo.example"] td[data-skill="{cell.skill.slug}"]'

    login("manager@demo.example")
    page.goto(f"{live_server.url}/skills/teams/sre/")
    heat_cell = page.locator(selector)
    expect(heat_cell.locator(".heat-level")).to_have_text(str(cell.current.level or "–"))

    # when the manager rates it from the person's page with evidence
    page.get_by_role("link", name="Lee Learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skills of Lee Learner")
    page.get_by_label("Skill", exact=True).select_option(label=cell.skill.name)
    page.get_by_label("Level", exact=True).select_option(value=str(new_level))
    page.get_by_label("Evidence source").select_option(label="Manager")
    page.get_by_label("Evidence: what did you see?").fill("Led the game day on the summariser.")
    page.get_by_role("button", name="Save rating").click()

    # then they are back on the heatmap and the cell shows the new level from a manager
    expect(page).to_have_url(f"{live_server.url}/skills/teams/sre/")
    expect(page.get_by_role("status")).to_contain_text(f"at level {new_level}")
    expect(heat_cell.locator(".heat-level")).to_have_text(str(new_level))
    expect(heat_cell).to_contain_text("M")
