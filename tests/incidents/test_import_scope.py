"""A manager imports incidents for the teams they manage, and only for those."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import ImportBatch, Incident
from incidents.services import import_batch_create
from tests.incidents.factories import IncidentFactory
from tests.incidents.records import jsonl, native_record

OUTSIDE = "you may import only for the teams you manage"


def _import_as(user, records, django_capture_on_commit_callbacks, source="ops"):
    from incidents.importers import Document

    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            format="jsonl",
            documents=[Document("incidents.jsonl", jsonl(records))],
            created_by=user,
            source=source,
        )
    batch.refresh_from_db()
    return batch


def test_a_manager_imports_for_their_teams_and_the_rest_is_rejected_with_the_reason(
    teams, manager, django_capture_on_commit_callbacks
):
    # given a manager of SRE only, and one incident of another team already imported
    teams["sre"].managers.add(manager)
    theirs = IncidentFactory(
        source="ops", external_id="INC-00009", team=teams["data-eng"], title="Not yours"
    )
    records = [
        native_record(4, team="sre"),  # their team: created
        native_record(5, team="data-eng"),  # another team: rejected
        native_record(6, team=None, service=None),  # no team at all: rejected
        native_record(9, team="sre", title="Moved to SRE"),  # another team's incident
    ]

    # when the manager imports the file
    batch = _import_as(manager, records, django_capture_on_commit_callbacks)

    # then only the SRE record is written; every other one is kept with its reason
    assert (batch.status, batch.created_count, batch.updated_count, batch.rejected_count) == (
        "done",
        1,
        0,
        3,
    )
    assert batch.created_count + batch.rejected_count == len(records)
    assert list(
        Incident.objects.filter(team=teams["sre"]).values_list("external_id", flat=True)
    ) == ["INC-00004"]
    errors = {r.position: r.errors for r in batch.rejected.order_by("position")}
    assert errors == {
        1: [{"path": "team", "message": OUTSIDE}],
        2: [{"path": "team", "message": "name the team: you import for the teams you manage"}],
        # the same words as for another team: nothing confirms that INC-00009 exists
        3: [{"path": "team", "message": OUTSIDE}],
    }
    assert batch.rejected.get(position=1).raw == jsonl([records[1]]).strip()
    theirs.refresh_from_db()
    assert (theirs.team_id, theirs.title) == (teams["data-eng"].pk, "Not yours")


def test_a_rejection_never_confirms_that_another_teams_incident_id_exists(
    teams, manager, django_capture_on_commit_callbacks
):
    # given a manager of SRE only, and incident INC-00009 of another team
    teams["sre"].managers.add(manager)
    IncidentFactory(source="ops", external_id="INC-00009", team=teams["data-eng"])
    records = [
        native_record(9, team="data-eng"),  # the taken id, for another team
        native_record(7, team="data-eng"),  # a free id, for another team
        native_record(9, team=None, service=None),  # the taken id, no team
        native_record(8, team=None, service=None),  # a free id, no team
        native_record(9, team="sre"),  # the taken id, for their own team
    ]

    batch = _import_as(manager, records, django_capture_on_commit_callbacks)

    rejected = list(batch.rejected.order_by("position"))
    assert [r.position for r in rejected] == [0, 1, 2, 3, 4]
    errors = [r.errors for r in rejected]
    # a taken id reads exactly as a free one: same paths, same words, one error each
    assert errors[0] == errors[1] == errors[4] == [{"path": "team", "message": OUTSIDE}]
    assert errors[2] == errors[3]
    text = str(errors)
    assert "INC-00009" not in text
    assert batch.error == ""


def test_authors_and_command_line_imports_write_for_every_team(
    teams, author, django_capture_on_commit_callbacks
):
    records = [native_record(n) for n in range(4)]  # one for each of the four teams

    by_author = _import_as(author, records, django_capture_on_commit_callbacks, source="a")
    by_command = _import_as(None, records, django_capture_on_commit_callbacks, source="b")

    assert (by_author.created_count, by_author.rejected_count) == (4, 0)
    assert (by_command.created_count, by_command.rejected_count) == (4, 0)


def test_the_preview_shows_what_the_manager_may_not_import(client, manager, teams):
    # given a manager of ML Platform who uploads one record for their team and one not
    teams["ml-platform"].managers.add(manager)
    client.force_login(manager)
    content = jsonl([native_record(2, team="ml-platform"), native_record(3, team="sre")])
    upload = SimpleUploadedFile("incidents.jsonl", content.encode())

    # when the preview is shown
    response = client.post(
        reverse("incidents:import"), {"files": upload, "format": "jsonl", "timezone": "UTC"}
    )
    preview = client.get(response["Location"]).content.decode()

    # then it counts one to create and explains the other, and nothing is written yet
    assert "<strong>1</strong> to create" in preview
    assert "<strong>1</strong> with errors" in preview
    assert OUTSIDE in preview
    assert Incident.objects.count() == 0


def test_commit_and_discard_need_a_user_who_may_still_import(client, manager, teams):
    # given a draft import by someone who has since stopped being a manager
    teams["sre"].managers.add(manager)
    client.force_login(manager)
    upload = SimpleUploadedFile("incidents.jsonl", jsonl([native_record(4)]).encode())
    client.post(
        reverse("incidents:import"), {"files": upload, "format": "jsonl", "timezone": "UTC"}
    )
    batch = ImportBatch.objects.get()
    manager.groups.clear()

    # when they try to commit or discard it, they are refused and nothing changes
    assert client.post(reverse("incidents:batch_commit", args=[batch.pk])).status_code == 403
    assert client.post(reverse("incidents:batch_discard", args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DRAFT
    assert Incident.objects.count() == 0
