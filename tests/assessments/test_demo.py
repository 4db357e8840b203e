"""The demo seeder: idempotent, and it works without the catalogue."""

import pytest
from django.core.management import call_command

from assessments import selectors
from assessments.demo import seed_assessments
from assessments.models import Assessment, Attempt, Question, QuestionBank, Score
from org.demo import seed_org
from org.models import User
from tests.assessments.factories import PathwayFactory, RoleFactory

pytestmark = pytest.mark.django_db


def _seed(capture) -> None:
    with capture(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (QuestionBank, Question, Assessment, Attempt, Score))


def test_demo_assessments_are_seeded_once(django_capture_on_commit_callbacks, capsys):
    # when the whole demo (with the shipped catalogue) is seeded twice
    _seed(django_capture_on_commit_callbacks)
    first = _counts()
    _seed(django_capture_on_commit_callbacks)

    # then nothing is duplicated and the checks hang off the catalogue
    assert _counts() == first
    check = Assessment.objects.get(slug="mlops-drift-oncall-check")
    assert check.module.slug == "pipelines-drift-on-call"
    assert Assessment.objects.get(slug="sre-skill-check").pathway.role.slug == "sre"
    assert check.items.count() == 10
    assert [item.question.qtype for item in check.items.order_by("order")] == ["single"] * 7 + [
        "short_text",
        "single",
        "single",
    ]
    assert check.feedback_timing == "immediate"

    # five SRE learners took the skill check before and after; all scored
    sre = Assessment.objects.get(slug="sre-skill-check")
    assert sre.attempts.filter(status="scored").count() == 10
    assert sorted(set(sre.attempts.values_list("phase", flat=True))) == ["post", "pre"]
    manager = User.objects.get(email="manager@demo.example")
    summaries = {s.label: s for s in selectors.gains_by_team(
        viewer=manager, checks=Assessment.objects.filter(pk=sre.pk))}  # fmt: skip
    assert summaries["Site Reliability Engineering"].n == 5

    # one prompt-scorecard submission waits in the author's queue
    author = User.objects.get(email="author@demo.example")
    (waiting,) = selectors.review_queue(reviewer=author)
    assert (waiting.assessment.slug, waiting.user.email) == (
        "prompt-scorecard-review",
        "learner@demo.example",
    )
    assert [c["criterion"] for c in waiting.layout["rubric"]] == [
        "Clarity",
        "Grounding",
        "Safety",
        "Completeness",
        "Format compliance",
    ]


def test_demo_without_a_catalogue_stands_alone(django_capture_on_commit_callbacks, capsys):
    seed_org()
    with django_capture_on_commit_callbacks(execute=True):
        seed_assessments()
    out = capsys.readouterr().out
    assert "no published SRE pathway in the catalogue" in out
    # the end-of-lesson MLOps check is catalogue content: without the catalogue, none
    assert not Assessment.objects.filter(slug="mlops-drift-oncall-check").exists()


def test_demo_links_to_the_catalogue_when_it_is_there(django_capture_on_commit_callbacks):
    sre = PathwayFactory(slug="sre-track", role=RoleFactory(slug="sre"))
    seed_org()
    with django_capture_on_commit_callbacks(execute=True):
        seed_assessments()
    assert Assessment.objects.get(slug="sre-skill-check").pathway == sre
