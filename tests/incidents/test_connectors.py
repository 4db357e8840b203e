"""PagerDuty connector and webhooks against a PagerDuty served on 127.0.0.1 by the test:
the REST API v2's documented shapes (paged lists with `more`, log entries, 429 with
Retry-After, 401 for a bad token) and v3 webhook deliveries signed with HMAC-SHA256."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from incidents.connectors import pagerduty
from incidents.connectors.services import source_secrets_set, source_sync
from incidents.models import ImportBatch, Incident, IncidentSource, WebhookDelivery

TOKEN = "u+good-token"
UTC = dt.UTC


def incident(n: int, created: str, status: str = "resolved") -> dict:
    return {
        "id": f"PINC{n}",
        "type": "incident",
        "summary": f"[#{n}] Incident {n}",
        "incident_number": n,
        "title": f"Checkout errors {n}",
        "created_at": created,
        "status": status,
        "urgency": "high",
        "html_url": f"https://acme.pagerduty.com/incidents/PINC{n}",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "Checkout API"},
        "priority": {"id": "PPRI1", "type": "priority", "summary": "P2"},
        "teams": [],
        "last_status_change_at": created,
    }


def entry(n: int, kind: str, at: str, incident_id: str) -> dict:
    return {
        "id": f"LOG{n}",
        "type": f"{kind}_log_entry",
        "summary": kind,
        "created_at": at,
        "channel": {"type": "api"},
        "incident": {"id": incident_id, "type": "incident_reference"},
    }


class FakePagerDuty:
    """What the test's PagerDuty holds and what it was asked."""

    def __init__(self) -> None:
        self.incidents: dict[str, dict] = {}
        self.log_entries: dict[str, list[dict]] = {}
        self.requests: list[tuple[str, dict]] = []
        self.throttle: int = 0  # answer this many requests with 429 first

    def add(self, item: dict, *entries: dict) -> None:
        self.incidents[item["id"]] = item
        self.log_entries[item["id"]] = list(entries)

    def answer(self, path: str, query: dict, auth: str) -> tuple[int, dict, dict]:
        self.requests.append((path, query))
        if auth != f"Token token={TOKEN}":
            return 401, {}, {"error": {"message": "Unauthorized", "code": 2006}}
        if self.throttle:
            self.throttle -= 1
            return 429, {"Retry-After": "1"}, {"error": {"message": "Rate Limit Exceeded"}}
        limit, offset = int(query.get("limit", 25)), int(query.get("offset", 0))

        def page(key: str, items: list) -> dict:
            chunk = items[offset : offset + limit]
            more = offset + limit < len(items)
            return {key: chunk, "limit": limit, "offset": offset, "more": more, "total": None}

        def between(items: list, field: str) -> list:
            since, until = query["since"], query["until"]
            return [i for i in items if since <= i[field] < until]

        parts = path.strip("/").split("/")
        if parts == ["incidents"]:
            items = sorted(self.incidents.values(), key=lambda i: i["created_at"])
            return 200, {}, page("incidents", between(items, "created_at"))
        if len(parts) == 2 and parts[0] == "incidents" and parts[1] in self.incidents:
            return 200, {}, {"incident": self.incidents[parts[1]]}
        if len(parts) == 3 and parts[2] == "log_entries" and parts[1] in self.incidents:
            return 200, {}, page("log_entries", self.log_entries[parts[1]])
        if parts == ["log_entries"]:
            every = sorted(
                (e for entries in self.log_entries.values() for e in entries),
                key=lambda e: e["created_at"],
            )
            return 200, {}, page("log_entries", between(every, "created_at"))
        return 404, {}, {"error": {"message": "Not Found", "code": 2100}}


