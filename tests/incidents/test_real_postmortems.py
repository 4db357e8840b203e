"""Postmortems as teams write them and archives in shapes nobody here chose: one command
per set imports every postmortem, leaves out only impossible values, and the KPIs
equal hand-computed figures."""

import datetime as dt
import io
import json
from decimal import Decimal

from django.core.management import call_command

from incidents.models import ImportBatch, Incident, RejectedRecord
from metrics import selectors
from metrics import services as metrics_services
from tests.incidents.conftest import DATA

D = Decimal
COLLECTION = DATA / "postmortem_collection"
ARCHIVE = DATA / "status_archive"
UTC = dt.UTC


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_postmortems", *args, stdout=out)
    return out.getvalue()


def report(scope: str, first: str, last: str, period: str = "quarter"):
    metrics_services.rollups_recompute_all()
    return selectors.incident_report(
        scope=selectors.scope_parse(scope),
        period=period,
        first=dt.date.fromisoformat(first),
        last=dt.date.fromisoformat(last),
    )


def figures(summary) -> tuple:
    return summary.n, summary.excluded, summary.median, summary.p90, summary.mean


def test_a_folder_of_postmortems_nobody_here_wrote(db):
    # given a collection with unknown keys, aliases, no title, a 1985 incident, a file
    # without times, an impossible end date and one whose times go backwards
    # when the folder is imported with one command
    output = run(str(COLLECTION), "--format", "markdown", "--sync")

    # then everything that is a postmortem is imported; only the backwards one is rejected
    batch = ImportBatch.objects.get()
    assert output.splitlines()[0] == (
        f"Import #{batch.pk} (postmortems) done: 7 records: 6 created, 0 updated, "
        "0 unchanged, 1 rejected."
    )
    rejected = RejectedRecord.objects.get()
    assert rejected.locator == "backwards.md"
    assert [e["path"] for e in rejected.errors] == ["resolved_at"]
    assert list(batch.documents.values_list("name", flat=True)) == [
        "1980s/therapy-machine-1985.md",
        "backwards.md",
        "capacity-planning-2020.md",
        "dns-resolution.md",
        "impossible-end.md",
        "storage-outage-2017.md",
        "untitled-outage.md",
    ]
    by_id = {i.external_id: i for i in Incident.objects.select_related("service")}
    assert sorted(by_id) == [
        "6f1c2a9e-4b7d-4e0a-9d51-2c8f0e7b3a11",
        "capacity-planning-2020",
        "dns-resolution",
        "impossible-end",
        "therapy-machine-1985",
        "untitled-outage",
    ]

    # unknown keys are attributes; aliases fill the native fields
    storage = by_id["6f1c2a9e-4b7d-4e0a-9d51-2c8f0e7b3a11"]
    assert storage.attributes == {
        "company": "Example Cloud",
        "categories": ["cloud", "config-change"],
        "keywords": ["typo", "playbook", "capacity"],
        "source_published_at": "2017-03-02",
        "archive_url": "https://archive.example.org/storage-2017",
    }
    assert (storage.severity, storage.severity_original) == ("SEV2", "major")
    assert storage.service.name == "Object Storage"
    assert storage.started_at == dt.datetime(2017, 2, 28, 17, 37, tzinfo=UTC)
    assert storage.resolved_at == dt.datetime(2017, 2, 28, 21, 54, tzinfo=UTC)
    assert storage.ttr_seconds == 15420
    assert storage.dropped_fields == []

    # a 1985 incident keeps its own dates (converted to UTC)
    therapy = by_id["therapy-machine-1985"]
    assert therapy.started_at == dt.datetime(1985, 6, 3, 19, 0, tzinfo=UTC)
    assert (therapy.ttd_seconds, therapy.ttr_seconds) == (1200, 16200)

    # title: the front matter, else the first heading, else the file name
    assert by_id["untitled-outage"].title == "untitled outage"
    assert by_id["dns-resolution"].title == "Internal DNS stopped resolving"
    dns = by_id["dns-resolution"]
    assert (dns.severity, dns.attributes, dns.service.slug) == (
        "SEV1",
        {"region": "eu-west"},
        "dns",
    )
    assert (dns.ttd_seconds, dns.tta_seconds, dns.ttm_seconds, dns.ttr_seconds) == (
        600,
        300,
        2400,
        3600,
    )

    # a day without times: in its period, in no duration
    capacity = by_id["capacity-planning-2020"]
    assert capacity.started_at == dt.datetime(2020, 1, 20, tzinfo=UTC)
    assert capacity.resolved_at is None

    # impossible values cost the field, not the record
    impossible = by_id["impossible-end"]
    assert impossible.resolved_at is None
    assert impossible.cleanup_hours is None
    assert impossible.severity == "SEV2"
    assert [(d["path"], d["value"]) for d in impossible.dropped_fields] == [
        ("resolved_at", "2019-02-30T10:00:00Z"),
        ("cleanup_hours", "-3"),
    ]

    # and the organisation's KPIs are the hand-computed ones
    total = report("org", "1985-01-01", "2022-12-31").total
    assert total.incident_count == 6
    # MTTR: [2700, 3600, 15420, 16200] → median (3600 + 15420) / 2, p90 at 2.7 →
    # 15420 + 0.7 × 780, mean 37920 / 4
    assert figures(total.durations["mttr"]) == (4, 2, D(9510), D(15966), D(9480))
    # MTTD: [600, 1200]
    assert figures(total.durations["mttd"]) == (2, 4, D(900), D(1140), D(900))
    checkout = report("service:checkout", "2020-01-01", "2021-12-31").total
    assert checkout.incident_count == 2
    assert figures(checkout.durations["mttr"]) == (1, 1, D(2700), D(2700), D(2700))


