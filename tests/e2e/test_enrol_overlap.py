"""Browser: an author adds a team that is already in an active cohort to a new cohort;
the warning names them, the author proceeds, and a learner's /learn/ then shows both
enrolments, the one with the nearest due item first."""

import re
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from org.models import Team, User
from pathways.models import Cohort, CohortMember, Enrollment, Pathway

pytestmark = pytest.mark.e2e


@pytest.fixture
def new_cohort(demo_org) -> Cohort:
    learner = User.objects.get(email="learner@demo.example")
    assert Enrollment.objects.filter(user=learner, status="active").count() == 1
    other = (
        Pathway.objects.filter(status=Pathway.Status.PUBLISHED, slug="cross-role-simulations")
        .order_by("-version")
        .first()
    )
    cohort = Cohort.objects.create(name="AI reliability cohort 2", start_date=timezone.localdate())
    cohort.pathways.add(other)
    return cohort


def test_author_is_warned_proceeds_and_the_learner_sees_both_enrolments(
    page, live_server, new_cohort, login
):
    team = Team.objects.get(slug="sre")
    first = CohortMember.objects.filter(user__email="learner@demo.example").get().cohort
    login("author@demo.example")
    page.goto(f"{live_server.url}/cohorts/{new_cohort.pk}/")
    page.get_by_label(team.name, exact=True).check()
    page.get_by_role("button", name="Add teams").click()

    # the warning names the people already in an active cohort, and that cohort
    expect(page.get_by_role("heading", level=1)).to_have_text("Already in an active cohort")
    row = page.get_by_role("row", name=re.compile("Lee Learner"))
    expect(row).to_contain_text(first.name)
    assert not CohortMember.objects.filter(cohort=new_cohort).exists()

    page.get_by_role("button", name="Proceed: enrol them too").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(new_cohort.name)
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Added \d+ people\."))
    page.get_by_role("button", name="Enrol all members").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Enrolled \d+ members"))

    # the learner: both enrolments on /learn/, the nearest due item first
    page.context.clear_cookies()
    login("learner@demo.example")
    page.goto(f"{live_server.url}/learn/")
    table = page.get_by_role("table", name="My pathways and their next items")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    sre_slug = first.members.get(user__email="learner@demo.example").pathway.slug
    slugs = [rows.nth(i).get_attribute("data-pathway") for i in range(2)]
    assert sorted(slugs) == sorted([sre_slug, "cross-role-simulations"])
    due = [
        datetime.strptime(rows.nth(i).locator("td").nth(2).inner_text(), "%d %b %Y").date()
        for i in range(2)
    ]
    assert due[0] <= due[1]
