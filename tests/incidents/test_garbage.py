"""Garbage in: never a 500, never an unhandled task error, nothing lost."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import services
from incidents.importers import IMPORTERS, Document
from incidents.models import ImportBatch, RejectedRecord
from incidents.schemas import IncidentRecord
from tests.incidents.conftest import DATA

FIELDS = list(IncidentRecord.model_fields)
MAPPING = (DATA / "legacy_tracker_mapping.yaml").read_text()
# A mapping for JSON sources, so the mapped importer sees JSON garbage too.
JSON_MAPPING = (
    "format: json\nfields:\n  external_id: id\n  title: name\n"
    "  started_at: {path: start, format: epoch}\n"
    "  resolved_at: {path: minutes, minutes_after: started_at}\n"
    "  severity: {path: level, map: {'1': SEV1}}\n"
)
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "2025-13-01", "1999-01-01T00:00:00Z", "SEV9", "\x00", "0", "P1"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Records that look native: real field names with any JSON values.
near_records = st.dictionaries(st.sampled_from([*FIELDS, "id", "colour"]), json_values, max_size=10)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(near_records, max_size=5).map(json.dumps),
    st.lists(near_records, max_size=5).map(lambda rs: "\n".join(json.dumps(r) for r in rs)),
    st.lists(st.lists(st.text(max_size=12), max_size=5), max_size=5).map(
        lambda rows: "\n".join(",".join(r) for r in rows)
    ),
    st.builds(
        lambda meta, body: f"---\n{meta}\n---\n# {body}\n\n## Timeline\n\n- 10:00 — {body}\n",
        st.text(max_size=60),
        st.text(max_size=60),
    ),
)


def _import(format: str, text: str) -> ImportBatch | None:
    mapping = {"mapped": JSON_MAPPING if text.lstrip().startswith(("[", "{")) else MAPPING}
    try:
        batch = services.import_batch_create(
            format=format,
            documents=[Document("garbage", text)],
            created_by=None,
            mapping=mapping.get(format, ""),
            enqueue=False,
        )
    except services.IncidentsError:
        return None  # e.g. an empty input: refused with a message, nothing stored
    return services.import_batch_process(batch_id=batch.pk)


@pytest.mark.parametrize("format", sorted(IMPORTERS))
def test_every_importer_survives_garbage(teams, format):
    @SETTINGS
    @given(text=texts)
    def check(text: str) -> None:
        batch = _import(format, text)
        if batch is None:
            return
        # the task finished (no unhandled error) and every record is accounted for
        assert batch.status == ImportBatch.Status.DONE, batch.error
        assert batch.processed_count == batch.total_count
        assert (
            batch.created_count + batch.updated_count + batch.unchanged_count + batch.rejected_count
        ) == batch.total_count
        for rejected in RejectedRecord.objects.filter(batch=batch):
            assert rejected.errors and all(e["message"] for e in rejected.errors)

    check()


@SETTINGS
@given(body=json_values, format=st.sampled_from(sorted(IMPORTERS)))
def test_the_api_answers_garbage_without_a_500(
    teams, platform_admin, api_client, django_capture_on_commit_callbacks, body, format
):
    api_client.force_authenticate(platform_admin)
    if isinstance(body, dict):
        body = {"format": format, **body}
    elif isinstance(body, list):
        body = {"format": format, "records": body, "mapping": JSON_MAPPING}

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(reverse("api-incidents"), body, format="json")

    assert response.status_code in (202, 400), response.content
    if response.status_code == 202:
        batch = ImportBatch.objects.get(pk=response.json()["id"])
        assert batch.status == ImportBatch.Status.DONE, batch.error


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_the_api_answers_undecodable_bodies_with_400(platform_admin, api_client, raw):
    api_client.force_authenticate(platform_admin)
    response = api_client.post(reverse("api-incidents"), raw, content_type="application/json")
    assert response.status_code in (202, 400)
