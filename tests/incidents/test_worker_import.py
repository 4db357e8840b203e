"""An API import processed by a real Celery worker on PostgreSQL + Redis."""

import pytest
from django.urls import reverse

from incidents.models import ImportBatch, Incident
from tests.factories import TeamFactory, UserFactory
from tests.incidents.records import TEAMS, native_record

# The worker fixtures live with the integration tests; importing them makes them usable here.
from tests.integration.conftest import celery_worker_process, real_broker, wait_for  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("real_broker")
def test_an_api_import_runs_in_a_separate_worker(api_client):
    # given a manager of the teams, in committed rows the worker can see
    manager = UserFactory(personas=["learner", "manager"])
    for slug in TEAMS:
        TeamFactory(slug=slug, managers=[manager])
    api_client.force_authenticate(manager)
    records = [native_record(n) for n in range(40)] + [{"external_id": "BAD"}]

    # when the records are posted (the task goes through Redis)
    response = api_client.post(reverse("api-incidents"), {"records": records}, format="json")
    assert response.status_code == 202
    batch_id = response.json()["id"]

    # then the worker imports them and the batch is done with the bad one explained
    assert wait_for(
        lambda: ImportBatch.objects.get(pk=batch_id).status == ImportBatch.Status.DONE
    ), "the worker did not finish the import"
    batch = ImportBatch.objects.get(pk=batch_id)
    assert (batch.created_count, batch.rejected_count, batch.total_count) == (40, 1, 41)
    assert batch.rejected.get().errors == [{"path": "title", "message": "Field required"}]
    assert Incident.objects.count() == 40
