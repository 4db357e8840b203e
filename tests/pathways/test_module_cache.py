"""The module page: all but the learner's checks is cached under version stamps (every
write to what it shows is on the next view), the checks and CSRF tokens are per request,
and the "opened" statement is stored after the response, once per view."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import QuestionType
from assessments.services import attempt_start
from lrs.models import Statement
from pathways.progress import services
from tests.assessments.factories import quiz_with
from tests.factories.pathways import EnrollmentFactory
from tests.utils import count_queries

from .factories import pathway_with_modules


@pytest.fixture
def page(client, learner):
    pathway = pathway_with_modules(2, slug="sre")
    EnrollmentFactory(user=learner, pathway=pathway)
    module = pathway.modules.order_by("order").first()
    client.force_login(learner)
    url = reverse("pathways:module_detail", args=["sre", module.slug])

    def get() -> str:
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    get.module = module
    get.url = url
    return get


def test_a_repeat_view_reads_nothing_from_the_database(page):
    page()
    used, _ = count_queries(page)

    # session, user, personas, unread count, the fragments and the module's published
    # checks all come from the cache
    assert used == 0


def test_a_repeat_view_with_a_quiz_reads_only_the_learners_attempts(
    page, django_assert_max_num_queries
):
    quiz_with([QuestionType.SINGLE], module=page.module)
    page()

    with django_assert_max_num_queries(1):
        page()


def test_an_unpublished_quiz_leaves_the_page_at_once(page):
    quiz, _ = quiz_with([QuestionType.SINGLE], module=page.module)
    assert f'data-assessment="{quiz.slug}"' in page()

    quiz.is_published = False
    quiz.save()

    assert f'data-assessment="{quiz.slug}"' not in page()


def test_a_changed_pass_mark_shows_at_once(page):
    quiz, _ = quiz_with([QuestionType.SINGLE], module=page.module)
    quiz.pass_mark = 70
    quiz.save()
    assert "Pass mark 70%" in page()

    quiz.pass_mark = 85
    quiz.save()

    assert "Pass mark 85%" in page()


def test_marking_the_module_done_shows_on_the_next_view(page, learner):
    assert "Mark as done" in page()

    services.progress_mark_by_learner(user_id=learner.pk, module=page.module, status="done")

    html = page()
    assert "Mark as done" not in html and "You marked this module as done" in html


def test_catalogue_changes_show_on_the_next_view(page):
    page()
    page.module.content = "## Rewritten\n\nNew text."
    page.module.save()

    assert "<h2>Rewritten</h2>" in page()


def test_a_published_quiz_and_an_attempt_show_at_once(page, learner):
    page()
    quiz, _ = quiz_with([QuestionType.SINGLE], module=page.module)
    assert f'data-assessment="{quiz.slug}"' in page()

    attempt_start(assessment=quiz, user=learner)

    assert "You have an attempt in progress" in page()


def test_the_cached_page_carries_this_requests_csrf_token(page, learner):
    page()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    html = strict.get(page.url).content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = strict.post(
        reverse("pathways:progress_mark"),
        {"kind": "module", "item": page.module.pk, "status": "done", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


def test_each_view_records_one_opened_statement_after_the_response(
    page, django_capture_on_commit_callbacks
):
    opened = Statement.objects.filter(verb_id="http://activitystrea.ms/schema/1.0/open")
    with django_capture_on_commit_callbacks(execute=True):
        page()
        page()  # served from the cache: still recorded

    assert opened.count() == 2
    assert {s.data["object"]["id"].rsplit("/", 1)[1] for s in opened} == {str(page.module.pk)}