def test_the_same_folder_twice_changes_nothing(db):
    run(str(COLLECTION), "--format", "markdown", "--sync")
    output = run(str(COLLECTION), "--format", "markdown", "--sync")
    assert "6 unchanged, 1 rejected." in output.splitlines()[0]


def test_a_keyed_archive_across_files_through_a_mapping(db):
    # given a provider's archive: one JSON object keyed by incident id per year, dates
    # as M/D/YYYY, durations in minutes, a field name misspelt, an id repeated in a
    # later file, an impossible date and a record with no title at all
    # when the files are imported with one command and a glob
    output = run(
        str(ARCHIVE / "cloud-a" / "*.json"),
        "--format",
        "mapped",
        "--mapping",
        str(ARCHIVE / "cloud-a.yaml"),
        "--source",
        "cloud-a",
        "--sync",
    )

    # then one batch holds both files, read in name order, each record naming its file
    batch = ImportBatch.objects.get()
    assert output.splitlines()[0] == (
        f"Import #{batch.pk} (cloud-a) done: 5 records: 3 created, 1 updated, "
        "0 unchanged, 1 rejected."
    )
    names = list(batch.documents.order_by("position").values_list("name", flat=True))
    assert [n.rsplit("/", 1)[-1] for n in names] == ["2019.json", "2020.json"]
    rejected = RejectedRecord.objects.get()
    assert rejected.locator.endswith('2020.json["inc-004"]')
    assert rejected.errors == [{"path": "title", "message": "Field required"}]

    by_id = {i.external_id: i for i in Incident.objects.select_related("service")}
    assert sorted(by_id) == ["cloud-a-inc-001", "cloud-a-inc-002", "cloud-a-inc-003"]
    first = by_id["cloud-a-inc-001"]
    assert (first.title, first.service.name, first.severity) == (
        "Instances in one zone could not start",
        "Compute",
        "SEV2",
    )
    assert first.started_at == dt.datetime(2019, 3, 5, tzinfo=UTC)
    assert first.ttr_seconds == 5400
    assert first.attributes["provider"] == "Cloud A"
    assert first.attributes["region"] == "north"
    assert first.attributes["file"].endswith("2019.json")
    # the misspelt field is read through the fallback path; the later file wins
    second = by_id["cloud-a-inc-002"]
    assert second.title == "Slow reads from object storage (updated report)"
    assert (second.service.name, second.severity) == ("Storage", "SEV3")
    assert second.ttr_seconds == 3600
    assert second.attributes["file"].endswith("2020.json")
    # an impossible date costs the date (and what is counted from it), not the record
    third = by_id["cloud-a-inc-003"]
    assert (third.started_at, third.resolved_at) == (None, None)
    assert [d["path"] for d in third.dropped_fields] == ["started_at", "resolved_at"]

    # KPIs: MTTR [3600, 5400]; the undated incident is counted as undated
    result = report("org", "2019-01-01", "2020-12-31")
    assert result.total.incident_count == 2
    assert result.undated == 1
    assert figures(result.total.durations["mttr"]) == (2, 0, D(4500), D(5220), D(4500))
    compute = report("service:compute", "2019-01-01", "2020-12-31")
    assert compute.total.incident_count == 1
    assert figures(compute.total.durations["mttr"]) == (1, 0, D(5400), D(5400), D(5400))


