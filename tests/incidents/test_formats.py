"""Each format, end to end through the import service, on representative files."""

import datetime as dt
from decimal import Decimal

from incidents.models import ActionItem, Incident, Service
from tests.incidents.conftest import data_file

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_pagerduty_lifecycle_comes_from_log_entries(teams, run_import):
    # given a PagerDuty incident with its log entries, out of order, as the API returns them
    document = data_file("pagerduty_incident.json")

    # when it is imported
    batch = run_import("pagerduty", document)

    # then the trigger, acknowledge and resolve entries give the lifecycle
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 1, 0)
    incident = Incident.objects.get()
    assert (incident.source, incident.external_id) == ("pagerduty", "Q2K8V1ZJ3M4N5P")
    assert incident.started_at == at("2025-03-04T14:02:11")
    assert incident.detected_at == at("2025-03-04T14:02:11")
    assert incident.acknowledged_at == at("2025-03-04T14:09:40")
    assert incident.resolved_at == at("2025-03-04T16:39:58")
    assert incident.mitigated_at is None
    assert (incident.tta_seconds, incident.ttr_seconds) == (449, 9467)
    assert (incident.severity, incident.severity_original) == ("SEV2", "P2")
    assert (incident.status, incident.detection_method) == ("resolved", "monitoring")
    assert incident.team == teams["ai-product"]
    assert incident.service.name == "Checkout Assistant"
    assert incident.summary.startswith("Answer length p50 dropped to 0 tokens")
    assert incident.url == "https://acme.pagerduty.com/incidents/Q2K8V1ZJ3M4N5P"
    # the notify entry is left out of the timeline; the others are in time order
    assert list(incident.timeline.values_list("kind", "description")) == [
        ("trigger", "Triggered through the API"),
        ("acknowledge", "Acknowledged by Tara Singh"),
        ("annotate", "Rolled back model config to v41"),
        ("resolve", "Resolved by Tara Singh"),
    ]
    assert incident.raw == document.content


def test_pagerduty_list_with_shared_log_entries(teams, run_import):
    # given a list of incidents and the account's log entries, matched by incident id
    document = data_file("pagerduty_incident.json")
    import json

    single = json.loads(document.content)
    other = {
        **single["incident"],
        "id": "PSECOND",
        "status": "acknowledged",
        "priority": None,
        "urgency": "low",
    }
    entries = [
        *single["log_entries"],
        {
            "type": "trigger_log_entry",
            "created_at": "2025-03-05T09:00:00Z",
            "channel": {"type": "web_trigger"},
            "incident": {"id": "PSECOND"},
        },
        {
            "type": "acknowledge_log_entry",
            "created_at": "2025-03-05T09:03:00Z",
            "incident": {"id": "PSECOND"},
        },
    ]
    listing = json.dumps({"incidents": [single["incident"], other], "log_entries": entries})

    # when it is imported
    from incidents.importers import Document

    batch = run_import("pagerduty", Document("incidents.json", listing))

    # then each incident got its own entries; an open incident has no resolve time
    assert (batch.created_count, batch.rejected_count) == (2, 0)
    second = Incident.objects.get(external_id="PSECOND")
    assert second.started_at == at("2025-03-05T09:00:00")
    assert second.acknowledged_at == at("2025-03-05T09:03:00")
    assert second.resolved_at is None
    assert (second.severity, second.severity_original) == ("SEV3", "urgency: low")
    assert (second.status, second.detection_method) == ("acknowledged", "internal")
    first = Incident.objects.get(external_id="Q2K8V1ZJ3M4N5P")
    assert first.resolved_at == at("2025-03-04T16:39:58")