@pytest.fixture
def fake_pagerduty():
    state = FakePagerDuty()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            status, headers, body = state.answer(
                url.path, query, self.headers.get("Authorization", "")
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def source(db, fake_pagerduty, monkeypatch):
    monkeypatch.setattr(pagerduty, "PAGE_SIZE", 2)  # three incidents make two pages
    made = IncidentSource.objects.create(
        name="pagerduty-acme", kind="pagerduty", base_url=fake_pagerduty.url, first_sync_days=30
    )
    source_secrets_set(source=made, token=TOKEN, webhook_secret="whsec-test")
    return made


def recent(hours_ago: float) -> str:
    moment = dt.datetime.now(UTC) - dt.timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_token_is_stored_encrypted(source):
    source.refresh_from_db()
    assert source.token_encrypted and TOKEN not in source.token_encrypted
    assert "whsec-test" not in source.webhook_secret_encrypted


def test_a_full_sync_then_an_incremental_one(source, fake_pagerduty):
    # given three incidents over two pages, each with its log entries
    for n, (start, ack, end) in enumerate(
        [(50, 49.9, 49), (30, 29.95, 29.5), (10, 9.99, 9)], start=1
    ):
        fake_pagerduty.add(
            incident(n, recent(start)),
            entry(n * 10 + 1, "trigger", recent(start), f"PINC{n}"),
            entry(n * 10 + 2, "acknowledge", recent(ack), f"PINC{n}"),
            entry(n * 10 + 3, "resolve", recent(end), f"PINC{n}"),
        )

    # when the source is synced for the first time
    result = source_sync(source_id=source.pk)

    # then every incident is imported with the lifecycle from its log entries
    assert (result.status, result.records) == ("ok", 3)
    source.refresh_from_db()
    assert (source.last_status, source.last_error) == ("ok", "")
    assert source.cursor is not None
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.channel, batch.source, batch.created_count, batch.rejected_count) == (
        "connector",
        "pagerduty-acme",
        3,
        0,
    )
    first = Incident.objects.get(source="pagerduty-acme", external_id="PINC1")
    assert (first.ttr_seconds, first.tta_seconds, first.severity) == (3600, 360, "SEV2")
    assert first.service.name == "Checkout API"
    listed = [q for path, q in fake_pagerduty.requests if path == "/incidents"]
    assert [q["offset"] for q in listed] == ["0", "2"]

    # given an hour later (the cursor moved back by as much) a new incident, and the
    # third one reopened and resolved again
    IncidentSource.objects.filter(pk=source.pk).update(cursor=source.cursor - dt.timedelta(hours=1))
    fake_pagerduty.add(
        incident(4, recent(0.5), status="triggered"),
        entry(41, "trigger", recent(0.5), "PINC4"),
    )
    fake_pagerduty.log_entries["PINC3"].append(entry(34, "resolve", recent(0.2), "PINC3"))
    fake_pagerduty.requests.clear()

    # when it is synced again
    again = source_sync(source_id=source.pk)

    # then only what changed since the cursor is asked for and imported
    assert (again.status, again.records) == ("ok", 2)
    asked = [path for path, _ in fake_pagerduty.requests]
    assert asked[0] == "/log_entries" and "/incidents" not in asked
    assert sorted(p for p in asked if p.startswith("/incidents/PINC") and "log" not in p) == [
        "/incidents/PINC3",
        "/incidents/PINC4",
    ]
    second = ImportBatch.objects.get(pk=again.batch_id)
    assert (second.created_count, second.updated_count) == (1, 1)
    assert Incident.objects.filter(source="pagerduty-acme").count() == 4


def test_a_rate_limit_is_waited_out(source, fake_pagerduty):
    fake_pagerduty.add(incident(1, recent(5)), entry(1, "trigger", recent(5), "PINC1"))
    fake_pagerduty.throttle = 2
    waits: list[float] = []

    result = source_sync(source_id=source.pk, sleep=waits.append)

    assert (result.status, result.records) == ("ok", 1)
    assert waits == [1.0, 1.0]  # Retry-After, each time
    assert Incident.objects.filter(external_id="PINC1").exists()


def test_a_bad_token_is_an_error_on_the_source_and_nothing_is_imported(source, fake_pagerduty):
    fake_pagerduty.add(incident(1, recent(5)), entry(1, "trigger", recent(5), "PINC1"))
    source_secrets_set(source=source, token="revoked")

    result = source_sync(source_id=source.pk)

    source.refresh_from_db()
    assert result.status == "error"
    assert source.last_status == "error"
    assert source.last_error == "PagerDuty refused the token (HTTP 401): Unauthorized"
    assert source.cursor is None
    assert not ImportBatch.objects.exists() and not Incident.objects.exists()