def test_check_shows_mapped_records_and_every_problem_without_writing(db):
    output = run(
        str(ARCHIVE / "cloud-a"),
        "--format",
        "mapped",
        "--mapping",
        str(ARCHIVE / "cloud-a.yaml"),
        "--check",
        "--show",
        "1",
    )
    lines = output.splitlines()
    assert lines[0] == (
        "Check (mapped): 2 files, 5 records: 4 valid (1 with values left out), 1 rejected. "
        "Nothing was written."
    )
    assert lines[1] == '--- 2019.json["inc-001"]'
    sample = json.loads("\n".join(lines[2 : lines.index("}") + 1]))
    assert sample["external_id"] == "cloud-a-inc-001"
    assert sample["started_at"] == "2019-03-05 00:00:00+00:00"
    assert sample["resolved_at"] == "2019-03-05 01:30:00+00:00"
    assert any(line.startswith('  left out 2020.json["inc-003"]: started_at: ') for line in lines)
    assert lines[-1] == '  rejected 2020.json["inc-004"]: title: Field required'
    assert not Incident.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_mapping_for_markdown_front_matter(db, tmp_path):
    # given postmortems whose front matter uses house names nobody else uses
    (tmp_path / "a.md").write_text(
        "---\nticket_no: OPS-7\nheadline: Billing export stalled\nwhen: 2024-02-01 10:00\n"
        "fixed_after_min: 30\nowner_team: billing\n---\n\nText.\n"
    )
    mapping = tmp_path / "front.yaml"
    mapping.write_text(
        "fields:\n  external_id: ticket_no\n  title: headline\n"
        '  started_at: {path: when, format: "%Y-%m-%d %H:%M"}\n'
        "  resolved_at: {path: fixed_after_min, minutes_after: started_at}\n"
    )

    # when they are imported with the mapping
    run(str(tmp_path), "--format", "markdown", "--mapping", str(mapping), "--sync")

    # then the mapping fills the fields and what it does not read stays an attribute
    incident = Incident.objects.get()
    assert (incident.external_id, incident.title, incident.ttr_seconds) == (
        "OPS-7",
        "Billing export stalled",
        1800,
    )
    assert incident.attributes == {"owner_team": "billing"}


def test_attributes_are_shown_and_filterable(client, author, api_client):
    # given the collection, imported
    run(str(COLLECTION), "--format", "markdown", "--sync")
    storage = Incident.objects.get(external_id="6f1c2a9e-4b7d-4e0a-9d51-2c8f0e7b3a11")
    impossible = Incident.objects.get(external_id="impossible-end")
    client.force_login(author)

    # when an author opens an incident page
    page = client.get(f"/incidents/{storage.pk}/").content.decode()

    # then its attributes are listed, each value a link to the incidents sharing it
    assert "<dt>company</dt>" in page
    assert '<a href="/incidents/?attribute=company%3DExample+Cloud">Example Cloud</a>' in page
    assert "attribute=categories%3Dcloud" in page
    left_out = client.get(f"/incidents/{impossible.pk}/").content.decode()
    assert "Values left out on import" in left_out and "2019-02-30T10:00:00Z" in left_out

    # and the list (HTML and API) filters by a scalar or by an item of a list attribute
    def titles(query: str) -> list[str]:
        api_client.force_authenticate(author)
        response = api_client.get(f"/api/v1/incidents/?{query}")
        assert response.status_code == 200
        return sorted(i["title"] for i in response.json()["results"])

    assert titles("attribute=company%3DExample+Shop") == [
        "Capacity planning missed a product launch",
        "untitled outage",
    ]
    assert titles("attribute=categories%3Dsafety") == ["Radiation therapy machine overdose"]
    assert titles("attribute=region") == ["Internal DNS stopped resolving"]
    listing = client.get("/incidents/?attribute=company%3DExample+Shop").content.decode()
    assert "untitled outage" in listing and "Internal DNS" not in listing
