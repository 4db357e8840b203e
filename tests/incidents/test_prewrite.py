"""Rows formatted ahead of a chunk's write (incidents.prewrite), on PostgreSQL: used when
the chunk's records are new, and set aside, with the same results, when one exists."""

import pytest

from incidents import prewrite, services, upsert
from incidents.importers import Document
from incidents.models import Incident
from tests.factories import TeamFactory
from tests.incidents.records import TEAMS, jsonl, native_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _import(numbers: list[int]) -> services.ImportBatch:
    batch = services.import_batch_create(
        format="jsonl",
        documents=[Document("a.jsonl", jsonl([native_record(n) for n in numbers]))],
        created_by=None,
        enqueue=False,
    )
    services.import_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def counted(monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 100)
    for slug in TEAMS:
        TeamFactory(slug=slug)
    made, sent = [], []
    real_prewrite, real_insert = prewrite.chunk_prewrite, upsert._insert_new

    def chunk_prewrite(*args, **kwargs):
        result = real_prewrite(*args, **kwargs)
        made.append(result is not None)
        return result

    def insert_new(*args, **kwargs):
        sent.append(kwargs.get("prewritten") is not None)
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(services, "chunk_prewrite", chunk_prewrite)
    monkeypatch.setattr(upsert, "_insert_new", insert_new)
    return made, sent


def test_chunks_of_new_records_are_sent_as_formatted_ahead(counted):
    made, sent = counted
    # when 500 new records are imported in chunks of 100
    batch = _import(list(range(500)))
    # then the later chunks were formatted ahead and sent as they were
    assert any(made)
    assert (batch.status, batch.created_count, Incident.objects.count()) == ("done", 500, 500)
    assert any(sent)
    assert len(set(Incident.objects.values_list("external_id", flat=True))) == 500


def test_a_record_that_exists_after_all_sets_the_formatted_rows_aside(counted):
    made, sent = counted
    # given one record already imported
    _import([450])
    made.clear()
    sent.clear()
    # when a file of 500 records, that one among them in a late chunk, is imported
    batch = _import(list(range(500)))
    # then the chunk holding it is written the usual way, and the counts add up
    assert batch.status == "done"
    assert (batch.created_count, batch.unchanged_count, batch.updated_count) == (499, 1, 0)
    assert Incident.objects.count() == 500
    assert any(sent) and any(made)
