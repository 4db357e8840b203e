"""The assessments API: learners start, save, check and submit attempts and read their
own results; authors manage banks, questions and assessments; reviewers review."""

import json
from datetime import timedelta

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from assessments import services
from assessments.models import Assessment, Attempt, Question, QuestionType, Response, Review
from tests.assessments.factories import (
    AssessmentFactory,
    CapstoneFactory,
    QuestionBankFactory,
    SkillFactory,
    quiz_with,
)
from tests.assessments.public_ids import public
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
T = QuestionType
ANS = Assessment.AnswersTiming


def test_schema_stays_valid_and_lists_the_assessment_endpoints(client):
    spec = yaml.safe_load(client.get("/api/schema/").content)
    validate(spec)
    for path in (
        "/api/v1/assessments/{slug}/attempts/",
        "/api/v1/attempts/{id}/save/",
        "/api/v1/attempts/{id}/submit/",
        "/api/v1/question-banks/{bank_id}/gift-import/",
        "/api/v1/reviews/queue/",
    ):
        assert path in spec["paths"], path


def test_a_started_attempt_never_carries_the_answers(api_client, learner):
    # given a quiz with every question type, its choice order fixed by the author
    quiz, questions = quiz_with(list(T), answers_timing=ANS.AFTER_FINAL, shuffle_choices=False)
    api_client.force_authenticate(learner)

    # when the learner starts it
    response = api_client.post(reverse("api-assessments-attempt-start", args=[quiz.slug]))

    # then the questions come without weights, feedback or correct answers
    assert response.status_code == 201
    body = response.json()
    assert [q["id"] for q in body["questions"]] == [q.pk for q in questions]
    first = body["questions"][0]
    assert first["choices"] == [
        {"id": public(body["id"], questions[0], own), "text": text}
        for own, text in (("a", "PSI rises"), ("b", "CPU rises"), ("c", "Disk fills"))
    ]
    assert {c["id"] for c in first["choices"]}.isdisjoint({"a", "b", "c"})
    assert (first["feedback"], first["correct_answer"], first["points"]) == (None, None, None)
    raw = json.dumps(body)
    for secret in ('"weight"', "That is load.", '"match"', '"tolerance"'):
        assert secret not in raw


def test_save_submit_and_read_the_result(api_client, learner, django_capture_on_commit_callbacks):
    quiz, (q1, q2) = quiz_with([T.SINGLE, T.NUMERIC], answers_timing=ANS.WITH_FEEDBACK)
    api_client.force_authenticate(learner)
    attempt_id = api_client.post(reverse("api-assessments-attempt-start", args=[quiz.slug])).json()[
        "id"
    ]

    saved = api_client.post(
        reverse("api-assessments-attempt-save", args=[attempt_id]),
        {"answers": {str(q1.pk): public(attempt_id, q1, "a"), str(q2.pk): "0.3"}},
        format="json",
    )
    assert saved.status_code == 200
    answers = [q["answer"] for q in saved.json()["questions"]]
    assert answers == [public(attempt_id, q1, "a"), "0.3"]

    with django_capture_on_commit_callbacks(execute=True):
        submitted = api_client.post(reverse("api-assessments-attempt-submit", args=[attempt_id]))
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    result = api_client.get(reverse("api-assessments-attempt-detail", args=[attempt_id])).json()
    assert result["status"] == "scored"
    assert result["score"]["percent"] == "50.00"
    assert [(q["outcome"], q["points"]) for q in result["questions"]] == [
        ("correct", "1.00"),
        ("incorrect", "0.00"),
    ]
    assert result["questions"][1]["correct_answer"] == ["0.2 ± 0.05"]

    again = api_client.post(reverse("api-assessments-attempt-submit", args=[attempt_id]))
    assert again.status_code == 200
    assert again.json()["score"] == result["score"]

    listed = api_client.get(reverse("api-assessments-attempt-list")).json()
    assert [(a["id"], a["percent"], a["passed"]) for a in listed["results"]] == [
        (attempt_id, "50.00", False)
    ]


def test_correct_answers_wait_for_the_final_attempt_in_the_api(
    api_client, learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE], attempts_allowed=2, answers_timing=ANS.AFTER_FINAL)
    api_client.force_authenticate(learner)
    ids = []
    for answer in ("b", "b"):
        attempt_id = api_client.post(
            reverse("api-assessments-attempt-start", args=[quiz.slug])
        ).json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(
                reverse("api-assessments-attempt-submit", args=[attempt_id]),
                {"answers": {str(q1.pk): public(attempt_id, q1, answer)}},
                format="json",
            )
        ids.append(attempt_id)
        detail = api_client.get(reverse("api-assessments-attempt-detail", args=[ids[0]])).json()
        if len(ids) == 1:
            assert detail["answers_visible"] is False
            assert detail["questions"][0]["correct_answer"] is None
            assert detail["questions"][0]["feedback"] == ["That is load."]
    assert detail["answers_visible"] is True
    assert detail["questions"][0]["correct_answer"] == ["PSI rises"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("api-assessments-attempt-detail", "get"),
        ("api-assessments-attempt-save", "post"),
        ("api-assessments-attempt-submit", "post"),
        ("api-assessments-attempt-check", "post"),
    ],
)
def test_nobody_else_reads_or_changes_my_attempt(api_client, learner, name, method):
    quiz, (q1,) = quiz_with([T.SINGLE], feedback_timing="immediate")
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    api_client.force_authenticate(UserFactory())

    body = {"answers": {str(q1.pk): "b"}, "question": q1.pk, "answer": "b"}
    response = getattr(api_client, method)(reverse(name, args=[attempt.pk]), body, format="json")

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    assert list(Response.objects.values_list("answer", "checked_at")) == [("a", None)]