# --- webhooks -------------------------------------------------------------------------


def delivery(event_id: str, status: str = "triggered") -> bytes:
    data = incident(7, "2025-05-01T10:00:00Z", status=status)
    del data["last_status_change_at"]  # v3 event data carries no such field
    return json.dumps(
        {
            "event": {
                "id": event_id,
                "event_type": f"incident.{status}",
                "resource_type": "incident",
                "occurred_at": "2025-05-01T10:45:00Z",
                "agent": None,
                "client": None,
                "data": data,
            }
        }
    ).encode()


def signed(body: bytes, secret: str = "whsec-test") -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, body: bytes, signature: str):
    return client.post(
        "/api/v1/incident-sources/pagerduty-acme/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-PagerDuty-Signature": signature},
    )


def test_a_signed_webhook_is_imported_once_replays_change_nothing(
    client, source, django_capture_on_commit_callbacks
):
    body = delivery("EVT-1", status="resolved")

    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body, f"v1=00ff, {signed(body)}")  # rotation: one must match
    with django_capture_on_commit_callbacks(execute=True):
        replay = post(client, body, signed(body))

    assert first.status_code == 202
    assert replay.status_code == 200 and replay.json() == {"status": "replay"}
    found = Incident.objects.get(source="pagerduty-acme", external_id="PINC7")
    assert (found.status, found.ttr_seconds) == ("resolved", 2700)
    assert ImportBatch.objects.get().channel == "webhook"
    assert WebhookDelivery.objects.count() == 1


def test_a_webhook_with_a_wrong_signature_is_refused_logged_and_not_written(client, source, caplog):
    body = delivery("EVT-2")

    with caplog.at_level(logging.WARNING, logger="incidents.connectors.services"):
        wrong = post(client, body, signed(body, secret="someone-else"))
        missing = post(client, body, "")

    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert "pagerduty-acme refused: bad signature" in caplog.text
    assert not Incident.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not WebhookDelivery.objects.exists()


GENERIC_MAPPING = """
format: json
records: alerts
fields:
  external_id: {template: "ops-{id}"}
  title: [title, name]
  started_at: opened
  resolved_at: {path: open_minutes, minutes_after: started_at}
  severity: sev
"""


@pytest.fixture
def generic_source(db):
    made = IncidentSource.objects.create(
        name="status-hooks", kind="generic", mapping=GENERIC_MAPPING
    )
    source_secrets_set(source=made, webhook_secret="generic-secret")
    return made


def post_generic(client, body: bytes, signature: str):
    return client.post(
        "/api/v1/incident-sources/status-hooks/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Trellis-Signature": signature},
    )


def test_a_generic_json_webhook_is_mapped_signed_and_idempotent(
    client, generic_source, django_capture_on_commit_callbacks, caplog
):
    body = json.dumps(
        {
            "alerts": [
                {
                    "id": 41,
                    "name": "Queue stalled",
                    "opened": "2025-06-01T08:00:00Z",
                    "open_minutes": 25,
                    "sev": "critical",
                }
            ]
        }
    ).encode()
    good = "sha256=" + hmac.new(b"generic-secret", body, hashlib.sha256).hexdigest()

    with caplog.at_level(logging.WARNING, logger="incidents.connectors.services"):
        refused = post_generic(client, body, "sha256=" + "0" * 64)
    assert refused.status_code == 403 and not ImportBatch.objects.exists()
    assert "status-hooks refused: bad signature" in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        accepted = post_generic(client, body, good)
    with django_capture_on_commit_callbacks(execute=True):
        replay = post_generic(client, body, good)

    assert (accepted.status_code, replay.status_code) == (202, 200)
    found = Incident.objects.get(source="status-hooks")
    assert (found.external_id, found.title, found.severity, found.ttr_seconds) == (
        "ops-41",
        "Queue stalled",
        "SEV1",
        1500,
    )
    assert ImportBatch.objects.get().format == "mapped"
