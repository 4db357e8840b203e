"""Broker or database down: the API answers 202 or 503 (never an HTML 500), pages say
"try again", and what the broker refused is sent once it is back."""

import pytest
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import ImportBatch, Incident
from incidents.tasks import import_batch_process
from org.models import OutboxMessage
from org.outbox import outbox_send
from tests.incidents.records import native_record

pytestmark = pytest.mark.django_db


def test_an_import_posted_while_the_broker_is_down_is_accepted_and_sent_later(
    platform_admin, teams, monkeypatch, django_capture_on_commit_callbacks
):
    # given a broker that refuses messages
    real_apply_async = import_batch_process.apply_async

    def refused(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(import_batch_process, "apply_async", refused)
    client = APIClient()
    client.force_authenticate(platform_admin)

    # when a batch is posted
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api-incidents"), {"records": [native_record(1)]}, format="json"
        )

    # then it is accepted (once), and its message waits in the outbox
    assert response.status_code == 202
    batch = ImportBatch.objects.get()
    assert batch.status == "pending"
    stored = OutboxMessage.objects.get()
    assert (stored.task, stored.args, "Connection refused" in stored.last_error) == (
        "incidents.tasks.import_batch_process",
        [batch.pk],
        True,
    )

    # when the broker is back and the outbox job runs
    monkeypatch.setattr(import_batch_process, "apply_async", real_apply_async)
    assert outbox_send() == 1

    # then the batch is imported and the outbox is empty
    batch.refresh_from_db()
    assert (batch.status, Incident.objects.count(), OutboxMessage.objects.count()) == ("done", 1, 0)


def test_the_outbox_keeps_messages_while_the_broker_still_refuses(db, monkeypatch):
    OutboxMessage.objects.create(task="incidents.tasks.import_batch_process", args=[1])

    def refused(*args, **kwargs):
        raise BrokerError("Connection refused.")

    monkeypatch.setattr(import_batch_process, "apply_async", refused)
    assert outbox_send() == 0
    assert OutboxMessage.objects.get().tries == 1


@pytest.fixture
def database_lost(monkeypatch):
    def lost(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(selectors, "incident_list", lost)


def test_the_api_answers_503_json_with_retry_after_when_the_database_is_lost(
    platform_admin, database_lost
):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(platform_admin)

    response = client.get(reverse("api-incidents"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": "The database is unavailable; try again shortly."}


def test_pages_show_a_friendly_try_again_page_when_the_database_is_lost(
    client, platform_admin, database_lost
):
    client.raise_request_exception = False
    client.force_login(platform_admin)

    response = client.get(reverse("incidents:list"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Back in a moment" in body and "cannot reach its database" in body


def test_other_errors_stay_500(client, platform_admin, monkeypatch):
    def bug(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(selectors, "incident_list", bug)
    client.raise_request_exception = False
    client.force_login(platform_admin)

    assert client.get(reverse("incidents:list")).status_code == 500
