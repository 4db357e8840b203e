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
# CI runs a fixed sequence of examples (the "ci" profile in conftest.py); developers
# explore new ones on every run.
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
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


def _shaped(keys: list[str]) -> st.SearchStrategy[dict]:
    """Objects with a tool's own field names (and some others) holding any JSON values."""
    return st.dictionaries(st.sampled_from([*keys, "colour"]), json_values, max_size=8)


# PagerDuty's REST shapes: an incident with its log entries, or a list of incidents.
pd_entry = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry", "other", ""]
        )
        | json_values,
        "created_at": scalars,
    },
    optional={"channel": json_values, "at": json_values},
)
pd_incident = _shaped(
    ["id", "title", "summary", "created_at", "status", "urgency", "priority", "service",
     "teams", "html_url", "description", "last_status_change_at", "acknowledgements"]
)  # fmt: skip
pagerduty_docs = st.one_of(
    st.fixed_dictionaries(
        {"incident": pd_incident | json_values, "log_entries": st.lists(pd_entry, max_size=5)}
    ),
    st.fixed_dictionaries({"incidents": st.lists(pd_incident, max_size=4)}),
)
# Opsgenie's incident shapes: data with a timeline, or a bare list.
og_data = _shaped(
    ["id", "tinyId", "message", "description", "status", "priority", "createdAt", "tags",
     "impactStartDate", "impactEndDate", "impactedServices", "extraProperties", "links"]
)  # fmt: skip
og_entry = st.fixed_dictionaries(
    {"type": st.sampled_from(["ack", "closed", "resolved", "open", ""]), "eventTime": scalars},
    optional={"content": json_values},
)
opsgenie_docs = st.one_of(
    st.fixed_dictionaries(
        {
            "data": og_data | json_values,
            "timeline": st.fixed_dictionaries({"entries": st.lists(og_entry, max_size=5)})
            | st.lists(og_entry, max_size=5),
        }
    ),
    st.lists(og_data, max_size=4),
)
texts = st.one_of(
    pagerduty_docs.map(json.dumps),
    opsgenie_docs.map(json.dumps),
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


api_bodies = st.one_of(
    json_values,
    # records: native-looking, tool-shaped, or anything
    st.lists(near_records | pd_incident | og_data | json_values, max_size=5),
    # a file's text, as `content`, with or without a mapping
    st.fixed_dictionaries(
        {"content": texts},
        optional={"mapping": st.sampled_from([MAPPING, JSON_MAPPING, "", "fields: [1"])},
    ),
)


@SETTINGS
@given(body=api_bodies, format=st.sampled_from(sorted(IMPORTERS)))
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
