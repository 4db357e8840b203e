"""The incident sources page: each source's last sync (time, result, records, error)
and last webhook, for admins (all sources) and managers (their teams' sources)."""

import datetime as dt

import pytest
from django.urls import reverse

from incidents.models import ImportBatch, IncidentSource, WebhookDelivery
from tests.factories import IncidentSourceFactory, TeamFactory

URL = reverse("incidents:source_list")
SYNCED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sources(db, manager):
    mine = TeamFactory(name="Payments", managers=[manager])
    other = TeamFactory(name="Search")
    ok = IncidentSourceFactory(
        name="pd-payments",
        team=mine,
        last_sync_at=SYNCED,
        last_status="ok",
        last_records=7,
    )
    failing = IncidentSourceFactory(
        name="og-search",
        kind="opsgenie",
        team=other,
        last_sync_at=SYNCED,
        last_status="error",
        last_error="Opsgenie refused the token (HTTP 401): Could not authenticate",
    )
    hooks = IncidentSourceFactory(name="status-hooks", kind="generic", team=mine)
    batch = ImportBatch.objects.create(
        format="mapped",
        source="status-hooks",
        status="done",
        total_count=3,
        processed_count=3,
        created_count=2,
        rejected_count=1,
    )
    WebhookDelivery.objects.create(source=hooks, event_id="e1", batch=batch)
    return ok, failing, hooks


def rows(response) -> dict[str, str]:
    html = response.content.decode()
    found = {}
    for name in ("pd-payments", "og-search", "status-hooks"):
        marker = f'data-source="{name}"'
        if marker in html:
            start = html.index(marker)
            found[name] = html[start : html.index("</tr>", start)]
    return found


def test_an_admin_sees_every_source_with_its_last_sync_and_error(client, platform_admin, sources):
    client.force_login(platform_admin)

    response = client.get(URL)

    assert response.status_code == 200
    shown = rows(response)
    assert set(shown) == {"pd-payments", "og-search", "status-hooks"}
    assert "2026-03-02 09:30" in shown["pd-payments"] and ">OK<" in shown["pd-payments"]
    assert "<td>7</td>" in shown["pd-payments"]
    assert ">Error<" in shown["og-search"]
    assert "Opsgenie refused the token (HTTP 401): Could not authenticate" in shown["og-search"]
    assert "Webhooks only" in shown["status-hooks"]
    assert "done, 3 records, 1 rejected" in shown["status-hooks"]
    assert "Sync now" in shown["pd-payments"] and "Sync now" not in shown["status-hooks"]


def test_a_manager_sees_only_the_sources_of_teams_they_manage(client, manager, sources):
    client.force_login(manager)

    response = client.get(URL)

    assert response.status_code == 200
    assert set(rows(response)) == {"pd-payments", "status-hooks"}
    assert "Could not authenticate" not in response.content.decode()
    assert "Sync now" not in response.content.decode()


@pytest.mark.parametrize("persona", ["learner", "author"])
def test_learners_and_authors_may_not_see_sources(client, request, persona, sources):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, sources):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_reads_a_constant_number_of_queries(
    client, platform_admin, sources, django_assert_max_num_queries
):
    client.force_login(platform_admin)
    client.get(URL)  # warm the session and persona caches
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    IncidentSourceFactory.create_batch(6, team=TeamFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(rows(response)) == 3 and response.content.decode().count("data-source=") == 9


def test_sync_now_is_for_admins_and_records_the_outcome(
    client, platform_admin, manager, sources, django_capture_on_commit_callbacks
):
    ok, _, hooks = sources
    IncidentSource.objects.filter(pk=ok.pk).update(base_url="http://127.0.0.1:9")  # discard port

    client.force_login(manager)
    assert client.post(reverse("incidents:source_sync_now", args=[ok.pk])).status_code == 403

    client.force_login(platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(reverse("incidents:source_sync_now", args=[ok.pk]))
    response = client.get(queued["Location"])

    ok.refresh_from_db()
    assert response.status_code == 200
    assert ok.last_status == "error"  # no token stored for it
    assert "No API token can be read" in ok.last_error
    assert ok.last_error in response.content.decode()
    refused = client.post(reverse("incidents:source_sync_now", args=[hooks.pk]), follow=True)
    assert "takes webhooks only" in refused.content.decode()
