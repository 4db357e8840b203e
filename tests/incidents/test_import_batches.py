"""Import batches: nothing lost, counts that add up, idempotence, history, crash safety."""

import datetime as dt
import json

import pytest
from django.db import OperationalError

from incidents import services, upsert
from incidents.exceptions import IncidentsError
from incidents.importers import Document
from incidents.models import ImportBatch, Incident, IncidentRevision, RejectedRecord
from tests.incidents.records import jsonl, native_record

MALFORMED = {
    0: (
        '{"external_id": "BROKEN", "title": ',
        "",
        "Invalid JSON: EOF while parsing a value at line 1 column 35",
    ),
    1: (None, "title", "Field required"),
    2: (
        "started_at=2025-13-40",
        "started_at",
        "Input should be a valid datetime or date, month value is outside expected range "
        "of 1-12 (got '2025-13-40')",
    ),
    3: ("resolved_before", "resolved_at", None),
    4: ("team=platform-x", "team", "no team has the slug or name 'platform-x'"),
}


def _thousand_with_five_percent_bad() -> tuple[list[str], dict[int, tuple[str, str | None]]]:
    lines, expected = [], {}
    for n in range(1000):
        record = native_record(n)
        if n % 20 != 7:
            lines.append(json.dumps(record))
            continue
        kind = (n // 20) % 5
        text, path, message = MALFORMED[kind]
        if kind == 0:
            line = text
        elif kind == 1:
            record.pop("title")
            line = json.dumps(record)
        elif kind == 2:
            record["started_at"] = "2025-13-40"
            line = json.dumps(record)
        elif kind == 3:
            record["resolved_at"] = "2024-12-31T00:00:00+00:00"
            record["detected_at"] = record["acknowledged_at"] = None
            line = json.dumps(record)
            message = (
                f"resolved_at 2024-12-31T00:00:00Z is before started_at "
                f"{record['started_at'][:19]}Z; lifecycle timestamps may not go backwards"
            )
        else:
            record["team"] = "platform-x"
            line = json.dumps(record)
        lines.append(line)
        expected[n] = (path, message)
    return lines, expected


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 128)


def test_thousand_records_with_five_percent_malformed(teams, run_import, small_chunks):
    # given 1,000 JSON lines of which 50 are malformed in five different ways
    lines, expected = _thousand_with_five_percent_bad()
    assert len(expected) == 50

    # when the file is imported (in chunks of 128)
    batch = run_import("jsonl", Document("big.jsonl", "\n".join(lines)))

    # then the 950 good ones are in and the counts add up to the input
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (950, 0, 0)
    assert batch.rejected_count == 50
    assert batch.processed_count == batch.total_count == 1000
    assert (
        batch.created_count + batch.updated_count + batch.unchanged_count + batch.rejected_count
        == 1000
    )
    assert Incident.objects.count() == 950
    # and each rejected record reads back with its raw text and its precise error
    rejected = list(RejectedRecord.objects.filter(batch=batch).order_by("position"))
    assert [r.position for r in rejected] == sorted(expected)
    for record in rejected:
        path, message = expected[record.position]
        assert record.raw == lines[record.position]
        assert record.locator == f"big.jsonl line {record.position + 1}"
        assert record.errors == [{"path": path, "message": message}]


def test_importing_the_same_file_twice_creates_nothing(teams, run_import, small_chunks):
    # given a file imported once
    lines, _ = _thousand_with_five_percent_bad()
    document = Document("big.jsonl", "\n".join(lines))
    run_import("jsonl", document)

    # when it is imported again
    again = run_import("jsonl", document)

    # then nothing is created or updated, and the bad records are rejected again
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 950)
    assert again.rejected_count == 50
    assert Incident.objects.count() == 950
    assert IncidentRevision.objects.count() == 0


