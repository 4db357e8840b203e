"""Incident pages: who sees what, filters, detail, upload → preview → commit → result."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import ImportBatch, Incident
from tests.factories import MembershipFactory, TeamFactory
from tests.incidents.conftest import DATA
from tests.incidents.factories import BASE, IncidentFactory, ServiceFactory, TimelineEventFactory
from tests.utils import count_queries


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for name in (
        "incidents:list",
        "incidents:import",
        "incidents:batch_list",
        "incidents:training_map",
    ):
        url = reverse(name)
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


def test_a_manager_sees_only_incidents_of_teams_they_manage(client, manager):
    mine = IncidentFactory(
        team=TeamFactory(slug="mine", name="Mine", managers=[manager]), title="Cache stampede"
    )
    other = IncidentFactory(team=TeamFactory(slug="other", name="Other"), title="Secret outage")
    client.force_login(manager)

    listing = client.get(reverse("incidents:list")).content.decode()

    assert "Cache stampede" in listing and "Secret outage" not in listing
    assert client.get(reverse("incidents:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[other.pk])).status_code == 404


def test_learners_see_their_teams_incidents_and_cannot_import(client, learner):
    team = TeamFactory(slug="own")
    MembershipFactory(user=learner, team=team)
    ours = IncidentFactory(team=team, title="Our incident")
    theirs = IncidentFactory(team=TeamFactory(slug="theirs"))
    client.force_login(learner)

    assert "Our incident" in client.get(reverse("incidents:list")).content.decode()
    assert client.get(reverse("incidents:detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("incidents:import")).status_code == 403
    response = client.post(reverse("incidents:import"), {"format": "csv"})
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0


def test_the_list_needs_the_same_queries_for_5_or_50_incidents(client, platform_admin):
    team = TeamFactory(slug="big")
    service = ServiceFactory(team=team)
    IncidentFactory.create_batch(5, team=team, service=service)
    client.force_login(platform_admin)
    client.get(reverse("notifications:inbox"))  # the signed-in user, read into the cache
    url = reverse("incidents:list") + "?severity=SEV3"
    small, _ = count_queries(lambda: client.get(url))
    IncidentFactory.create_batch(45, team=team, service=ServiceFactory(team=team))
    large, response = count_queries(lambda: client.get(url))
    assert large == small
    assert response.content.decode().count('href="/incidents/') >= 50


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("severity=SEV1", ["Hallucinated refund"]),
        ("team=data", ["Stale embeddings"]),
        ("ai_related=true", ["Hallucinated refund", "Stale embeddings"]),
        ("ai_related=false", ["Gateway down"]),
        ("failure_mode=dependency-outage", ["Gateway down"]),
        ("started_from=2025-05-02", ["Stale embeddings", "Gateway down"]),
        ("started_to=2025-05-02", ["Hallucinated refund", "Stale embeddings"]),
        ("service=gateway", ["Gateway down"]),
        ("factor=no-canary", ["Hallucinated refund"]),
        ("q=stale", ["Stale embeddings"]),
    ],
)
def test_list_filters(client, platform_admin, query, expected):
    ai = TeamFactory(slug="ai", name="AI")
    data = TeamFactory(slug="data", name="Data")
    IncidentFactory(
        title="Hallucinated refund",
        severity="SEV1",
        team=ai,
        ai_related=True,
        failure_mode="hallucination",
        started_at=BASE,
        factors=["no-canary"],
    )
    IncidentFactory(
        title="Stale embeddings",
        team=data,
        ai_related=True,
        failure_mode="drift",
        started_at=BASE + dt.timedelta(days=1, hours=11),
    )
    IncidentFactory(
        title="Gateway down",
        team=ai,
        failure_mode="dependency-outage",
        service=ServiceFactory(slug="gateway", team=ai),
        started_at=BASE + dt.timedelta(days=2),
    )
    client.force_login(platform_admin)

    html = client.get(reverse("incidents:list") + "?" + query).content.decode()

    shown = [
        t for t in ("Hallucinated refund", "Stale embeddings", "Gateway down") if f">{t}<" in html
    ]
    assert sorted(shown) == sorted(expected)


def test_detail_shows_durations_timeline_and_history(client, platform_admin):
    incident = IncidentFactory(title="Checkout latency", failure_mode="capacity")
    TimelineEventFactory(incident=incident, at=BASE, description="Latency alert fires")
    client.force_login(platform_admin)

    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()

    assert "<h1>Checkout latency</h1>" in html
    assert "<td>detected − started</td><td>600</td><td>10 min</td>" in html
    assert "<td>acknowledged − detected</td><td>120</td><td>2 min</td>" in html
    assert "<td>mitigated − started</td><td>2400</td><td>40 min</td>" in html
    assert "<td>resolved − started</td><td>10800</td><td>3 h</td>" in html
    assert "<td>resolved − mitigated</td><td>8400</td><td>2 h 20 min</td>" in html
    assert "Latency alert fires" in html
    assert "No training is mapped to this incident yet." in html


def test_upload_preview_commit_and_result(
    client, author, teams, django_capture_on_commit_callbacks
):
    # given an author and a CSV with one row that breaks the timestamp-order rule
    client.force_login(author)
    upload = SimpleUploadedFile("incidents.csv", (DATA / "incidents.csv").read_bytes())

    # when it is uploaded, a draft batch shows the preview and the error; nothing is written
    response = client.post(
        reverse("incidents:import"), {"files": upload, "format": "csv", "timezone": "UTC"}
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("incidents:batch_detail", args=[batch.pk])
    preview = client.get(response["Location"]).content.decode()
    assert "3 records found." in preview
    assert "<strong>2</strong> to create" in preview and "<strong>1</strong> with errors" in preview
    assert "Ranking model drifted after holiday traffic" in preview
    assert (
        "<code>resolved_at</code>: resolved_at 2025-01-10T11:00:00Z is before started_at" in preview
    )
    assert Incident.objects.count() == 0

    # when committed (the task runs once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:batch_commit", args=[batch.pk]))
    assert response["Location"] == reverse("incidents:batch_detail", args=[batch.pk])

    # then the batch page shows the counts and the rejected row, explained
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 2, 1)
    result = client.get(response["Location"]).content.decode()
    assert "<td>2</td><td>0</td><td>0</td><td>1</td><td>3</td>" in result
    assert "<h2>Rejected records</h2>" in result
    assert "<td>incidents.csv line 4</td>" in result
    assert "INC-3,Embedding job resolved before it started,SEV2" in result
    assert Incident.objects.count() == 2


def test_upload_errors_are_explained(client, author):
    client.force_login(author)
    upload = SimpleUploadedFile("map.csv", b"a,b\n1,2\n")

    response = client.post(
        reverse("incidents:import"), {"files": upload, "format": "mapped", "timezone": "UTC"}
    )

    assert response.status_code == 400
    assert "The mapped format needs a mapping file." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_progress_fragment_refreshes_the_page_when_done(client, author, teams, run_import):
    from tests.incidents.conftest import data_file

    batch = run_import("csv", data_file("incidents.csv"))
    ImportBatch.objects.filter(pk=batch.pk).update(created_by=author)
    client.force_login(author)

    response = client.get(
        reverse("incidents:batch_detail", args=[batch.pk]) + "?part=progress",
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Refresh"] == "true"
    assert "3 of 3 records" in response.content.decode()


def test_someone_elses_batch_page_is_not_found(client, manager, author, teams, run_import):
    from tests.incidents.conftest import data_file

    batch = run_import("csv", data_file("incidents.csv"))
    ImportBatch.objects.filter(pk=batch.pk).update(created_by=author)
    client.force_login(manager)

    assert client.get(reverse("incidents:batch_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("incidents:batch_commit", args=[batch.pk])).status_code == 404


def test_the_admin_lists_incidents_and_batches(client, teams, run_import):
    from django.contrib.auth import get_user_model

    from tests.incidents.conftest import data_file

    run_import("csv", data_file("incidents.csv"))
    admin = get_user_model().objects.create_superuser(email="root@example.test", password="x")
    client.force_login(admin)

    incidents = client.get("/admin/incidents/incident/").content.decode()
    assert "Ranking model drifted after holiday traffic" in incidents
    batch = ImportBatch.objects.get()
    page = client.get(f"/admin/incidents/importbatch/{batch.pk}/change/")
    assert page.status_code == 200
    assert "INC-3,Embedding job resolved before it started" in page.content.decode()
