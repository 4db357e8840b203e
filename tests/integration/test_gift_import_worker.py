"""A GIFT file over the caps read while the author waits is imported by a real worker
process on PostgreSQL, and the status page shows the result."""

import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import GiftImport, Question
from tests.assessments.factories import QuestionBankFactory
from tests.factories import UserFactory
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_large_gift_file_is_imported_by_the_worker(client, idle_worker):
    author = UserFactory(personas=["learner", "author"])
    bank = QuestionBankFactory()
    count = settings.ASSESSMENTS_GIFT_MAX_QUESTIONS + 200  # the worker runs with the defaults
    text = "\n\n".join(f"::Q{n}:: Question {n}? {{=right ~wrong}}" for n in range(count))
    text += "\n\n::Broken:: No right answer {~a ~b}\n"
    client.force_login(author)

    response = client.post(
        reverse("assessments:gift_import", args=[bank.pk]), {"text": text, "action": "import-valid"}
    )

    job = GiftImport.objects.get()
    assert response["Location"] == reverse("assessments:gift_import_status", args=[job.pk])
    assert wait_for(lambda: GiftImport.objects.get(pk=job.pk).is_finished, timeout=120), (
        "the worker did not finish the import"
    )
    job.refresh_from_db()
    assert (job.status, job.total_count, job.processed_count) == ("done", count, count)
    assert (job.created_count, job.updated_count) == (count, 0)
    assert job.errors == [
        f"line {2 * count + 1} (Broken): no answer is marked right (= or a positive %weight%)"
    ]
    assert Question.objects.filter(bank=bank).count() == count
    page = client.get(response["Location"]).content.decode()
    assert f"{count} questions imported, 0 updated; 1 left out." in page
