"""Browser: the learner's path as one sequence — /learn/ → Resume → module → its quiz →
result → lab → "Check my file" → submit → done on the week page → certificate."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment, Attempt, QuestionType
from org.models import User
from pathways.models import Certification, Module
from pathways.progress import selectors
from tests.assessments.factories import AssessmentFactory, quiz_with
from tests.pathways.test_sequence import BROKEN, GOOD

pytestmark = pytest.mark.e2e


@pytest.fixture
def next_module(demo_org) -> Module:
    """The demo learner's next module, given a quiz and a lab with a lab check."""
    learner = User.objects.get(email="learner@demo.example")
    home = selectors.learner_home(user=learner, today=timezone.localdate())
    module = home.current.next_item.item.module
    lab = module.labs.order_by("order", "pk").first()
    lab.artifact_schema = "drift-alert-runbook"
    lab.save(update_fields=["artifact_schema"])
    quiz_with([QuestionType.SINGLE], slug="e2e-module-quiz", title="Module quiz", module=module)
    AssessmentFactory(
        slug="e2e-lab-check",
        title="Lab check",
        kind=Assessment.Kind.LAB_CHECK,
        lab=lab,
        pass_mark=80,
    )
    # earned by evidence: passing this lab's check (the demo hands out no certificate)
    Certification.objects.create(
        slug="e2e-drift-runbook",
        name="Drift runbook practitioner",
        criteria={"labs": [lab.slug], "requires_evidence": True},
    )
    return module


def test_learner_walks_module_quiz_lab_to_done(page, live_server, next_module, login):
    lab = next_module.labs.order_by("order", "pk").first()
    login("learner@demo.example")

    # /learn/ → Resume opens the module the learner is at
    page.get_by_role(
        "button", name=re.compile(rf"^Resume\W+{re.escape(next_module.title)}$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(next_module.title)

    # the module's quiz starts inline, is answered and scored
    quiz = page.locator("article.check-step").filter(has_text="Module quiz")
    quiz.get_by_role("button", name="Start").click()
    page.get_by_label("PSI rises").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Score"))).to_have_text(
        re.compile(r"\(100 %\)")
    )

    # back on the module: passed, done, and the lab is the next step
    page.get_by_role("link", name=re.compile("Back to the module")).click()
    expect(page.locator("h1 + p .item-state")).to_have_text("Done")
    expect(page.locator("article.check-step")).to_contain_text("Passed")
    page.get_by_role("link", name=lab.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lab.title)

    # "Check my file" on a broken file lists every failure and uses no attempt
    page.get_by_label("Or paste it here").fill(BROKEN)
    page.get_by_role("button", name="Check my file").click()
    report = page.locator("#artifact-report")
    expect(report).to_contain_text("no attempt was used")
    expect(report.locator("li", has_text="owners: Field required")).to_be_visible()
    expect(report.locator("li", has_text="alerts.0.threshold")).to_be_visible()
    assert not Attempt.objects.filter(assessment__slug="e2e-lab-check").exists()

    # the learner ticks the checklist (saved as they go, self-reported)
    checklist = page.locator("section[aria-labelledby=checklist-heading]")
    for box in checklist.get_by_role("checkbox").all():
        with page.expect_response(lambda r: r.url.endswith("/checklist/") and r.ok):
            box.check()
    expect(page.locator("#checklist-status")).to_contain_text("Checklist saved.")

    # the fixed file passes the check, then is submitted and scored
    page.get_by_label("Or paste it here").fill(GOOD)
    page.get_by_role("button", name="Check my file").click()
    expect(report.locator("[data-check=passed]")).to_be_visible()
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Score"))).to_be_visible()
    expect(page.locator(".verdict")).to_contain_text("Passed")
    assert Attempt.objects.filter(assessment__slug="e2e-lab-check").count() == 1

    # the week page shows the module and its lab done, and where the learner is now
    page.get_by_role("link", name=re.compile("Back to the lab")).click()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=next_module.pathway.title
    ).click()
    card = page.locator(f"#module-{next_module.pk}")
    expect(card.locator("h4 + p .item-state")).to_have_text("Done")
    expect(card.locator(f"#lab-{lab.pk} .item-state")).to_have_text("Done")
    expect(page.locator("#you-are-here")).to_be_visible()

    # and a certificate on /learn/ opens
    page.get_by_role("link", name="My learning").click()
    certificates = page.locator("section[aria-labelledby=certifications]")
    name = certificates.get_by_role("link").first.inner_text()
    certificates.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
