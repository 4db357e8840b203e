"""Import memory does not grow with the input: no query log keeps the stored parts or
the written chunks, even with DEBUG on, and the command loads no views."""

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from config.querylog import queries_unlogged
from incidents import services, streaming
from incidents.models import ImportBatch, Incident
from tests.incidents.records import native_record

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_an_import_with_debug_on_keeps_none_of_its_input_in_the_query_log(teams, monkeypatch):
    monkeypatch.setattr(streaming, "PART_CHARS", 700)
    monkeypatch.setattr(services, "CHUNK_SIZE", 8)
    content = "".join(json.dumps(native_record(n)) + "\n" for n in range(40))
    connection.queries_log.clear()

    batch = services.import_batch_create(
        format="jsonl",
        documents=streaming.document_parts("m.jsonl", [content], "jsonl"),
        created_by=None,
        channel=ImportBatch.Channel.COMMAND,
        enqueue=False,
    )
    services.import_batch_process(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("done", 40)
    assert Incident.objects.count() == 40
    logged = " ".join(q["sql"] for q in connection.queries_log)
    assert "Incident number" not in logged  # neither a stored part nor a written row
    assert "INC-000" not in logged


@override_settings(DEBUG=True)
def test_an_explicit_capture_still_sees_every_query():
    with CaptureQueriesContext(connection) as captured, queries_unlogged():
        Incident.objects.count()
    assert len(captured.captured_queries) == 1


def test_the_import_command_loads_no_views(teams, tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(native_record(1)) + "\n")
    urls_loaded = "config.urls" in sys.modules
    from incidents.management.commands.import_postmortems import Command

    command = Command(stdout=io.StringIO())
    assert "urls" not in command.requires_system_checks
    call_command(command, str(path), "--format", "jsonl", "--sync", skip_checks=False)
    assert Incident.objects.count() == 1
    if not urls_loaded:  # the URL checks would have imported every view
        assert "config.urls" not in sys.modules