def test_a_changed_record_is_updated_and_the_change_kept(teams, run_import):
    # given three incidents imported once
    records = [native_record(n) for n in range(3)]
    first = run_import("jsonl", Document("a.jsonl", jsonl(records)))
    incident = Incident.objects.get(external_id="INC-00001")
    created_at = incident.created_at

    # when the same export comes again with one incident changed
    records[1] = native_record(
        1,
        severity="SEV1",
        team="sre",
        resolved_at="2025-01-01T12:00:00+00:00",
        contributing_factors=["alerting-gap", "no-runbook"],
        timeline=[{"at": "2025-01-01T07:10:00Z", "description": "Pager goes off"}],
    )
    second = run_import("jsonl", Document("a.jsonl", jsonl(records)))

    # then only that one is updated, and its history says what changed
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 1, 2)
    incident.refresh_from_db()
    assert (incident.severity, incident.team.slug) == ("SEV1", "sre")
    assert incident.created_at == created_at
    assert (incident.created_batch_id, incident.last_batch_id) == (first.pk, second.pk)
    revision = IncidentRevision.objects.get()
    assert (revision.incident_id, revision.batch_id) == (incident.pk, second.pk)
    assert revision.changes == {
        "severity": ["SEV2", "SEV1"],
        "severity_original": ["SEV2", "SEV1"],
        "team": ["data-eng", "sre"],
        "resolved_at": ["2025-01-01T08:01:00Z", "2025-01-01T12:00:00Z"],
        "contributing_factors": [["alerting-gap"], ["alerting-gap", "no-runbook"]],
        "timeline": [
            [],
            [
                {
                    "position": 0,
                    "at": "2025-01-01T07:10:00Z",
                    "kind": "",
                    "description": "Pager goes off",
                }
            ],
        ],
    }
    assert list(incident.timeline.values_list("description", flat=True)) == ["Pager goes off"]
    assert Incident.objects.get(external_id="INC-00000").last_batch_id == first.pk


def test_the_same_id_twice_in_one_file_counts_once_each(teams, run_import):
    # given a file where INC-00004 appears twice, the second time changed
    records = [native_record(4), native_record(5), native_record(4, title="Renamed")]

    batch = run_import("jsonl", Document("dupes.jsonl", jsonl(records)))

    # then the later one wins and the counts still add up
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (2, 1, 0)
    assert Incident.objects.get(external_id="INC-00004").title == "Renamed"
    assert Incident.objects.count() == 2


def test_running_the_task_twice_does_nothing_the_second_time(teams, run_import):
    batch = run_import("jsonl", Document("a.jsonl", jsonl([native_record(1)])))

    assert services.import_batch_process(batch_id=batch.pk) is None

    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.processed_count) == ("done", 1, 1)


def test_a_crash_mid_import_leaves_whole_chunks_and_the_rerun_finishes(
    teams, monkeypatch, small_chunks
):
    # given a queued batch of 300 records, and a database that fails on the second chunk
    batch = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(n) for n in range(300)]))],
        created_by=None,
        enqueue=False,
    )
    real_insert = upsert._insert_new
    calls = []

    def flaky_insert(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(upsert, "_insert_new", flaky_insert)

    # when the task runs and dies on the second chunk
    with pytest.raises(OperationalError):
        services.import_batch_process(batch_id=batch.pk)

    # then the first chunk is fully there and nothing of the second
    batch.refresh_from_db()
    assert (batch.status, batch.processed_count, batch.created_count) == ("running", 128, 128)
    assert batch.lease_expires_at is None
    assert Incident.objects.count() == 128

    # when the task is retried
    services.import_batch_process(batch_id=batch.pk)

    # then it continues at the cursor and finishes with nothing twice
    batch.refresh_from_db()
    assert (batch.status, batch.processed_count, batch.created_count) == ("done", 300, 300)
    assert Incident.objects.count() == 300


def test_a_long_import_hands_over_to_a_fresh_task(teams, small_chunks):
    batch = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(n) for n in range(300)]))],
        created_by=None,
        enqueue=False,
    )
    handed = []

    services.import_batch_process(batch_id=batch.pk, time_budget=0, on_handover=handed.append)

    batch.refresh_from_db()
    assert (handed, batch.status, batch.processed_count) == ([batch.pk], "running", 128)
    services.import_batch_process(batch_id=batch.pk, time_budget=0, on_handover=handed.append)
    services.import_batch_process(batch_id=batch.pk, time_budget=0, on_handover=handed.append)
    batch.refresh_from_db()
    assert (handed, batch.status, batch.created_count) == ([batch.pk] * 2, "done", 300)


def test_an_unexpected_error_fails_the_batch_with_the_reason(teams, monkeypatch):
    batch = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(1)]))],
        created_by=None,
        enqueue=False,
    )

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "chunk_write", broken)

    result = services.import_batch_process(batch_id=batch.pk)

    assert (result.status, result.error) == ("failed", "RuntimeError: disk on fire")
    assert Incident.objects.count() == 0


