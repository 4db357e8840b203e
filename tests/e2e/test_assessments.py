"""In the browser: a learner takes the 10-question check with instant feedback; an author
scores a rubric submission from the review queue and the learner sees the result."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _question(page, title):
    return page.locator("fieldset.question").filter(has_text=title)


def test_learner_takes_the_ten_question_check_with_feedback(page, live_server, demo_org, login):
    # given the learner on the assessments page
    login("learner@demo.example")
    page.goto(f"{live_server.url}/assess/")
    page.get_by_role("link", name="End-of-lesson check: pipelines, drift and on-call").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "End-of-lesson check: pipelines, drift and on-call"
    )
    expect(page.locator("fieldset.question")).to_have_count(10)

    # when they answer a question with the keyboard and check it
    main = _question(page, "Main idea")
    main.get_by_label(re.compile("Running ML pipelines that fail visibly")).focus()
    page.keyboard.press("Space")
    main.get_by_role("button", name="Check answer").click()

    # then the feedback for that question appears in place
    main = _question(page, "Main idea")
    expect(main.locator(".outcome")).to_have_text("Correct · 1 of 1 point")
    expect(main).to_contain_text("observable, alarmed and humane.")
    expect(main.locator(".correct-answer")).to_contain_text(
        "Running ML pipelines that fail visibly"
    )

    # a wrong answer is explained too
    limit = _question(page, "Limit to watch")
    limit.get_by_label("They can explain a topic in plain words").check()
    limit.get_by_role("button", name="Check answer").click()
    limit = _question(page, "Limit to watch")
    expect(limit.locator(".outcome")).to_have_text("Incorrect · 0 of 1 point")
    expect(limit).to_contain_text("That is a strength, not a limit.")

    # when they answer three more and submit
    _question(page, "Central concept").get_by_label(
        re.compile("Pipeline observability, so that failures are loud")
    ).check()
    _question(page, "Verify a drift answer").get_by_label("Your answer").fill(
        "look at the drift dashboard"
    )
    _question(page, "Bad use").get_by_label(
        re.compile("Drafting a drift-alarm runbook with thresholds")
    ).check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    page.get_by_role("button", name="Submit answers").click()

    # then they see the score and the feedback for every question
    expect(page.get_by_role("heading", level=2, name=re.compile("^Score"))).to_have_text(
        "Score: 3 of 10 (30 %)"
    )
    expect(page.locator(".verdict")).to_contain_text("Not passed")
    expect(page.locator("fieldset.question .outcome")).to_have_count(10)
    expect(_question(page, "Verify a drift answer").locator(".outcome")).to_have_text(
        "Correct · 1 of 1 point"
    )
    expect(_question(page, "Bad use")).to_contain_text("A good use, with review.")
    expect(_question(page, "Safest next step").locator(".outcome")).to_have_text(
        "Not answered · 0 of 1 point"
    )


def test_author_scores_a_submission_and_the_learner_sees_it(page, live_server, demo_org, login):
    # given the prompt-scorecard submission waiting in the author's queue
    login("author@demo.example")
    page.goto(f"{live_server.url}/author/assessments/reviews/")
    page.get_by_role("link", name="Prompt scorecard review by Lee Learner").click()
    expect(page.get_by_role("heading", level=2, name="Submission")).to_be_visible()

    # when the author scores each criterion and saves
    levels = {
        "Clarity": "Exemplary (3 points)",
        "Grounding": "Solid (2 points)",
        "Safety": "Solid (2 points)",
        "Completeness": "Developing (1 point)",
        "Format compliance": "Exemplary (3 points)",
    }
    for criterion, level in levels.items():
        page.get_by_role("group", name=criterion).get_by_label(level).check()
    page.get_by_label("Comment for the learner (markdown)").fill(
        "Clear and grounded. Add a case for **partial refunds**."
    )
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status")).to_contain_text("Review saved.")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # then the learner sees the score, the rubric and the comment
    page.locator("summary", has_text="Ari").click()
    page.get_by_role("button", name="Log out").click()
    login("learner@demo.example")
    page.goto(f"{live_server.url}/assess/")
    row = page.get_by_role("row").filter(has_text="Prompt scorecard review")
    expect(row.last).to_contain_text("73.33 % · passed")
    row.last.get_by_role("link").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Score"))).to_have_text(
        "Score: 11 of 15 (73.33 %)"
    )
    expect(page.locator(".verdict")).to_contain_text("Passed")
    expect(page.get_by_role("row", name=re.compile("^Completeness"))).to_contain_text(
        "Developing (1)"
    )
    expect(page.locator(".review-comment strong")).to_have_text("partial refunds")
