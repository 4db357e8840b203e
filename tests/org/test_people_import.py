from django.urls import reverse

from org import services
from org.models import Membership, PeopleImport, User
from tests.factories import TeamFactory, UserFactory


def test_import_creates_people_updates_existing_and_keeps_bad_rows(
    api_client, platform_admin, django_capture_on_commit_callbacks, mailoutbox
):
    # given two teams, one existing person and a batch with two bad rows
    TeamFactory(slug="sre")
    TeamFactory(slug="data")
    existing = UserFactory(email="old@example.test", full_name="Old Name")
    rows = [
        {
            "email": "new@example.test",
            "full_name": "New Person",
            "team": "sre",
            "job_role": "sre",
            "career_level": "junior",
        },
        {
            "email": "OLD@example.test",
            "full_name": "Renamed",
            "team": "data",
            "job_role": "data-engineer",
        },
        {"email": "not-an-email", "team": "sre", "job_role": "sre"},
        {"email": "x@example.test", "team": "nowhere", "job_role": "sre"},
    ]
    api_client.force_authenticate(platform_admin)

    # when the admin posts them
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(reverse("api-people-import"), {"rows": rows}, format="json")

    # then the import task ran, then the invitation task for the one new person
    assert response.status_code == 202
    # (the other commit callbacks re-stamp the people's cached pages)
    deliveries = [c for c in callbacks if c.__qualname__.startswith("enqueue_on_commit")]
    assert len(deliveries) == 2
    assert [m.to for m in mailoutbox] == [["new@example.test"]]
    batch = PeopleImport.objects.get(pk=response.json()["id"])
    assert batch.status == PeopleImport.Status.DONE
    assert (batch.created_count, batch.updated_count, len(batch.rejected)) == (1, 1, 2)
    assert [r["row"] for r in batch.rejected] == [2, 3]
    assert batch.rejected[0]["data"] == rows[2]
    assert batch.rejected[0]["error"].startswith("email:")
    assert batch.rejected[1]["error"] == "team: no team 'nowhere'"
    new = User.objects.get(email="new@example.test")
    assert not new.has_usable_password()
    assert new.memberships.get().career_level == "junior"
    existing.refresh_from_db()
    assert existing.full_name == "Renamed"
    assert existing.memberships.get().job_role == "data-engineer"

    detail = api_client.get(reverse("api-people-import-detail", args=[batch.pk])).json()
    assert detail["rejected_count"] == 2


def test_processing_twice_does_nothing_the_second_time(db):
    team = TeamFactory(slug="sre")
    batch = PeopleImport.objects.create(
        rows=[{"email": "a@example.test", "team": "sre", "job_role": "sre"}]
    )
    assert services.people_import_process(import_id=batch.pk) is not None
    assert services.people_import_process(import_id=batch.pk) is None
    assert User.objects.filter(email="a@example.test").count() == 1
    assert Membership.objects.filter(team=team).count() == 1
