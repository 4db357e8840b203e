"""A manager reads the dashboards at a glance: the skills heatmap of a team of 10 with
18 skills fits a 1366 × 768 screen, with the whole table as CSV; the cohort dashboard
shows one section at a time from its contents bar."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from org.models import Membership, User
from pathways.models import Pillar
from tests.factories import (
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
PILLARS = [Pillar.OBSERVABILITY, Pillar.INCIDENT_RESPONSE, Pillar.GOVERNANCE, Pillar.TESTING]
LONG_NAMES = [
    "Observability of model outputs",
    "Incident response for AI failures",
    "Rollback and kill switches",
    "Reviewing prompts as code",
    "SLOs for AI features",
    "Evaluation datasets and regression suites",
]


@pytest.fixture
def team_of_ten(transactional_db):
    manager = UserFactory(
        email="boss@example.test", full_name="Bo Boss", personas=["learner", "manager"]
    )
    team = TeamFactory(slug="platform", name="Platform Reliability", managers=[manager])
    role = RoleFactory(slug="sre", name="Site reliability engineer")
    skills = []
    for n in range(18):
        skill = SkillFactory(
            slug=f"skill-{n:02d}",
            name=f"{LONG_NAMES[n % len(LONG_NAMES)]} {n + 1}",
            pillar=PILLARS[n % len(PILLARS)],
        )
        RoleSkillFactory(role=role, skill=skill, criticality=5 - n % 5)
        skills.append(skill)
    people = []
    for n in range(10):
        person = UserFactory(
            email=f"person{n}@example.test", full_name=f"Alexandra Person-Longname {n}"
        )
        Membership.objects.create(user=person, team=team, job_role="sre", career_level="senior")
        for skill in skills[n % 3 :: 3]:
            SkillRatingFactory(person=person, skill=skill, level=1 + n % 5, source="manager")
        people.append(person)
    return manager, team, skills, people


def inside(box, width: int, height: int) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


def test_heatmap_of_ten_people_and_18_skills_fits_a_1366_screen(
    page, live_server, team_of_ten, login
):
    manager, team, skills, people = team_of_ten
    page.set_viewport_size({"width": 1366, "height": 768})
    login(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/skills/teams/{team.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Skills heatmap: {team.name}")

    # every skill column header and every person row is inside the viewport, unscrolled
    assert page.evaluate("window.scrollY") == 0
    headers = page.locator("#heatmap th.skill-col")
    expect(headers).to_have_count(18)
    for index in range(18):
        box = headers.nth(index).bounding_box()
        assert inside(box, 1366, 768), (index, box)
    rows = page.locator("#heatmap tbody th[scope=row]")
    expect(rows).to_have_count(10)
    for index in range(10):
        box = rows.nth(index).bounding_box()
        assert inside(box, 1366, 768), (index, box)
    # and so is every cell of the last row and last column
    last_row_cells = page.locator("#heatmap tbody tr").last.locator("td")
    for index in range(last_row_cells.count()):
        assert inside(last_row_cells.nth(index).bounding_box(), 1366, 768), index
    # skills are grouped by category, one group header per category
    groups = page.locator("#heatmap th.heat-group")
    expect(groups).to_have_count(len(PILLARS))
    assert sum(int(g.get_attribute("colspan")) for g in groups.all()) == 18

    # the full table downloads as CSV: one row per person and skill
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the full table (CSV)").click()
    rows_csv = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert len(rows_csv) == 10 * 18
    assert {r["skill"] for r in rows_csv} == {s.slug for s in skills}
    assert {r["email"] for r in rows_csv} == {p.email for p in people}
    first = next(
        r for r in rows_csv if r["email"] == "person0@example.test" and r["skill"] == "skill-00"
    )
    assert (first["current"], first["required"], first["source"]) == ("1", "4", "manager")


def test_manager_reads_the_home_opens_a_cohort_tab_by_tab_and_nudges(
    page, live_server, demo_org, login
):
    page.set_viewport_size({"width": 1366, "height": 768})
    login("manager@demo.example")
    page.goto(f"{live_server.url}/dashboards/")

    # the home has the demo cohort's headline numbers (day 45: days 31–60)
    row = page.locator("#cohort-headlines tr").filter(has_text="AI reliability cohort 1")
    expect(row).to_contain_text("Days 31–60")
    expect(row).to_contain_text("(day 45)")
    expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d+$"))  # at risk
    expect(page.locator("#team-headlines")).to_contain_text("Site Reliability Engineering")

    # the cohort dashboard shows one section at a time, chosen from its contents bar
    row.get_by_role("link", name="AI reliability cohort 1").click()
    tabs = page.get_by_role("navigation", name="Dashboard sections")
    names = ["Progress", "Skills", "Training KPIs", "Incidents", "Impact", "OKRs"]
    expect(tabs.get_by_role("link")).to_have_text(names)
    heights = {}
    for name, panel in zip(
        names, ["progress", "skills", "training-kpis", "incidents", "impact", "okrs"], strict=True
    ):
        tabs.get_by_role("link", name=name).click()
        expect(tabs.get_by_role("link", name=name)).to_have_attribute("aria-current", "true")
        expect(page.locator(f"#{panel}")).to_be_visible()
        assert page.locator(".tab-panel:visible").count() == 1
        heights[name] = page.evaluate("document.documentElement.scrollHeight")
    assert max(heights.values()) < 6000, heights  # no longer one 13,000 px page
    # a reload keeps the chosen section
    page.reload()
    expect(page.locator("#okrs")).to_be_visible()
    expect(page.locator("#progress")).to_be_hidden()

    # the manager nudges the first at-risk learner and is told so
    tabs.get_by_role("link", name="Progress").click()
    at_risk = page.locator("section[aria-labelledby=risk-heading] tbody tr").first
    learner = at_risk.locator("th a").inner_text()
    at_risk.get_by_role("button", name=re.compile("^Nudge")).click()
    expect(page.get_by_role("status")).to_contain_text(f"{learner} got your nudge.")
    expect(page.locator("#progress")).to_be_visible()
    recipient = User.objects.get(full_name=learner)
    assert Notification.objects.filter(user=recipient, kind="nudge").exists()
