"""Incident pages show a person nothing of teams they do not belong to or manage."""

from tests.factories import MembershipFactory, TeamFactory
from tests.incidents.factories import IncidentFactory, ServiceFactory


def test_learners_get_403_on_import_batches(client, learner):
    client.force_login(learner)
    assert client.get("/incidents/imports/").status_code == 403
    assert client.get("/incidents/imports/1/").status_code == 403


def test_the_service_filter_lists_only_services_of_visible_incidents(client, learner):
    # given a learner in one team, and incidents of theirs and of another team
    mine, theirs = TeamFactory(slug="mine"), TeamFactory(slug="theirs")
    MembershipFactory(user=learner, team=mine)
    IncidentFactory(team=mine, service=ServiceFactory(slug="our-api", team=mine))
    IncidentFactory(team=theirs, service=ServiceFactory(slug="secret-model", team=theirs))

    client.force_login(learner)
    page = client.get("/incidents/").content.decode()

    # then the filter offers their service and not the other team's
    assert 'value="our-api"' in page
    assert "secret-model" not in page
    # and asking for the other team's service by name is an error, not a confirmation
    response = client.get("/incidents/?service=secret-model")
    assert "Select a valid choice" in response.content.decode()


def test_the_mapping_file_counts_toward_the_upload_limit(monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 100)
    data = {"format": "mapped", "timezone": "UTC"}

    def form(mapping_size):
        files = {
            "files": SimpleUploadedFile("export.csv", b"x" * 60),
            "mapping": SimpleUploadedFile("mapping.yaml", b"y" * mapping_size),
        }
        return forms.ImportForm(data, files)

    small, large = form(40), form(41)
    assert small.is_valid(), small.errors
    assert not large.is_valid()
    assert large.non_field_errors() == [
        "Upload at most 200 MB at once (files and mapping together); split larger exports."
    ]