def test_a_manager_reads_the_attempts_of_their_team(api_client, manager, learner):
    quiz, (q1,) = quiz_with([T.SINGLE])
    MembershipFactory(user=learner, team=TeamFactory(managers=[manager]))
    attempt = services.attempt_start(user=learner, assessment=quiz)

    api_client.force_authenticate(manager)
    detail = api_client.get(reverse("api-assessments-attempt-detail", args=[attempt.pk]))
    assert detail.status_code == 200
    assert detail.json()["questions"][0]["correct_answer"] is None
    # but cannot answer for them
    save = api_client.post(
        reverse("api-assessments-attempt-save", args=[attempt.pk]),
        {"answers": {str(q1.pk): "a"}},
        format="json",
    )
    assert save.status_code == 404
    assert not Response.objects.exists()
    assert api_client.get(reverse("api-assessments-attempt-list")).json()["results"] == []


def test_late_answers_get_a_400_with_the_reason(api_client, learner):
    quiz, (q1,) = quiz_with([T.SINGLE], time_limit_seconds=120)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=10))
    api_client.force_authenticate(learner)

    response = api_client.post(
        reverse("api-assessments-attempt-save", args=[attempt.pk]),
        {"answers": {str(q1.pk): "a"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Time is up: the 2-minute limit ended at ")
    assert not Response.objects.exists()


def test_instant_check_over_the_api(api_client, learner):
    quiz, (q1,) = quiz_with([T.MULTIPLE], feedback_timing="immediate")
    attempt = services.attempt_start(user=learner, assessment=quiz)
    api_client.force_authenticate(learner)
    response = api_client.post(
        reverse("api-assessments-attempt-check", args=[attempt.pk]),
        {"question": q1.pk, "answer": public(attempt, q1, ["a"])},
        format="json",
    )
    assert response.status_code == 200
    item = response.json()["question"]
    assert (item["outcome"], item["points"], item["checked"]) == ("partial", "0.50", True)


@pytest.mark.parametrize(
    ("answers_timing", "shown"),
    [(ANS.AFTER_FINAL, None), (ANS.NEVER, None), (ANS.WITH_FEEDBACK, ["PSI", "KL divergence"])],
)
def test_an_instant_check_shows_the_answer_only_as_the_policy_allows(
    api_client, learner, answers_timing, shown
):
    # given a quiz with instant feedback and one more attempt to go after this one
    quiz, (q1, q2) = quiz_with(
        [T.MULTIPLE, T.SINGLE],
        feedback_timing="immediate",
        answers_timing=answers_timing,
        attempts_allowed=2,
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)
    api_client.force_authenticate(learner)

    # when the learner checks a partly right answer
    item = api_client.post(
        reverse("api-assessments-attempt-check", args=[attempt.pk]),
        {"question": q1.pk, "answer": public(attempt, q1, ["a"])},
        format="json",
    ).json()["question"]

    # then the feedback comes at once, the correct answer only when the policy says so
    assert (item["outcome"], item["points"]) == ("partial", "0.50")
    assert item["correct_answer"] == shown
    # and the unchecked question says nothing yet
    detail = api_client.get(reverse("api-assessments-attempt-detail", args=[attempt.pk])).json()
    other = next(q for q in detail["questions"] if q["id"] == q2.pk)
    assert (other["correct_answer"], other["feedback"], other["points"]) == (None, None, None)


# --- authors --------------------------------------------------------------------------------


def test_learners_cannot_use_the_author_endpoints(api_client, learner):
    bank = QuestionBankFactory()
    api_client.force_authenticate(learner)
    for response in (
        api_client.get(reverse("api-assessments-banks")),
        api_client.post(reverse("api-assessments-banks"), {"name": "x", "slug": "x"}),
        api_client.post(
            reverse("api-assessments-gift-import", args=[bank.pk]), {"text": "::Q:: x {T}"}
        ),
        api_client.get(reverse("api-assessments-author-list")),
        api_client.get(reverse("api-assessments-review-queue")),
    ):
        assert response.status_code == 403
    assert not Question.objects.exists()


def test_author_builds_a_bank_and_an_assessment(api_client, author):
    skill = SkillFactory(slug="drift")
    api_client.force_authenticate(author)
    bank = api_client.post(
        reverse("api-assessments-banks"), {"name": "Drift", "slug": "drift"}, format="json"
    ).json()

    bad = api_client.post(
        reverse("api-assessments-bank-questions", args=[bank["id"]]),
        {"qtype": "numeric", "text": "Threshold?", "spec": {"answers": [{"low": 5, "high": 1}]}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["detail"] == (
        "The numeric question is not valid: answers.0: the interval must be finite with low <= high"
    )
    good = api_client.post(
        reverse("api-assessments-bank-questions", args=[bank["id"]]),
        {
            "qtype": "short_text",
            "text": "Percentile?",
            "spec": {"answers": [{"text": "p(95|99)", "mode": "regex"}]},
            "skills": ["drift"],
        },
        format="json",
    )
    assert good.status_code == 201
    assert good.json()["skills"] == ["drift"]

    created = api_client.post(
        reverse("api-assessments-author-list"),
        {
            "slug": "drift-quiz",
            "title": "Drift quiz",
            "kind": "quiz",
            "question_ids": [good.json()["id"]],
            "is_published": True,
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["question_ids"] == [good.json()["id"]]
    patched = api_client.patch(
        reverse("api-assessments-author-detail", args=[created.json()["id"]]),
        {"pass_mark": 90, "skills": ["drift"]},
        format="json",
    )
    assert (patched.json()["pass_mark"], patched.json()["skills"]) == (90, ["drift"])
    assert Assessment.objects.get(slug="drift-quiz").skills.get() == skill


def test_gift_import_over_the_api_writes_nothing_unless_asked(api_client, author):
    bank = QuestionBankFactory()
    api_client.force_authenticate(author)
    text = "::Ok::Fine? {T}\n\n::Broken::How many? {#lots}\n"
    url = reverse("api-assessments-gift-import", args=[bank.pk])

    first = api_client.post(url, {"text": text}, format="json").json()
    assert first == {
        "written": False,
        "valid": 1,
        "created": [],
        "errors": [
            {"line": 3, "title": "Broken", "message": "numeric answer 'lots' is not a number"}
        ],
    }
    assert not Question.objects.exists()

    second = api_client.post(url, {"text": text, "import_valid": True}, format="json").json()
    assert second["written"] is True
    assert second["created"] == list(Question.objects.values_list("pk", flat=True))


def test_review_over_the_api(api_client, author, learner):
    capstone = CapstoneFactory()
    assessment = AssessmentFactory(
        kind=Assessment.Kind.RUBRIC, capstone=capstone, rubric=capstone.rubric
    )
    attempt = services.attempt_start(user=learner, assessment=assessment)
    services.attempt_submit(attempt=attempt, user=learner, submission_text="Done.")
    Attempt.objects.filter(pk=attempt.pk).update(status="awaiting_review")
    api_client.force_authenticate(author)

    queue = api_client.get(reverse("api-assessments-review-queue")).json()
    assert [row["id"] for row in queue["results"]] == [attempt.pk]
    bad = api_client.post(
        reverse("api-assessments-review-create", args=[attempt.pk]),
        {"levels": [9, 0]},
        format="json",
    )
    assert bad.status_code == 400
    assert not Review.objects.exists()
    good = api_client.post(
        reverse("api-assessments-review-create", args=[attempt.pk]),
        {"levels": [1, 1], "comment": "Fine."},
        format="json",
    )
    assert good.status_code == 201
    assert good.json()["points"] == "5.00"


def test_gains_api_for_managers_only(api_client, manager, learner):
    api_client.force_authenticate(learner)
    assert api_client.get(reverse("api-assessments-gains"), {"pathway": "x"}).status_code == 403
    api_client.force_authenticate(manager)
    assert api_client.get(reverse("api-assessments-gains"), {"pathway": "x"}).status_code == 404


def test_only_the_owner_sees_the_correct_answers_of_an_attempt(
    api_client, manager, learner, django_capture_on_commit_callbacks
):
    # given a scored attempt whose answers its owner may see, by a learner in a team of a
    # manager who could be taking the same quiz
    quiz, (q1,) = quiz_with([T.SINGLE], answers_timing=ANS.WITH_FEEDBACK)
    MembershipFactory(user=learner, team=TeamFactory(managers=[manager]))
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "b"})
    url = reverse("api-assessments-attempt-detail", args=[attempt.pk])

    def seen_by(user):
        api_client.force_authenticate(user)
        detail = api_client.get(url).json()
        question = detail["questions"][0]
        return detail["answers_visible"], question["correct_answer"], question["points"]

    # then the owner sees them, the manager neither them nor the question's points
    assert seen_by(learner) == (True, ["PSI rises"], "0.00")
    assert seen_by(manager) == (False, None, None)
