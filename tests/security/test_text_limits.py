"""Text people type is capped (config.text_limits): a 5 MB pathway summary is refused with
a message naming the limit by the editor page, the API and the catalogue upload, and
nothing is saved."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config import text_limits
from pathways.models import Pathway
from tests.pathways.factories import PathwayFactory, RoleFactory

FIVE_MB = "x" * (5 * 2**20)


@pytest.fixture
def draft(db):
    RoleFactory(slug="sre", name="SRE")
    return Pathway.objects.get(pk=PathwayFactory(slug="tracing", status="draft").pk)


def test_the_editor_refuses_a_5_mb_summary(client, author, draft):
    client.force_login(author)
    response = client.post(
        reverse("pathways:author_pathway_create"),
        {"title": "Huge", "kind": "track", "role": "sre", "duration_weeks": 10, "summary": FIVE_MB},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f"Ensure this value has at most {text_limits.SUMMARY} characters (it has {5 * 2**20})."
        in html
    )
    assert not Pathway.objects.filter(title="Huge").exists()


def test_the_api_refuses_a_5_mb_summary(api_client, author, draft):
    api_client.force_authenticate(author)

    created = api_client.post(
        "/api/v1/pathways/",
        {"title": "Huge", "role": "sre", "duration_weeks": 10, "summary": FIVE_MB},
        format="json",
    )
    patched = api_client.patch(
        f"/api/v1/pathways/{draft.slug}/", {"summary": FIVE_MB}, format="json"
    )

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json() == {
            "summary": [f"Ensure this field has no more than {text_limits.SUMMARY} characters."]
        }
    assert not Pathway.objects.filter(title="Huge").exists()
    draft.refresh_from_db()
    assert draft.summary != FIVE_MB


def _upload(client, summary: str):  # type: ignore[no-untyped-def]
    document = {
        "kind": "track",
        "slug": "huge",
        "version": 1,
        "title": "Huge",
        "duration_weeks": 10,
        "summary": summary,
    }
    upload = SimpleUploadedFile("huge.yaml", yaml.safe_dump(document, width=2**30).encode())
    return client.post(reverse("pathways:author_upload"), {"file": upload})


def test_the_catalogue_upload_refuses_a_5_mb_summary(client, author, draft):
    client.force_login(author)

    whole_file = _upload(client, FIVE_MB)  # over the file cap before it is read
    one_field = _upload(client, "x" * 2**20)  # a 1 MB file: the field cap refuses it

    assert whole_file.status_code == 400
    assert "Catalogue files are limited to 2 MB." in whole_file.content.decode()
    assert one_field.status_code == 400
    html = one_field.content.decode()
    assert "Nothing was saved." in html
    assert "<strong>summary</strong>" in html
    assert f"String should have at most {text_limits.SUMMARY} characters" in html
    assert not Pathway.objects.filter(slug="huge").exists()


def test_a_summary_at_the_limit_is_accepted(api_client, author, draft):
    api_client.force_authenticate(author)
    response = api_client.patch(
        f"/api/v1/pathways/{draft.slug}/", {"summary": "y" * text_limits.SUMMARY}, format="json"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert len(draft.summary) == text_limits.SUMMARY
