"""No answer key before the policy allows: not in the page, not in the API, not to others."""

import re

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Attempt, QuestionType, Response
from tests.assessments.factories import quiz_with
from tests.assessments.public_ids import public
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
T = QuestionType
ANS = Assessment.AnswersTiming
OWN_IDS = {"a", "b", "c", "d"}
ATTEMPTS = 5


def test_quiz_page_and_api_hold_no_id_that_reveals_the_answer(client, api_client):
    # given a quiz whose right choice is "a" and whose ordering items are a, b, c in order
    quiz, (single, _multiple, ordering) = quiz_with(
        [T.SINGLE, T.MULTIPLE, T.ORDERING], shuffle_choices=True
    )
    right_choice_ids, first_item_ids = set(), set()

    # when five learners start it
    for _ in range(ATTEMPTS):
        learner = UserFactory()
        client.force_login(learner)
        client.post(reverse("assessments:start", args=[quiz.slug]))
        attempt = Attempt.objects.get(user=learner)
        page = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
        api_client.force_authenticate(learner)
        body = api_client.get(reverse("api-assessments-attempt-detail", args=[attempt.pk])).json()

        # then neither the page nor the API names a choice or item by the question's own id
        values = set(re.findall(r'value="([^"]*)"', page))
        names = set(re.findall(rf'name="q-{ordering.pk}-([^"]*)"', page))
        assert not values & OWN_IDS, values & OWN_IDS
        assert names and not names & OWN_IDS
        for question in body["questions"]:
            shown = {c["id"] for c in question["choices"]}
            assert shown and not shown & OWN_IDS
        right_choice_ids.add(public(attempt, single, "a"))
        first_item_ids.add(public(attempt, ordering, "a"))
        assert f'value="{public(attempt, single, "a")}"' in page

    # and every attempt calls the right choice and the first item something else
    assert len(right_choice_ids) == len(first_item_ids) == ATTEMPTS


def test_guessing_a_questions_own_id_earns_nothing(api_client, learner):
    quiz, (single,) = quiz_with([T.SINGLE], feedback_timing="immediate")
    attempt = services.attempt_start(user=learner, assessment=quiz)
    api_client.force_authenticate(learner)

    item = api_client.post(
        reverse("api-assessments-attempt-check", args=[attempt.pk]),
        {"question": single.pk, "answer": "a"},
        format="json",
    ).json()["question"]

    assert item["points"] == "0.00"
    assert Response.objects.get().answer == "?"


@pytest.mark.parametrize("persona", ["manager", "platform_admin"])
def test_others_see_scores_but_no_per_question_outcome(
    client, api_client, learner, persona, request, django_capture_on_commit_callbacks
):
    # given a learner's scored attempt, in a team the viewer manages
    viewer = request.getfixturevalue(persona)
    MembershipFactory(user=learner, team=TeamFactory(managers=[viewer]))
    quiz, (q1, q2) = quiz_with([T.SINGLE, T.SHORT_TEXT], answers_timing=ANS.WITH_FEEDBACK)
    attempt = services.attempt_start(user=learner, assessment=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt, user=learner, answers={q1.pk: "a", q2.pk: "cpu"})

    # when the viewer reads it in the API and the page
    api_client.force_authenticate(viewer)
    detail = api_client.get(reverse("api-assessments-attempt-detail", args=[attempt.pk])).json()
    client.force_login(viewer)
    page = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()

    # then the total is there, but no answer, outcome, points or feedback per question
    assert detail["score"]["points"] == "1.00"
    for question in detail["questions"]:
        assert question["answer"] is None
        assert question["outcome"] in ("", None)
        assert question["points"] is None
        assert question["feedback"] is None
        assert question["correct_answer"] is None
    assert "<strong>Correct</strong>" not in page and "<strong>Incorrect</strong>" not in page
    assert "Score: 1 of 2 (50 %)" in page
    assert "Yes." not in page  # the chosen choice's feedback
