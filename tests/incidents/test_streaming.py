"""Large inputs are stored and read in parts; records, locators and results are those
of the whole file."""

import io
import json

import pytest
from django.core.management import call_command

from incidents import streaming
from incidents.models import ImportBatch, ImportDocument, Incident, RejectedRecord
from tests.incidents.records import native_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(streaming, "PART_CHARS", 700)


def test_document_parts_cut_at_line_ends_and_keep_every_byte(small_parts):
    text = "".join(f'{{"n": {n}}}\n' for n in range(500))
    blocks = [text[i : i + 37].encode() for i in range(0, len(text), 37)]
    parts = list(streaming.document_parts("a.jsonl", blocks, "jsonl"))
    assert len(parts) > 3
    assert "".join(p.content for p in parts) == text
    assert all(p.content.endswith("\n") for p in parts)
    assert [p.line_offset for p in parts] == [
        sum(q.content.count("\n") for q in parts[:i]) for i in range(len(parts))
    ]


def test_a_multibyte_character_split_between_blocks_is_decoded_whole():
    data = "é€😀\n".encode() * 3
    blocks = [data[i : i + 1] for i in range(len(data))]
    (part,) = streaming.document_parts("a.jsonl", blocks, "jsonl")
    assert part.content == "é€😀\n" * 3


def test_csv_parts_repeat_the_header_and_never_cut_a_quoted_field(small_parts):
    header = "external_id,title,summary\n"
    rows = [f'A-{n},Title {n},"line one\nline two of {n}"\n' for n in range(100)]
    parts = list(streaming.document_parts("a.csv", [header, *rows], "csv"))
    assert len(parts) > 3
    assert all(p.content.startswith(header) for p in parts)
    assert all(p.content.count('"') % 2 == 0 for p in parts)
    assert parts[0].content + "".join(
        p.content[len(header) :] for p in parts[1:]
    ) == header + "".join(rows)


def _jsonl_with_bad_lines(count: int) -> str:
    lines = [json.dumps(native_record(n)) for n in range(count)]
    lines[7] = '{"external_id": "broken"'
    lines[count - 3] = "not json"
    return "\n".join(lines) + "\n"


def test_a_large_jsonl_file_imports_the_same_in_parts(teams, tmp_path, small_parts):
    # given a file stored as many parts
    path = tmp_path / "big.jsonl"
    path.write_text(_jsonl_with_bad_lines(60))

    call_command(
        "import_postmortems", str(path), "--format", "jsonl", "--sync", stdout=io.StringIO()
    )

    # then every record is imported or rejected once, with the file's own line numbers
    batch = ImportBatch.objects.get()
    assert ImportDocument.objects.filter(batch=batch).count() > 5
    assert (batch.status, batch.total_count, batch.created_count, batch.rejected_count) == (
        "done",
        60,
        58,
        2,
    )
    assert list(RejectedRecord.objects.order_by("position").values_list("locator", "position")) == [
        ("big.jsonl line 8", 7),
        ("big.jsonl line 58", 57),
    ]
    assert Incident.objects.count() == 58


def test_a_large_csv_file_imports_the_same_in_parts(teams, tmp_path, small_parts):
    header = "external_id,title,severity,team,started_at,summary\n"
    rows = [
        f'C-{n},Title {n},SEV2,sre,2025-01-01T10:00:00Z,"first line\nsecond line {n}"\n'
        for n in range(40)
    ]
    rows[30] = 'C-30,Title 30,SEV2,sre,not-a-time,"a\nb"\n'
    path = tmp_path / "big.csv"
    path.write_text(header + "".join(rows))

    call_command("import_postmortems", str(path), "--format", "csv", "--sync", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    assert ImportDocument.objects.filter(batch=batch).count() > 3
    assert (batch.created_count, batch.rejected_count) == (39, 1)
    rejected = RejectedRecord.objects.get()
    assert (rejected.locator, rejected.raw) == ("big.csv line 62", rows[30].rstrip("\n"))
    assert Incident.objects.get(external_id="C-39").summary == "first line\nsecond line 39"


def test_a_resumed_import_reads_on_from_its_cursor(teams, small_parts, monkeypatch):
    from incidents import services

    monkeypatch.setattr(services, "CHUNK_SIZE", 16)
    content = _jsonl_with_bad_lines(70)
    batch = services.import_batch_create(
        format="jsonl",
        documents=list(streaming.document_parts("r.jsonl", [content], "jsonl")),
        created_by=None,
        enqueue=False,
    )
    handed = []
    services.import_batch_process(batch_id=batch.pk, time_budget=0, on_handover=handed.append)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_count, batch.total_count) == ("running", 16, None)

    services.import_batch_process(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.total_count, batch.created_count, batch.rejected_count) == (
        "done",
        70,
        68,
        2,
    )
    assert Incident.objects.count() == 68