def test_markdown_postmortem_front_matter_and_sections(teams, run_import):
    # given a postmortem kept in git: YAML front matter and headed sections
    document = data_file("postmortem_refund_policy.md")

    # when it is imported
    batch = run_import("markdown", document)

    # then front matter and sections fill the fields
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 1, 0)
    incident = Incident.objects.get()
    assert (incident.source, incident.external_id) == ("postmortems", "PM-2025-017")
    assert incident.title == "Support assistant promised refunds that do not exist"
    assert incident.summary.startswith("After release 2.8.1 the support assistant")
    assert incident.customer_impact == (
        "312 customers were told they could get a refund; 41 asked for one."
    )
    assert incident.trigger == "A retrieval index rebuild dropped the refund policy document."
    assert incident.root_causes.startswith("The assistant had no grounding check")
    assert incident.resolution.startswith("Rolled back to 2.8.0")
    assert incident.lessons_went_well == "Support escalated within an hour."
    assert incident.lessons_went_wrong == "No golden-answer test covered refunds."
    assert incident.lessons_got_lucky == "It happened on a quiet Wednesday."
    assert (incident.severity, incident.failure_mode, incident.ai_related) == (
        "SEV2",
        "hallucination",
        True,
    )
    assert (incident.rolled_back, incident.deployment_ref) == (True, "support-assistant@2.8.1")
    assert incident.cleanup_hours == Decimal("14.50")
    assert incident.detection_method == "customer"
    assert incident.team == teams["ai-product"]
    assert incident.service.slug == "support-assistant"
    assert (incident.ttd_seconds, incident.tta_seconds) == (53 * 60, 4 * 60)
    assert (incident.ttm_seconds, incident.ttr_seconds) == (8280, 110880)
    # front matter tags win over the section's list
    assert sorted(incident.contributing_factors.values_list("slug", flat=True)) == [
        "missing-eval",
        "no-canary",
    ]
    # the timeline's times take the date (and zone) of started_at; a full stamp wins
    assert list(incident.timeline.values_list("at", "description")) == [
        (at("2025-05-14T09:12"), "Release 2.8.1 reaches 100 % of traffic"),
        (
            at("2025-05-14T10:05"),
            "Support lead escalates three tickets quoting the invented policy",
        ),
        (at("2025-05-14T10:09"), "On-call acknowledges"),
        (at("2025-05-14T11:30"), "Rolled back to 2.8.0; answers cite the real policy again"),
        (at("2025-05-15T16:00"), "Affected customers contacted; incident resolved"),
    ]
    assert list(incident.action_items.values_list("kind", "title", "owner", "due", "status")) == [
        (
            "prevent",
            "Add golden-answer evals for policy questions to CI",
            "tara.singh",
            dt.date(2025, 6, 1),
            ActionItem.Status.DONE,
        ),
        (
            "mitigate",
            "Refuse to answer policy questions without a retrieved source",
            "yusuf.demir",
            dt.date(2025, 6, 15),
            ActionItem.Status.IN_PROGRESS,
        ),
        (
            "process",
            "Canary every assistant release at 5 % for an hour",
            "amara.okafor",
            dt.date(2025, 7, 1),
            ActionItem.Status.OPEN,
        ),
    ]
    assert incident.raw == document.content


def test_mapping_file_with_times_in_minutes_after_the_start(teams, run_import):
    # given a non-native CSV export (';', Berlin local time, minutes after opening)
    mapping = data_file("legacy_tracker_mapping.yaml").content

    # when it is imported through its mapping file
    batch = run_import(
        "mapped", data_file("legacy_tracker.csv"), mapping=mapping, source="legacy-tracker"
    )

    # then the start is read in Berlin time and every other stamp is start + minutes
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 2, 0)
    first = Incident.objects.get(external_id="LT-1001")
    assert first.source == "legacy-tracker"
    assert first.started_at == at("2025-02-03T07:15")  # 08:15 CET
    assert first.detected_at == at("2025-02-03T07:27")
    assert first.acknowledged_at == at("2025-02-03T07:31")  # 4 minutes after detection
    assert first.mitigated_at == at("2025-02-03T08:50")
    assert first.resolved_at == at("2025-02-03T11:15")
    assert (first.ttd_seconds, first.ttm_seconds, first.ttr_seconds) == (720, 5700, 14400)
    assert (first.severity, first.severity_original) == ("SEV1", "Critical")
    assert (first.ai_related, first.failure_mode) == (True, "drift")
    assert first.cleanup_hours == Decimal("3.00")
    assert first.team == teams["data-eng"]
    assert first.detection_method == "monitoring"
    assert sorted(first.contributing_factors.values_list("slug", flat=True)) == [
        "no-freshness-alert",
        "stale-cache",
    ]
    second = Incident.objects.get(external_id="LT-1002")
    assert second.acknowledged_at is None
    assert (second.ai_related, second.failure_mode, second.severity) == (
        False,
        "bad-deployment",
        "SEV2",
    )
    assert second.cleanup_hours == Decimal("0.50")
    assert (
        second.raw == "LT-1002;07.02.2025 22:40;Batch scoring job ran twice;Major;data-eng;"
        "30;;45;60;nein;config;30;"
    )
    assert Service.objects.count() == 0
