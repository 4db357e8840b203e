"""The incidents API: token-authenticated imports, batch status, who sees what."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from incidents.models import ImportBatch, Incident
from tests.factories import MembershipFactory, TeamFactory
from tests.incidents.conftest import data_file
from tests.incidents.factories import IncidentFactory
from tests.incidents.records import native_record


def _token_client(api_client, user):
    _, key = AuthToken.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_a_manager_imports_by_token_and_reads_the_batch(
    teams, manager, api_client, django_capture_on_commit_callbacks
):
    # given a manager's API token and a batch with one bad record for their teams
    for team in teams.values():
        team.managers.add(manager)
    client = _token_client(api_client, manager)
    records = [native_record(1), native_record(2), {"external_id": "X", "title": ""}]

    # when the records are posted (the task runs once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api-incidents"), {"records": records, "source": "ops"}, format="json"
        )

    # then the answer is 202 with the batch id, and the batch says what happened
    assert response.status_code == 202
    batch_id = response.json()["id"]
    assert response.json() == {
        "id": batch_id,
        "status": "pending",
        "format": "json",
        "source": "ops",
        "url": f"/api/v1/import-batches/{batch_id}/",
    }
    detail = client.get(reverse("api-import-batch-detail", args=[batch_id])).json()
    assert {k: detail[k] for k in ("status", "channel", "created_by", "total_count")} == {
        "status": "done",
        "channel": "api",
        "created_by": manager.email,
        "total_count": 3,
    }
    assert (detail["created_count"], detail["rejected_count"], detail["progress_percent"]) == (
        2,
        1,
        100,
    )
    assert detail["rejected"] == [
        {
            "position": 2,
            "locator": "api element 3",
            "raw": '{"external_id": "X", "title": ""}',
            "errors": [
                {
                    "path": "title",
                    "message": "String should have at least 1 character (got '')",
                }
            ],
        }
    ]
    rejected = client.get(reverse("api-import-batch-rejected", args=[batch_id])).json()
    assert rejected["count"] == 1
    assert Incident.objects.filter(source="ops").count() == 2


def test_a_file_body_in_another_format(
    teams, author, api_client, django_capture_on_commit_callbacks
):
    client = _token_client(api_client, author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api-incidents"),
            {"format": "pagerduty", "content": data_file("pagerduty_incident.json").content},
            format="json",
        )
    assert response.status_code == 202
    assert ImportBatch.objects.get().created_count == 1
    assert Incident.objects.get().source == "pagerduty"


def test_learners_cannot_import(teams, learner, api_client):
    client = _token_client(api_client, learner)

    response = client.post(reverse("api-incidents"), {"records": [native_record(1)]}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only authors, managers and platform admins may import incidents."
    }
    assert (ImportBatch.objects.count(), Incident.objects.count()) == (0, 0)


def test_without_a_token_the_answer_is_401(api_client, db):
    response = api_client.post(reverse("api-incidents"), {"records": [{}]}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"records": [{"a": 1}], "content": "x"},
            {"non_field_errors": ["Send either `records` or `content`."]},
        ),
        ({"format": "xml", "records": [{}]}, {"format": ['"xml" is not a valid choice.']}),
        (
            {"format": "mapped", "records": [{}]},
            {"detail": "The mapped format needs a mapping file."},
        ),
        ({"records": []}, {"records": ["This list may not be empty."]}),
        (
            {"records": [{}], "timezone": "Moon/Base"},
            {"detail": "Time zone: 'Moon/Base' is not a known time zone, e.g. UTC, Europe/Berlin."},
        ),
    ],
)
def test_bad_requests_are_400_and_write_nothing(platform_admin, api_client, body, expected):
    client = _token_client(api_client, platform_admin)

    response = client.post(reverse("api-incidents"), body, format="json")

    assert response.status_code == 400
    assert response.json() == expected
    assert ImportBatch.objects.count() == 0


def test_deeply_nested_json_is_a_bad_request(platform_admin, api_client):
    client = _token_client(api_client, platform_admin)
    body = '{"records": ' + "[" * 5000 + "]" * 5000 + "}"

    response = client.post(reverse("api-incidents"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested too deeply"}


def test_a_manager_sees_only_incidents_of_teams_they_manage(manager, api_client):
    # given an incident in a team the manager manages and one in another team
    mine = IncidentFactory(team=TeamFactory(slug="mine", managers=[manager]), title="Mine")
    other = IncidentFactory(team=TeamFactory(slug="other"), title="Other")
    client = _token_client(api_client, manager)

    listing = client.get(reverse("api-incidents")).json()
    assert [i["title"] for i in listing["results"]] == ["Mine"]
    assert client.get(reverse("api-incident-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("api-incident-detail", args=[other.pk])).status_code == 404


def test_learners_see_their_own_teams_incidents(learner, api_client):
    team = TeamFactory(slug="own")
    MembershipFactory(user=learner, team=team)
    IncidentFactory(team=team, title="Ours")
    IncidentFactory(team=TeamFactory(slug="theirs"), title="Theirs")
    client = _token_client(api_client, learner)

    assert [i["title"] for i in client.get(reverse("api-incidents")).json()["results"]] == ["Ours"]


def test_someone_elses_batch_is_not_found(
    teams, manager, author, api_client, django_capture_on_commit_callbacks
):
    client = _token_client(api_client, author)
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = client.post(
            reverse("api-incidents"), {"records": [native_record(1)]}, format="json"
        ).json()["id"]
    api_client.credentials()
    other = _token_client(api_client, manager)

    assert other.get(reverse("api-import-batch-detail", args=[batch_id])).status_code == 404
    assert other.get(reverse("api-import-batch-rejected", args=[batch_id])).status_code == 404


def test_incident_api_filters(platform_admin, api_client):
    IncidentFactory(severity="SEV1", ai_related=True, failure_mode="hallucination", title="A")
    IncidentFactory(severity="SEV3", title="B")
    client = _token_client(api_client, platform_admin)

    def titles(**params):
        return [i["title"] for i in client.get(reverse("api-incidents"), params).json()["results"]]

    assert titles(severity="SEV1") == ["A"]
    assert titles(ai_related="true") == ["A"]
    assert titles(failure_mode="hallucination") == ["A"]
    assert sorted(titles()) == ["A", "B"]
    detail = client.get(
        reverse("api-incident-detail", args=[Incident.objects.get(title="A").pk])
    ).json()
    assert (
        detail["ttd_seconds"],
        detail["tta_seconds"],
        detail["ttm_seconds"],
        detail["ttr_seconds"],
    ) == (
        600,
        120,
        2400,
        10800,
    )