def test_a_draft_is_committed_once_and_can_be_discarded(
    teams, django_capture_on_commit_callbacks, settings
):
    settings.INCIDENT_BATCH_DONE_TASKS = []  # count only the import's own task
    draft = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(1)]))],
        created_by=None,
        draft=True,
    )
    assert (draft.status, Incident.objects.count()) == ("draft", 0)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.import_batch_commit(batch=draft)
    assert len(callbacks) == 1
    draft.refresh_from_db()
    assert (draft.status, Incident.objects.count()) == ("done", 1)
    with pytest.raises(IncidentsError, match="already been committed or discarded"):
        services.import_batch_commit(batch=draft)

    other = services.import_batch_create(
        format="jsonl",
        documents=[Document("b.jsonl", jsonl([native_record(2)]))],
        created_by=None,
        draft=True,
    )
    assert services.import_batch_discard(batch=other).status == "discarded"
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"format": "xml"},
            "Unknown format 'xml'; use one of json, jsonl, csv, markdown, "
            "pagerduty, opsgenie, mapped.",
        ),
        (
            {"format": "json", "timezone": "Mars/Olympus"},
            "Time zone: 'Mars/Olympus' is not a known time zone, e.g. UTC, Europe/Berlin.",
        ),
        ({"format": "json", "source": "Bad Source!"}, "The source name must be 1–64 lower-case"),
        ({"format": "mapped"}, "The mapped format needs a mapping file."),
        (
            {"format": "mapped", "mapping": "format: csv\nfields: {title: T}"},
            "The mapping file is not valid: mapping: Value error, fields must map external_id",
        ),
        (
            {"format": "mapped", "mapping": "format: csv\nfields: {external_id: id, colour: c}"},
            "unknown target field(s) colour",
        ),
        (
            {
                "format": "mapped",
                "mapping": "format: csv\nfields:\n  external_id: id\n"
                "  detected_at: {path: d, minutes_after: resolved_at}\n"
                "  resolved_at: {path: r, minutes_after: detected_at}",
            },
            "relative timestamps go round in a circle",
        ),
    ],
)
def test_bad_import_parameters_are_explained(db, options, message):
    with pytest.raises(IncidentsError) as caught:
        services.import_batch_create(documents=[Document("a", "x")], created_by=None, **options)
    assert message in str(caught.value)
    assert ImportBatch.objects.count() == 0


def test_empty_input_is_refused(db):
    with pytest.raises(IncidentsError, match="There is nothing to import"):
        services.import_batch_create(
            format="json", documents=[Document("a", "  \n")], created_by=None
        )


def test_timestamps_are_stored_to_the_second_in_utc(teams, run_import):
    record = native_record(
        1,
        started_at="2025-03-30T01:30:59.999+01:00",
        detected_at=None,
        acknowledged_at=None,
        resolved_at=None,
    )
    run_import("jsonl", Document("a.jsonl", jsonl([record])))
    assert Incident.objects.get().started_at == dt.datetime(2025, 3, 30, 0, 30, 59, tzinfo=dt.UTC)


def test_records_already_there_in_a_later_chunk_are_found(teams, run_import, small_chunks):
    # given 51 incidents already imported, in the middle of a bigger export
    run_import("jsonl", Document("some.jsonl", jsonl([native_record(n) for n in range(300, 351)])))

    # when the whole export is imported (the first chunks are all new, so later
    # chunks are inserted without looking first, until one collides)
    batch = run_import(
        "jsonl", Document("all.jsonl", jsonl([native_record(n) for n in range(400)]))
    )

    # then the collision is noticed and counted right, with no duplicates
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (349, 0, 51)
    assert Incident.objects.count() == 400
    assert Incident.objects.filter(created_batch=batch).count() == 349


def test_batches_nobody_works_on_are_queued_again(teams, django_capture_on_commit_callbacks):
    # given a batch whose worker vanished, a lost pending one, and a healthy running one
    def queued(**fields):
        batch = services.import_batch_create(
            format="jsonl",
            documents=[Document("a.jsonl", jsonl([native_record(len(fields))]))],
            created_by=None,
            enqueue=False,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)
        return batch

    now = dt.datetime.now(dt.UTC)
    vanished = queued(status="running", lease_expires_at=now - dt.timedelta(minutes=1))
    lost = queued(created_at=now - dt.timedelta(minutes=30))
    busy = queued(status="running", lease_expires_at=now + dt.timedelta(minutes=5))

    # when the periodic job runs (its tasks run on commit)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.import_batches_requeue_stale()

    # then the two stuck ones were processed and the busy one left alone
    assert requeued == [vanished.pk, lost.pk]
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert statuses == {vanished.pk: "done", lost.pk: "done", busy.pk: "running"}


def test_prepared_fields_come_in_the_column_order_the_writer_uses(teams):
    # the writer copies Prepared.fields values positionally (upsert.NEW_ROW_COLUMNS)
    from incidents.importers import importer_for
    from incidents.upsert import SCALAR_FIELDS
    from incidents.validation import Directory, validate_record

    importer = importer_for("jsonl")
    (raw,) = importer.split([Document("a.jsonl", jsonl([native_record(1)]))])
    prepared = validate_record(raw, importer, tz=dt.UTC, directory=Directory.load())

    assert list(prepared.fields) == SCALAR_FIELDS
