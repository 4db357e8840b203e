"""GIFT files over the caps read while the author waits, and within the hard caps, are
imported by a background task (eager here) whose progress and results the author sees."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.exceptions import AssessmentError
from assessments.models import GiftImport, Question
from tests.assessments.factories import QuestionBankFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caps(settings):
    settings.ASSESSMENTS_GIFT_MAX_QUESTIONS = 5
    settings.ASSESSMENTS_GIFT_TASK_MAX_QUESTIONS = 40
    settings.ASSESSMENTS_GIFT_TASK_CHUNK = 7
    return settings


def gift_file(count: int, bad_at: int | None = None) -> str:
    blocks = []
    for n in range(1, count + 1):
        answers = "{~a ~b}" if n == bad_at else "{=right ~wrong#no}"
        blocks.append(f"::Q{n}:: Question {n}? {answers}")
    return "\n\n".join(blocks) + "\n"


def test_a_large_file_is_imported_in_the_background_with_its_errors_kept(
    caps, client, author, django_capture_on_commit_callbacks
):
    bank = QuestionBankFactory()
    client.force_login(author)
    url = reverse("assessments:gift_import", args=[bank.pk])
    text = gift_file(20, bad_at=4)

    # the preview says the file is imported in the background, and checks nothing yet
    preview = client.post(url, {"text": text, "action": "preview"}).content.decode()
    assert "larger than what is checked while you wait" in preview
    assert 'value="import-valid"' in preview and "Import in the background" in preview
    assert not Question.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": text, "action": "import-valid"})

    job = GiftImport.objects.get()
    assert response["Location"] == reverse("assessments:gift_import_status", args=[job.pk])
    assert (job.status, job.total_count, job.processed_count) == ("done", 19, 19)
    assert (job.created_count, job.updated_count, job.created_by) == (19, 0, author)
    assert job.errors == ["line 7 (Q4): no answer is marked right (= or a positive %weight%)"]
    assert job.text == ""
    assert Question.objects.filter(bank=bank).count() == 19
    assert Question.objects.get(bank=bank, title="Q20").spec["choices"][1]["feedback"] == "no"

    page = client.get(response["Location"]).content.decode()
    assert "19 questions imported, 0 updated; 1 left out." in page
    assert "line 7 (Q4): no answer is marked right" in page
    fragment = client.get(response["Location"] + "?part=progress", headers={"HX-Request": "true"})
    assert "19 of 19 questions written" in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"


def test_a_queued_import_shows_its_progress_and_polls(caps, client, author):
    bank = QuestionBankFactory()
    job = services.gift_import_start(bank=bank, text=gift_file(10), user=author)  # not run
    client.force_login(author)
    url = reverse("assessments:gift_import_status", args=[job.pk])

    fragment = client.get(url + "?part=progress", headers={"HX-Request": "true"})

    body = fragment.content.decode()
    assert "Queued" in body and 'hx-trigger="every 1s"' in body
    assert "HX-Refresh" not in fragment
    assert "Result" not in client.get(url).content.decode()


def test_reimporting_in_the_background_updates_and_runs_once(
    caps, author, django_capture_on_commit_callbacks
):
    bank = QuestionBankFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.gift_import_start(bank=bank, text=gift_file(12), user=author)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.gift_import_start(bank=bank, text=gift_file(12), user=author)
    second.refresh_from_db()

    assert (second.created_count, second.updated_count) == (0, 12)
    assert Question.objects.filter(bank=bank).count() == 12
    # a second delivery of the task finds the import taken and writes nothing
    again = services.gift_import_run(import_id=first.pk)
    assert (again.status, again.created_count) == ("done", 12)
    assert Question.objects.filter(bank=bank).count() == 12


def test_over_the_hard_caps_is_refused_with_a_clear_error(caps, client, author):
    bank = QuestionBankFactory()
    with pytest.raises(AssessmentError, match="holds 41 questions; at most 40 are imported, in"):
        services.gift_needs_task(text=gift_file(41))
    assert services.gift_needs_task(text=gift_file(40)) is True
    assert services.gift_needs_task(text=gift_file(5)) is False

    client.force_login(author)
    page = client.post(
        reverse("assessments:gift_import", args=[bank.pk]),
        {"text": gift_file(41), "action": "import-valid"},
    ).content.decode()
    assert "at most 40 are imported, in the background. Split it into smaller files." in page
    assert not GiftImport.objects.exists()
    # the API reads only what it can while the client waits
    with pytest.raises(AssessmentError, match="holds 6 questions; at most 5 are read at once"):
        services.gift_import(bank=bank, text=gift_file(6))


def test_a_file_with_no_questions_fails_with_the_reason(caps, author):
    bank = QuestionBankFactory()
    job = GiftImport.objects.create(bank=bank, text="// only a comment\n")

    services.gift_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "The file holds no questions.")
    assert job.finished_at is not None
