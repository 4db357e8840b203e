"""A pathway's post skill check opens only when the author's condition holds (its
modules done, or some days after the pre check), in the HTML pages and the API; the
learner sees their own pre, post and normalised gain, overall and per skill."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.exceptions import AssessmentError
from assessments.models import Assessment, Attempt, QuestionType
from pathways.models import Progress
from tests.assessments.factories import (
    EnrollmentFactory,
    ModuleFactory,
    PathwayFactory,
    SkillFactory,
    quiz_with,
)

pytestmark = pytest.mark.django_db
T = QuestionType


@pytest.fixture
def check_setup(learner):
    pathway = PathwayFactory(title="SRE track")
    modules = [ModuleFactory(pathway=pathway, order=n) for n in (1, 2)]
    enrollment = EnrollmentFactory(user=learner, pathway=pathway, pathway_slug=pathway.slug)
    alerting, triage = SkillFactory(name="Alerting"), SkillFactory(name="Triage")
    check, questions = quiz_with(
        [T.SINGLE] * 4,
        kind=Assessment.Kind.SKILL_CHECK,
        check_phase="both",
        pathway=pathway,
        attempts_allowed=0,
    )
    for q, skill in zip(questions, (alerting, alerting, triage, triage), strict=True):
        q.skills.add(skill)
    return {"check": check, "questions": questions, "modules": modules, "enrollment": enrollment}


def _take(user, check, questions, right, capture):
    attempt = services.attempt_start(user=user, assessment=check)
    answers = {q.pk: ("a" if i in right else "b") for i, q in enumerate(questions)}
    with capture(execute=True):
        services.attempt_submit(attempt=attempt, user=user, answers=answers)
    return attempt


def test_days_after_pre_keeps_the_post_check_closed_until_then(
    learner, check_setup, django_capture_on_commit_callbacks
):
    check, questions = check_setup["check"], check_setup["questions"]
    Assessment.objects.filter(pk=check.pk).update(post_opens="days_after_pre", post_min_days=14)
    check.refresh_from_db()
    pre = _take(learner, check, questions, {0}, django_capture_on_commit_callbacks)

    with pytest.raises(AssessmentError, match="opens 14 day\\(s\\) after your pre check"):
        services.attempt_start(user=learner, assessment=check)
    assert Attempt.objects.filter(user=learner).count() == 1

    # 14 days later it opens
    Attempt.objects.filter(pk=pre.pk).update(submitted_at=timezone.now() - timedelta(days=14))
    post = services.attempt_start(user=learner, assessment=check)
    assert post.phase == "post"


def test_modules_done_keeps_the_post_check_closed_until_every_module_is_done(
    learner, check_setup, django_capture_on_commit_callbacks
):
    check, questions = check_setup["check"], check_setup["questions"]
    Assessment.objects.filter(pk=check.pk).update(post_opens="modules_done")
    check.refresh_from_db()
    _take(learner, check, questions, {0}, django_capture_on_commit_callbacks)
    first, second = check_setup["modules"]
    Progress.objects.create(enrollment=check_setup["enrollment"], module=first, status="done")

    with pytest.raises(AssessmentError, match="every module of SRE track is done: 1 of 2"):
        services.attempt_start(user=learner, assessment=check)

    Progress.objects.create(enrollment=check_setup["enrollment"], module=second, status="done")
    assert services.attempt_start(user=learner, assessment=check).phase == "post"


def test_closed_post_check_in_the_page_and_the_api(
    client, api_client, learner, check_setup, django_capture_on_commit_callbacks
):
    check, questions = check_setup["check"], check_setup["questions"]
    Assessment.objects.filter(pk=check.pk).update(post_opens="days_after_pre", post_min_days=30)
    check.refresh_from_db()
    _take(learner, check, questions, {0}, django_capture_on_commit_callbacks)
    client.force_login(learner)

    page = client.get(reverse("assessments:detail", args=[check.slug])).content.decode()
    assert "Not open yet." in page and "opens 30 day(s) after your pre check" in page
    assert "30 days after your pre check" in page  # the rule itself
    started = client.post(reverse("assessments:start", args=[check.slug]), follow=True)
    assert "opens 30 day(s) after your pre check" in started.content.decode()

    api_client.force_authenticate(learner)
    response = api_client.post(f"/api/v1/assessments/{check.slug}/attempts/")
    assert response.status_code == 400
    assert "opens 30 day(s) after your pre check" in response.json()["detail"]
    assert Attempt.objects.filter(user=learner).count() == 1


def test_the_author_sets_the_condition_and_it_is_checked(author, check_setup):
    check = check_setup["check"]
    with pytest.raises(AssessmentError, match="at least 1 day"):
        services.assessment_update(assessment=check, post_opens="days_after_pre", post_min_days=0)
    with pytest.raises(AssessmentError, match="needs its pathway"):
        services.assessment_update(assessment=check, post_opens="modules_done", pathway=None)
    services.assessment_update(assessment=check, post_opens="days_after_pre", post_min_days=21)
    check.refresh_from_db()
    assert (check.post_opens, check.post_min_days) == ("days_after_pre", 21)


def test_author_form_saves_the_post_check_condition(client, author, check_setup):
    check = check_setup["check"]
    client.force_login(author)
    form = client.get(reverse("assessments:assessment_edit", args=[check.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "skills"}
    data.update(
        {
            "module": "",
            "lab": "",
            "capstone": "",
            "pathway": check.pathway.pk,
            "post_opens": "days_after_pre",
            "post_min_days": 10,
            "question_list": [q.pk for q in check_setup["questions"]],
        }
    )
    response = client.post(reverse("assessments:assessment_edit", args=[check.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    check.refresh_from_db()
    assert (check.post_opens, check.post_min_days) == ("days_after_pre", 10)


def test_learner_sees_their_own_gain_overall_and_per_skill(
    client, learner, check_setup, django_capture_on_commit_callbacks
):
    check, questions = check_setup["check"], check_setup["questions"]
    # pre: 1 of 4 right (alerting 1/2, triage 0/2); post: 3 of 4 (alerting 2/2, triage 1/2)
    _take(learner, check, questions, {0}, django_capture_on_commit_callbacks)
    _take(learner, check, questions, {0, 1, 2}, django_capture_on_commit_callbacks)
    client.force_login(learner)

    learn = client.get(reverse("pathways:learn")).content.decode()
    assert f'href="{reverse("assessments:my_gains")}"' in learn
    response = client.get(reverse("assessments:my_gains"))
    (gain,) = response.context["gains"]
    assert (gain.title, gain.pre, gain.post, gain.gain) == (
        "SRE track",
        D("25.00"),
        D("75.00"),
        D("0.667"),
    )
    assert [(s.subject.name, s.pre, s.post, s.gain) for s in gain.skills] == [
        ("Alerting", D("50.00"), D("100.00"), D("1.000")),
        ("Triage", D("0.00"), D("50.00"), D("0.500")),
    ]
    html = response.content.decode()
    assert '<th scope="row">Triage</th><td>0 %</td><td>50 %</td><td>0.500</td>' in html


def test_my_gains_shows_only_my_own_attempts(
    client, learner, check_setup, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    other = UserFactory()
    check, questions = check_setup["check"], check_setup["questions"]
    _take(other, check, questions, {0, 1}, django_capture_on_commit_callbacks)
    client.force_login(learner)
    (gain,) = client.get(reverse("assessments:my_gains")).context["gains"]
    assert (gain.pre, gain.post, gain.skills) == (None, None, [])


def test_module_page_says_when_a_closed_post_check_opens(client, learner, check_setup):
    first, _second = check_setup["modules"]
    pathway = first.pathway
    post, _ = quiz_with(
        [T.SINGLE],
        slug="module-post-check",
        title="Module post check",
        kind=Assessment.Kind.SKILL_CHECK,
        check_phase="post",
        pathway=pathway,
        module=first,
        post_opens="modules_done",
    )
    client.force_login(learner)
    html = client.get(
        reverse("pathways:module_detail", args=[pathway.slug, first.slug])
    ).content.decode()
    assert "Not open yet." in html
    assert "every module of SRE track is done: 0 of 2 done so far" in html
    assert f'action="{reverse("assessments:start", args=[post.slug])}"' not in html
