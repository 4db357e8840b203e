"""HTML pages: taking an attempt, feedback per policy, who may see which attempt,
authoring, GIFT import, reviews, certificates, gains; constant queries on lists."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, Attempt, Question, QuestionType, Response
from pathways.models import CertificationAward
from tests.assessments.factories import (
    AssessmentFactory,
    CapstoneFactory,
    CertificationFactory,
    QuestionBankFactory,
    quiz_with,
)
from tests.assessments.public_ids import public
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
T = QuestionType
FB = Assessment.FeedbackTiming
ANS = Assessment.AnswersTiming


def _html(response) -> str:
    return response.content.decode()


def test_learner_takes_a_quiz_in_the_browser(client, learner, django_capture_on_commit_callbacks):
    # given a 3-question quiz (single, ordering, numeric)
    quiz, (q1, q2, q3) = quiz_with(
        [T.SINGLE, T.ORDERING, T.NUMERIC], answers_timing=ANS.WITH_FEEDBACK
    )
    client.force_login(learner)

    # when they start it
    response = client.post(reverse("assessments:start", args=[quiz.slug]))
    attempt = Attempt.objects.get(user=learner)
    assert response["Location"] == reverse("assessments:attempt", args=[attempt.pk])

    # then the form shows the questions, and nothing that gives the answers away
    page = _html(client.get(response["Location"]))
    assert f'name="q-{q1.pk}"' in page
    assert "Position of “Ack”" in page
    assert "That is load." not in page and "Correct answer:" not in page
    assert f'hx-post="{reverse("assessments:save", args=[attempt.pk])}"' in page

    # when they autosave (htmx) and then submit
    save = client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {f"q-{q1.pk}": public(attempt, q1, "b"), f"q-{q3.pk}": "0.21"},
        HTTP_HX_REQUEST="true",
    )
    assert "Saved at" in _html(save)
    assert dict(Response.objects.values_list("question_id", "answer")) == {
        q1.pk: "b",
        q3.pk: "0.21",
    }
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("assessments:submit", args=[attempt.pk]),
            {
                f"q-{q1.pk}": public(attempt, q1, "a"),
                f"q-{q2.pk}-{public(attempt, q2, 'a')}": "1",
                f"q-{q2.pk}-{public(attempt, q2, 'b')}": "2",
                f"q-{q2.pk}-{public(attempt, q2, 'c')}": "3",
                f"q-{q3.pk}": "0.21",
            },
        )

    # then the result page shows the score and each question's feedback
    result = _html(client.get(done["Location"]))
    assert "Score: 3 of 3 (100 %)" in result
    assert "Passed" in result
    assert result.count("<strong>Correct</strong>") == 3
    assert "Yes." in result  # the chosen choice's feedback


def test_instant_check_returns_the_question_with_its_feedback(client, learner):
    quiz, (q1, q2) = quiz_with(
        [T.SINGLE, T.SINGLE], feedback_timing=FB.IMMEDIATE, answers_timing=ANS.WITH_FEEDBACK
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)
    client.force_login(learner)

    fragment = _html(
        client.post(
            reverse("assessments:check", args=[attempt.pk, q1.pk]),
            {f"q-{q1.pk}": public(attempt, q1, "b"), f"q-{q2.pk}": public(attempt, q2, "a")},
            HTTP_HX_REQUEST="true",
        )
    )

    assert "<strong>Incorrect</strong> · 0 of 1 point" in fragment
    assert "That is load." in fragment
    assert "<strong>Correct answer:</strong> PSI rises" in fragment
    assert f'name="q-{q1.pk}"' not in fragment  # locked: no inputs any more
    # the other answer in the form was kept
    assert Response.objects.get(question=q2).answer == "a"


def test_instant_check_hides_the_answer_until_the_policy_allows(client, learner):
    quiz, (q1,) = quiz_with(
        [T.SINGLE], feedback_timing=FB.IMMEDIATE, answers_timing=ANS.AFTER_FINAL
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)
    client.force_login(learner)
    fragment = _html(
        client.post(
            reverse("assessments:check", args=[attempt.pk, q1.pk]),
            {f"q-{q1.pk}": public(attempt, q1, "c")},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "That is capacity." in fragment
    assert "Correct answer:" not in fragment


def test_correct_answers_appear_only_once_the_learner_is_done(
    client, learner, django_capture_on_commit_callbacks
):
    # given a quiz with two attempts whose answers are shown "once passed or none left"
    quiz, (q1,) = quiz_with([T.SINGLE], attempts_allowed=2, answers_timing=ANS.AFTER_FINAL)
    client.force_login(learner)

    first = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=first, user=learner, answers={q1.pk: "b"})
    page = _html(client.get(reverse("assessments:attempt", args=[first.pk])))
    assert "<strong>Incorrect</strong>" in page
    assert "Correct answer:" not in page
    assert "Correct answers are shown once you pass or have no attempts left." in page

    second = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=second, user=learner, answers={q1.pk: "c"})
    page = _html(client.get(reverse("assessments:attempt", args=[first.pk])))
    assert "<strong>Correct answer:</strong> PSI rises" in page


def test_feedback_never_shows_only_the_total(client, learner, django_capture_on_commit_callbacks):
    quiz, (q1, q2) = quiz_with(
        [T.SINGLE, T.SINGLE], feedback_timing=FB.NEVER, answers_timing=ANS.WITH_FEEDBACK
    )
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a", q2.pk: "b"})
    client.force_login(learner)
    page = _html(client.get(reverse("assessments:attempt", args=[attempt.pk])))
    assert "Score: 1 of 2 (50 %)" in page
    assert "Feedback per question is not shown for this assessment." in page
    for hidden in (
        "<strong>Correct</strong>",
        "<strong>Incorrect</strong>",
        "That is load.",
        "Yes.",
    ):
        assert hidden not in page


@pytest.mark.parametrize("name", ["attempt", "save", "submit", "check", "status"])
def test_other_learners_cannot_touch_my_attempt(client, learner, name):
    quiz, (q1,) = quiz_with([T.SINGLE], feedback_timing=FB.IMMEDIATE)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_save(attempt=attempt, user=learner, answers={q1.pk: "a"})
    client.force_login(UserFactory())

    args = [attempt.pk, q1.pk] if name == "check" else [attempt.pk]
    url = reverse(f"assessments:{name}", args=args)
    response = client.get(url) if name in ("attempt", "status") else client.post(url, {})

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    assert list(Response.objects.values_list("answer", "checked_at")) == [("a", None)]


def test_managers_see_results_of_their_teams_only(
    client, manager, learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE])
    MembershipFactory(user=learner, team=TeamFactory(managers=[manager]))
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a"})
    other_manager = UserFactory(personas=["learner", "manager"])

    client.force_login(manager)
    page = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert page.status_code == 200
    assert f"Attempt by {learner}." in _html(page)
    assert "Score: 1 of 1 (100 %)" in _html(page)

    client.force_login(other_manager)
    assert client.get(reverse("assessments:attempt", args=[attempt.pk])).status_code == 404


def test_late_answers_are_refused_with_a_message(
    client, learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE], time_limit_seconds=60)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    client.force_login(learner)

    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.post(
            reverse("assessments:save", args=[attempt.pk]),
            {f"q-{q1.pk}": "a"},
            HTTP_HX_REQUEST="true",
        )
    assert "Time is up: the 1-minute limit ended at" in _html(fragment)
    assert 'role="alert"' in _html(fragment)
    assert not Response.objects.filter(answer="a").exists()
    attempt.refresh_from_db()
    assert attempt.status == "scored"


def test_certificate_pages_are_shared_by_signed_link(client, learner):
    award = CertificationAward.objects.create(
        certification=CertificationFactory(name="MLOps Gatekeeper"), user=learner
    )
    token = selectors.certificate_token(award)
    url = reverse("assessments:certificate", args=[token])

    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())  # a colleague with the link
    page = _html(client.get(url))
    assert "MLOps Gatekeeper" in page and f"awarded to <strong>{learner.get_full_name()}" in page
    forged = reverse("assessments:certificate", args=[f"{award.pk}-x"])
    assert client.get(forged).status_code == 404


# --- authors -----------------------------------------------------------------------------

GIFT = "::Good::Which? {=yes ~no}\n\n::Bad::Tell me {~a ~b}\n"


def test_non_authors_get_403_on_author_pages(client, learner):
    bank = QuestionBankFactory()
    client.force_login(learner)
    for url in (
        reverse("assessments:author_home"),
        reverse("assessments:bank", args=[bank.pk]),
        reverse("assessments:gift_import", args=[bank.pk]),
        reverse("assessments:review_queue"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("assessments:gift_import", args=[bank.pk]), {"text": GIFT,
        "action": "import-valid"}).status_code == 403  # fmt: skip
    assert not Question.objects.exists()


def test_gift_import_previews_errors_and_lets_the_author_choose(client, author):
    bank = QuestionBankFactory()
    client.force_login(author)
    url = reverse("assessments:gift_import", args=[bank.pk])

    preview = _html(client.post(url, {"text": GIFT, "action": "preview"}))
    assert "line 3 (Bad): no answer is marked right" in preview
    assert "Import the 1 valid question" in preview
    assert "Import nothing" in preview
    assert not Question.objects.exists()

    response = client.post(url, {"text": GIFT, "action": "import-valid"})
    assert response["Location"] == reverse("assessments:bank", args=[bank.pk])
    assert list(Question.objects.values_list("title", flat=True)) == ["Good"]


def test_gift_import_all_or_nothing_refuses_a_file_with_errors(client, author):
    bank = QuestionBankFactory()
    client.force_login(author)
    page = _html(
        client.post(
            reverse("assessments:gift_import", args=[bank.pk]),
            {"text": GIFT, "action": "import-all"},
        )
    )
    assert "line 3 (Bad)" in page
    assert not Question.objects.exists()


def test_author_adds_and_edits_a_question_in_gift(client, author):
    bank = QuestionBankFactory()
    client.force_login(author)
    client.post(reverse("assessments:bank", args=[bank.pk]), {"gift": "::Q::Right? {TRUE}"})
    question = Question.objects.get()
    assert (question.qtype, question.spec["answer"]) == ("true_false", True)

    edit = reverse("assessments:question_edit", args=[question.pk])
    assert "::Q::[markdown]Right? {TRUE}" in _html(client.get(edit))
    client.post(edit, {"gift": "::Q::Right? {FALSE}"})
    question.refresh_from_db()
    assert question.spec["answer"] is False


def test_author_creates_an_assessment_from_the_form(client, author):
    bank = QuestionBankFactory()
    q1 = services.question_from_gift(bank=bank, text="::A::a? {T}")
    q2 = services.question_from_gift(bank=bank, text="::B::b? {F}")
    client.force_login(author)
    response = client.post(
        reverse("assessments:assessment_create"),
        {
            "title": "Drift check",
            "slug": "drift-check",
            "kind": "quiz",
            "pass_mark": 80,
            "attempts_allowed": 2,
            "time_limit_minutes": 15,
            "feedback_timing": "immediate",
            "answers_timing": "with_feedback",
            "reviewers_required": 1,
            "artifact_points": "5",
            "question_list": [q2.pk, q1.pk],
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    created = Assessment.objects.get(slug="drift-check")
    assert (created.time_limit_seconds, created.pass_mark, created.is_published) == (900, 80, True)
    assert sorted(selectors.assessment_questions(assessment=created), key=lambda q: q.pk) == [
        q1,
        q2,
    ]


def test_author_reviews_from_the_queue_and_the_learner_sees_the_result(
    client, author, learner, django_capture_on_commit_callbacks
):
    capstone = CapstoneFactory()
    rubric = AssessmentFactory(
        kind=Assessment.Kind.RUBRIC, capstone=capstone, rubric=capstone.rubric
    )
    attempt = services.attempt_start(user=learner, assessment=rubric)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(
            attempt=attempt, user=learner, submission_text="**Bold** <script>x</script>"
        )

    client.force_login(author)
    queue = _html(client.get(reverse("assessments:review_queue")))
    assert reverse("assessments:review", args=[attempt.pk]) in queue
    page = _html(client.get(reverse("assessments:review", args=[attempt.pk])))
    assert "<strong>Bold</strong>" in page and "<script>" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:review", args=[attempt.pk]),
            {"criterion_0": "2", "criterion_1": "1", "comment": "Add **traces**."},
        )

    client.force_login(learner)
    result = _html(client.get(reverse("assessments:attempt", args=[attempt.pk])))
    assert "Score: 7 of 10 (70 %)" in result
    assert "Complete (4)" in result and "Usable (3)" in result
    assert "Add <strong>traces</strong>." in result


def test_gains_page_for_managers(client, manager):
    AssessmentFactory(kind=Assessment.Kind.SKILL_CHECK, check_phase="both", title="SRE check")
    client.force_login(manager)
    page = _html(client.get(reverse("assessments:gains")))
    assert "SRE check" in page
    assert "Normalised gain = (post − pre) / (100 − pre)" in page


# --- constant query counts on list pages ---------------------------------------------------


def _scored_attempts(user, n, capture):
    for _ in range(n):
        quiz, (q1,) = quiz_with([T.SINGLE])
        attempt = services.attempt_start(user=user, assessment=quiz)
        with capture(execute=True):
            services.attempt_submit(attempt=attempt, user=user, answers={q1.pk: "a"})


def test_learner_home_queries_do_not_grow_with_rows(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    client.get(reverse("assessments:home"))  # reads the signed-in user into the cache
    CertificationAward.objects.create(certification=CertificationFactory(), user=learner)
    _scored_attempts(learner, 2, django_capture_on_commit_callbacks)
    few, response = count_queries(lambda: client.get(reverse("assessments:home")))
    assert response.status_code == 200
    _scored_attempts(learner, 6, django_capture_on_commit_callbacks)
    CertificationAward.objects.create(certification=CertificationFactory(), user=learner)
    many, _ = count_queries(lambda: client.get(reverse("assessments:home")))
    assert many == few


def test_author_lists_queries_do_not_grow_with_rows(client, author):
    client.force_login(author)
    bank = QuestionBankFactory()
    services.question_from_gift(bank=bank, text="::Q::First? {TRUE}")
    quiz_with([T.SINGLE, T.MULTIPLE])
    urls = [
        reverse("assessments:author_home"),
        reverse("assessments:bank", args=[bank.pk]),
        reverse("assessments:review_queue"),
    ]
    client.get(urls[0])  # reads the signed-in user into the cache
    few = [count_queries(lambda u=u: client.get(u))[0] for u in urls]
    for _ in range(5):
        quiz_with([T.SINGLE, T.NUMERIC])
        services.question_from_gift(bank=bank, text="// [points:2]\n::Q::Right? {TRUE}")
        capstone = CapstoneFactory()
        rubric = AssessmentFactory(
            kind=Assessment.Kind.RUBRIC, capstone=capstone, rubric=capstone.rubric
        )
        person = UserFactory()
        attempt = services.attempt_start(user=person, assessment=rubric)
        Attempt.objects.filter(pk=attempt.pk).update(
            status="awaiting_review", submitted_at=timezone.now()
        )
    many = [count_queries(lambda u=u: client.get(u))[0] for u in urls]
    assert many == few
    assert selectors.review_queue(reviewer=author).count() == 5


def test_score_summary_is_exact_on_the_home_page(
    client, learner, django_capture_on_commit_callbacks
):
    quiz, (q1, q2, _) = quiz_with([T.SINGLE] * 3, title="Three")
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a", q2.pk: "a"})
    assert attempt.__class__.objects.get(pk=attempt.pk).score.percent == D("66.67")
    client.force_login(learner)
    page = _html(client.get(reverse("assessments:home")))
    assert "66.67 % · not passed" in page


def test_lab_check_in_the_browser_with_an_uploaded_artifact(
    client, learner, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import artifacts
    from tests.assessments.factories import LabFactory

    lab = LabFactory(artifact_schema="drift-alert-runbook")
    check = AssessmentFactory(kind=Assessment.Kind.LAB_CHECK, lab=lab)
    attempt = services.attempt_start(user=learner, assessment=check)
    client.force_login(learner)
    page = _html(client.get(reverse("assessments:attempt", args=[attempt.pk])))
    assert "Alert rules are in version control" in page
    assert "Example of a valid file" in page

    upload = SimpleUploadedFile(
        "runbook.yaml", artifacts.RUNBOOK_EXAMPLE.encode(), content_type="text/yaml"
    )
    client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"checklist-present": "1", "checklist": ["0"], "artifact": upload},
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("assessments:submit", args=[attempt.pk]),
            {"checklist-present": "1", "checklist": ["0", "1"]},
        )

    result = _html(client.get(done["Location"]))
    assert "Score: 7 of 7 (100 %)" in result
    assert "✓ Every alert&#x27;s owner is one of the runbook&#x27;s owners." in result
    assert "File: <code>runbook.yaml</code>" in result


def test_the_result_page_polls_until_the_attempt_is_scored(client, learner):
    quiz, (q1,) = quiz_with([T.SINGLE])
    attempt = services.attempt_start(user=learner, assessment=quiz)
    services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a"})  # not sent
    client.force_login(learner)
    url = reverse("assessments:status", args=[attempt.pk])

    page = _html(client.get(reverse("assessments:attempt", args=[attempt.pk])))
    assert f'hx-get="{url}" hx-trigger="every 1s"' in page
    waiting = client.get(url)
    assert "Scoring your answers" in _html(waiting) and "HX-Refresh" not in waiting

    services.attempt_score(attempt_id=attempt.pk)
    assert client.get(url)["HX-Refresh"] == "true"


def test_a_manager_reads_a_team_result_without_the_correct_answers(
    client, manager, learner, django_capture_on_commit_callbacks
):
    quiz, (q1,) = quiz_with([T.SINGLE], answers_timing=Assessment.AnswersTiming.WITH_FEEDBACK)
    MembershipFactory(user=learner, team=TeamFactory(managers=[manager]))
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "b"})
    url = reverse("assessments:attempt", args=[attempt.pk])

    client.force_login(learner)
    assert "Correct answer:" in _html(client.get(url))
    client.force_login(manager)
    page = _html(client.get(url))
    assert "Score: 0 of 1 (0 %)" in page
    assert "Correct answer:" not in page and "PSI rises" not in page
