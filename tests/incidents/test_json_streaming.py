"""JSON exports are stored in parts cut anywhere and read back as a stream: every record,
its raw text, locator and errors are those of the whole file, for any cut."""

import io
import itertools
import json

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from incidents import services, streaming
from incidents.importers import importer_for
from incidents.importers.base import Document, dump, iter_json_array
from incidents.importers.jsonstream import stream_json_array
from incidents.models import ImportBatch, ImportDocument, Incident, RejectedRecord
from tests.incidents.records import native_record

ARRAYS = [
    '[{"a": 1}, {"b": [1, 2, {"c": "x,]}"}]}, 12345, "s\\"q", true, null]',
    '\ufeff[\n  {"a": 1},\n  {"b": "é€😀"}\n]\n',
    "[]",
    "  [ ]  ",
    '[{"a": 1}, {"b": 2]',  # broken element
    '[{"a": 1}, {"b": 2}] trailing',
    '[{"a": 1}, {"b": 2}',  # not closed
    '[{"a": 1} {"b": 2}]',  # missing comma
    '[{"a": 1},\n {"b": "unterminated}]',
    "[1.5, 2e10, -3, 12345678901234567890]",
    "[",
]


SINGLE = '{"id": "X", "title": "x", "message": "y"}'


def _summary(records):
    return [(r.locator, r.raw, r.data, r.errors) for r in records]


def _cut(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


@pytest.mark.parametrize("text", ARRAYS)
@given(cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_a_streamed_array_reads_as_the_whole_text_for_any_cut(text, cuts):
    whole = text[1:] if text.startswith("\ufeff") else text
    expected = _summary(iter_json_array(whole, "f.json"))
    assert _summary(stream_json_array(_cut(text, cuts), "f.json")) == expected


def test_the_text_before_the_current_element_is_let_go(monkeypatch):
    from incidents.importers import jsonstream

    monkeypatch.setattr(jsonstream, "KEEP_CHARS", 64)
    text = "[" + ",\n".join(json.dumps({"n": n, "pad": "x" * 20}) for n in range(300)) + "\n, oops]"
    parts = [text[i : i + 50] for i in range(0, len(text), 50)]
    records = list(stream_json_array(parts, "f.json"))
    assert _summary(records) == _summary(iter_json_array(text, "f.json"))
    assert records[-1].errors[0]["message"].startswith("invalid JSON at line 301, column 3")


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(streaming, "PART_CHARS", 500)


def test_json_files_are_cut_anywhere_and_keep_every_character(small_parts):
    text = json.dumps([native_record(n) for n in range(40)])
    blocks = [text[i : i + 37].encode() for i in range(0, len(text), 37)]
    parts = list(streaming.document_parts("a.json", blocks, "json"))
    assert len(parts) > 5
    assert "".join(p.content for p in parts) == text
    assert [p.continues for p in parts] == [False] + [True] * (len(parts) - 1)


@pytest.mark.parametrize("format", ["json", "pagerduty", "opsgenie"])
def test_every_json_format_reads_parts_as_one_file(small_parts, format):
    records = [{"id": f"P{n}", "title": f"t{n}", "message": f"m{n}"} for n in range(30)]
    text = json.dumps(records, indent=1)
    parts = [
        *streaming.document_parts("one.json", [text], format),
        *streaming.document_parts("two.json", [SINGLE], format),
    ]
    split = list(importer_for(format).split(parts))
    whole = list(
        importer_for(format).split([Document("one.json", text), Document("two.json", SINGLE)])
    )
    assert len(split) == 31
    assert _summary(split) == _summary(whole)


def test_a_mapped_json_array_in_parts_reads_as_one_file(small_parts):
    mapping = "format: json\nfields:\n  external_id: id\n  title: name\n"
    text = json.dumps([{"id": f"M{n}", "name": f"n{n}"} for n in range(30)])
    parts = list(streaming.document_parts("m.json", [text], "json"))
    importer = importer_for("mapped", _options(mapping))
    assert len(parts) > 1
    assert _summary(importer.split(parts)) == _summary(importer.split([Document("m.json", text)]))


def _options(mapping):
    from incidents.importers import ImportOptions

    return ImportOptions(mapping=mapping)


@pytest.mark.django_db
def test_a_large_json_array_imports_the_same_in_parts(teams, tmp_path, small_parts):
    records = [native_record(n) for n in range(50)]
    records[9]["started_at"] = "not a time"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records, indent=2))

    call_command(
        "import_postmortems", str(path), "--format", "json", "--sync", stdout=io.StringIO()
    )

    batch = ImportBatch.objects.get()
    assert ImportDocument.objects.filter(batch=batch, continues=True).count() > 5
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 49, 1)
    rejected = RejectedRecord.objects.get()
    assert rejected.locator == "big.json element 10"
    assert json.loads(rejected.raw) == records[9]
    assert Incident.objects.count() == 49


@pytest.mark.django_db
def test_an_api_body_is_stored_in_parts(teams, platform_admin, api_client, small_parts):
    api_client.force_authenticate(platform_admin)
    records = [native_record(n) for n in range(30)]
    answer = api_client.post(
        "/api/v1/incidents/", {"format": "json", "records": records}, format="json"
    )
    assert answer.status_code == 202, answer.content
    batch = ImportBatch.objects.get(pk=answer.json()["id"])
    assert ImportDocument.objects.filter(batch=batch).count() > 3
    services.import_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 30, 0), list(
        RejectedRecord.objects.values_list("locator", "errors")[:3]
    )


@pytest.mark.django_db
def test_an_api_body_is_read_as_a_stream_whatever_the_order_of_its_fields(
    teams, platform_admin, api_client
):
    api_client.force_authenticate(platform_admin)
    records = [native_record(n) for n in range(5)]
    records[2]["summary"] = "é€😀 \u2028 1.5e3"
    body = '{"records": ' + json.dumps(records) + ', "source": "ops", "name": "late.json"}'

    answer = api_client.post("/api/v1/incidents/", body, content_type="application/json")

    assert answer.status_code == 202, answer.content
    batch = ImportBatch.objects.get(pk=answer.json()["id"])
    assert (batch.source, batch.format) == ("ops", "json")
    stored = "".join(batch.documents.order_by("position").values_list("content", flat=True))
    assert stored == dump(records)
    assert batch.documents.first().name == "late.json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"records": [1, 2', None),  # malformed: the JSON parser's own message
        ("[1, 2]", {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ('{"records": {"a": 1}}', {"records": ['Expected a list of items but got type "dict".']}),
        ('{"records": [], "format": "json"}', {"records": ["This list may not be empty."]}),
        ('{"content": {"a": 1}}', {"content": ["Not a valid string."]}),
    ],
)
def test_a_bad_streamed_body_gets_the_usual_answer(platform_admin, api_client, body, expected):
    api_client.force_authenticate(platform_admin)
    answer = api_client.post("/api/v1/incidents/", body, content_type="application/json")
    assert answer.status_code == 400
    if expected is None:
        assert answer.json()["detail"].startswith("JSON parse error")
    else:
        assert answer.json() == expected
    assert not ImportBatch.objects.exists()
