"""Incident lists over large scopes count a bounded number of rows, never all of them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import pagination
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_of_five(monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 5)


def _counts(queries) -> list[str]:
    """The counts over incidents (the page header counts other things, e.g. notifications)."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and '"incidents_incident"' in q["sql"]
    ]


def test_a_small_scope_shows_its_exact_count(client, platform_admin, teams, limit_of_five):
    for _ in range(4):
        IncidentFactory(team=teams["sre"])
    client.force_login(platform_admin)

    body = client.get(reverse("incidents:list")).content.decode()

    assert "4 incidents you can see." in body
    assert "About" not in body


def test_a_large_scope_counts_at_most_the_limit_and_says_about(
    client, platform_admin, teams, limit_of_five
):
    for _ in range(8):
        IncidentFactory(team=teams["sre"])
    client.force_login(platform_admin)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("incidents:list")).content.decode()

    counts = _counts(queries.captured_queries)
    assert len(counts) == 1 and "LIMIT 6" in counts[0]
    shown = re.search(r"About (\d+) incidents you can see.", body)
    assert shown is not None and int(shown.group(1)) >= 6


def test_the_api_list_counts_at_most_the_limit(api_client, platform_admin, teams, limit_of_five):
    for _ in range(8):
        IncidentFactory(team=teams["sre"])
    api_client.force_authenticate(platform_admin)

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(reverse("api-incidents"), {"limit": 3}).json()

    counts = _counts(queries.captured_queries)
    assert len(counts) == 1 and "LIMIT 6" in counts[0]
    assert (body["count_is_estimate"], len(body["results"])) == (True, 3)
    assert body["count"] >= 6
