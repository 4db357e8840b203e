"""An OKR edit that overlaps a delete, on PostgreSQL: an admin deletes an objective or a
key result while an editor's form is on its way. Each test holds the delete's transaction
open, waits until the edit is blocked behind it (or done), then lets the delete commit.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from metrics import okrs
from metrics.models import KeyResult, Objective
from tests.concurrency import overlap
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEY_RESULT = {
    "description": "Run two game days",
    "kpi_key": "",
    "statistic": "value",
    "scope": "org",
    "baseline_value": "0",
    "target_value": "2",
    "window_days": "90",
    "current_value": "1",
}


@pytest.fixture
def author(db):
    return UserFactory(personas=["author"])


@pytest.fixture
def objective(author) -> Objective:
    return okrs.objective_save(
        user=author,
        team=None,
        title="Recover faster",
        starts_on=dt.date(2025, 1, 1),
        deadline=dt.date(2027, 1, 1),
    )


def _send(author, url: str, data: dict):  # type: ignore[no-untyped-def]
    """An OKR form, sent by the author in a browser of their own."""
    browser = Client()
    browser.force_login(author)
    return lambda: browser.post(url, data)


def test_an_objective_edited_while_it_is_deleted_stays_deleted(author, objective):
    # given the objective being deleted, not committed yet
    def delete() -> None:
        Objective.objects.get(pk=objective.pk).delete()

    # when an editor saves a new title for it
    data = {"title": "Recover much faster", "team": "", "owner": ""}
    data |= {"starts_on": "2025-01-01", "deadline": "2027-01-01"}
    url = reverse("metrics:objective_edit", args=[objective.pk])
    outcome = overlap(delete, _send(author, url, data))

    # then the edit finds it gone (404) and does not bring it back
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 404
    assert not Objective.objects.exists()


def test_a_key_result_edited_while_it_is_deleted_stays_deleted(author, objective):
    # given a key result being deleted, not committed yet
    result = okrs.key_result_save(
        user=author,
        objective=objective,
        description="Run a game day",
        baseline_value=0,
        target_value=1,
        current_value=0,
    )

    def delete() -> None:
        KeyResult.objects.get(pk=result.pk).delete()

    # when an editor saves a new target for it
    url = reverse("metrics:key_result_edit", args=[objective.pk, result.pk])
    outcome = overlap(delete, _send(author, url, KEY_RESULT))

    # then the edit finds it gone (404) and does not bring it back
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 404
    assert not KeyResult.objects.exists()


def test_a_key_result_added_while_its_objective_is_deleted_is_refused(author, objective):
    # given the objective being deleted, not committed yet
    def delete() -> None:
        Objective.objects.get(pk=objective.pk).delete()

    # when an editor adds a key result to it
    url = reverse("metrics:key_result_new", args=[objective.pk])
    outcome = overlap(delete, _send(author, url, KEY_RESULT))

    # then the new key result finds the objective gone (404), not a server error
    assert "error" not in outcome, outcome
    assert outcome["value"].status_code == 404
    assert not KeyResult.objects.exists()
