"""Bytes that are not UTF-8 reject exactly the records holding them, kept escaped."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from incidents.models import ImportBatch, Incident, RejectedRecord
from tests.incidents.records import native_record

pytestmark = pytest.mark.django_db


def _lines_with_bad_bytes() -> bytes:
    lines = [json.dumps(native_record(n), ensure_ascii=False).encode() for n in range(6)]
    # line 2: a lone continuation byte inside the title; line 5: Latin-1 "é" (0xe9)
    lines[1] = lines[1].replace(b"Incident number 1", b"Incident \x80number 1")
    lines[4] = lines[4].replace(b"Incident number 4", b"Caf\xe9 incident 4")
    # line 6: valid UTF-8 that is not ASCII (and a real U+FFFD) is fine
    lines[5] = lines[5].replace(b"Incident number 5", "Café \ufffd 5".encode())
    return b"\n".join(lines) + b"\n"


def _assert_exactly_the_bad_lines_rejected(batch: ImportBatch, data: bytes) -> None:
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 4, 2)
    rejected = list(RejectedRecord.objects.filter(batch=batch).order_by("position"))
    second, fifth = data.split(b"\n")[1], data.split(b"\n")[4]
    assert (second.index(b"\x80"), fifth.index(b"\xe9")) == (48, 42)
    assert [(r.locator.split()[-2:], r.errors) for r in rejected] == [
        (
            ["line", "2"],
            [{"path": "", "message": "invalid UTF-8 at byte offset 48 of the record: 0x80"}],
        ),
        (
            ["line", "5"],
            [{"path": "", "message": "invalid UTF-8 at byte offset 42 of the record: 0xe9"}],
        ),
    ]
    assert rejected[0].raw == second.decode("utf-8", "backslashreplace")
    assert "\\xe9 incident 4" in rejected[1].raw
    titles = set(Incident.objects.values_list("title", flat=True))
    assert titles == {
        "Incident number 0",
        "Incident number 2",
        "Incident number 3",
        "Café \ufffd 5",
    }


def test_the_command_rejects_only_the_lines_with_invalid_utf8(teams, tmp_path):
    data = _lines_with_bad_bytes()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)

    call_command(
        "import_postmortems", str(path), "--format", "jsonl", "--sync", stdout=io.StringIO()
    )

    _assert_exactly_the_bad_lines_rejected(ImportBatch.objects.get(), data)


def test_the_upload_page_rejects_only_the_lines_with_invalid_utf8(
    client, author, teams, django_capture_on_commit_callbacks
):
    data = _lines_with_bad_bytes()
    client.force_login(author)
    upload = SimpleUploadedFile("mixed.jsonl", data)
    client.post(
        reverse("incidents:import"), {"files": upload, "format": "jsonl", "timezone": "UTC"}
    )
    batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:batch_commit", args=[batch.pk]))

    batch.refresh_from_db()
    _assert_exactly_the_bad_lines_rejected(batch, data)


def test_a_csv_row_with_invalid_utf8_is_rejected_and_the_others_imported(teams, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"external_id,title,severity,team,started_at\n"
        b"A-1,Fine row,SEV2,sre,2025-01-01T10:00:00Z\n"
        b"A-2,Bad \xff\xfe row,SEV2,sre,2025-01-01T11:00:00Z\n"
    )

    call_command("import_postmortems", str(path), "--format", "csv", "--sync", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    assert (batch.created_count, batch.rejected_count) == (1, 1)
    rejected = RejectedRecord.objects.get(batch=batch)
    assert rejected.errors[0]["message"].startswith("invalid UTF-8 at byte offset 8 of the record")
    assert "\\xff\\xfe" in rejected.raw
