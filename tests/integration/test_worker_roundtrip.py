import pytest
from django.urls import reverse

from org.models import Membership, PeopleImport
from tests.factories import TeamFactory, UserFactory
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_task_enqueued_by_a_request_runs_in_a_separate_worker(api_client, real_broker):
    # given a platform admin and a team, in committed rows the worker can see
    admin = UserFactory(personas=["learner", "admin"])
    TeamFactory(slug="sre")
    api_client.force_authenticate(admin)

    # when an HTTP request creates a people import (the task goes through Redis)
    response = api_client.post(
        reverse("api-people-import"),
        {
            "rows": [
                {"email": "w1@example.test", "team": "sre", "job_role": "sre"},
                {"email": "bad", "team": "sre", "job_role": "sre"},
            ]
        },
        format="json",
    )
    assert response.status_code == 202
    batch_id = response.json()["id"]
    assert response.json()["status"] == "pending"

    # then the worker process runs it against PostgreSQL and the effect is in the database
    assert wait_for(
        lambda: PeopleImport.objects.get(pk=batch_id).status == PeopleImport.Status.DONE
    ), "the worker did not process the import"
    batch = PeopleImport.objects.get(pk=batch_id)
    assert (batch.created_count, len(batch.rejected)) == (1, 1)
    assert Membership.objects.filter(user__email="w1@example.test", team__slug="sre").exists()
