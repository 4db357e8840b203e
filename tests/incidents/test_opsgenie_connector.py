"""Opsgenie connector against an Opsgenie served on 127.0.0.1 by the test, in the
shapes its Alert API (`GET /v2/alerts`) and Incident API (`GET /v1/incidents`)
document: `{"data": [...], "paging": {"next": …, "first": …, "last": …}, "took",
"requestId"}`, searched with `createdAt>=<epoch ms>` / `updatedAt>=<epoch ms>`, 429
with Retry-After, 401 `{"message": "Could not authenticate"}` for a bad key."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from incidents.connectors import opsgenie
from incidents.connectors.services import source_secrets_set, source_sync, sources_sync_enabled
from incidents.models import ImportBatch, Incident, IncidentSource

KEY = "11111111-2222-3333-4444-555555555555"
UTC = dt.UTC


def at(hours_ago: float) -> dt.datetime:
    return (dt.datetime.now(UTC) - dt.timedelta(hours=hours_ago)).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def an_incident(n: int, created: dt.datetime, *, minutes: int, status: str = "resolved") -> dict:
    return {
        "id": f"6c1e0d8a-0000-4000-8000-00000000000{n}",
        "tinyId": str(n),
        "message": f"Payments failing {n}",
        "description": "Card payments time out",
        "status": status,
        "tags": ["payments", "timeouts"],
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "priority": "P2",
        "ownerTeam": "",
        "responders": [{"type": "team", "id": "8418d193-2dab-4490-b331-8c02cdd196b7"}],
        "extraProperties": {},
        "impactedServices": ["Payments API"],
        "impactStartDate": iso(created - dt.timedelta(minutes=5)),
        "impactEndDate": iso(created + dt.timedelta(minutes=minutes)),
        "links": {"web": f"https://acme.app.opsgenie.com/incident/detail/{n}", "api": ""},
        "actions": [],
    }


def an_alert(n: int, created: dt.datetime, *, ack_s: int, close_s: int | None) -> dict:
    alert = {
        "id": f"70413a06-38d6-4c85-92b8-5ebc900d42e{n}",
        "tinyId": str(1790 + n),
        "alias": f"disk-full-{n}",
        "message": f"Disk almost full on db-{n}",
        "status": "closed" if close_s is not None else "open",
        "acknowledged": True,
        "isSeen": True,
        "tags": ["disk"],
        "snoozed": False,
        "count": 3,
        "lastOccurredAt": iso(created),
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "source": "Prometheus",
        "owner": "oncall@acme.example",
        "priority": "P3",
        "responders": [],
        "integration": {
            "id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c",
            "name": "Prom",
            "type": "API",
        },
        "report": {"ackTime": ack_s * 1000, "acknowledgedBy": "oncall@acme.example"},
    }
    if close_s is not None:
        alert["report"].update(closeTime=close_s * 1000, closedBy="oncall@acme.example")
    return alert


class FakeOpsgenie:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict]] = {"/v1/incidents": {}, "/v2/alerts": {}}
        self.requests: list[tuple[str, dict]] = []
        self.throttle = 0

    def answer(self, path: str, query: dict, auth: str) -> tuple[int, dict, dict]:
        self.requests.append((path, query))
        if auth != f"GenieKey {KEY}":
            return 401, {}, {"message": "Could not authenticate", "took": 0.0, "requestId": "r1"}
        if self.throttle:
            self.throttle -= 1
            return 429, {"Retry-After": "2"}, {"message": "Too many requests", "took": 0.0}
        if path not in self.items:
            return 404, {}, {"message": "Not found", "took": 0.0, "requestId": "r2"}
        field, _, since = query["query"].partition(">=")
        epoch = dt.datetime.fromtimestamp(int(since) / 1000, UTC)
        matched = sorted(
            (i for i in self.items[path].values() if dt.datetime.fromisoformat(i[field]) >= epoch),
            key=lambda i: i["createdAt"],
        )
        limit, offset = int(query.get("limit", 20)), int(query.get("offset", 0))

        def link(to: int) -> str:
            # Opsgenie's own host: the client must ask its configured address instead.
            shown = {"query": query["query"], "offset": to, "limit": limit, "sort": "createdAt"}
            return f"https://api.opsgenie.com{path}?{urlencode(shown)}&order=asc"

        paging = {"first": link(0), "last": link(max(len(matched) - 1, 0) // limit * limit)}
        if offset + limit < len(matched):
            paging["next"] = link(offset + limit)
        body = {"data": matched[offset : offset + limit], "paging": paging, "took": 0.01}
        return 200, {}, {**body, "requestId": "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9"}


@pytest.fixture
def fake_opsgenie():
    state = FakeOpsgenie()

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


def make_source(url: str, kind: str, name: str) -> IncidentSource:
    made = IncidentSource.objects.create(name=name, kind=kind, base_url=url, first_sync_days=30)
    source_secrets_set(source=made, token=KEY)
    return made


@pytest.fixture
def incidents_source(db, fake_opsgenie, monkeypatch):
    monkeypatch.setattr(opsgenie, "PAGE_SIZE", 2)  # three incidents make two pages
    return make_source(fake_opsgenie.url, "opsgenie", "opsgenie-acme")


def test_a_full_sync_then_an_incremental_one_of_incidents(incidents_source, fake_opsgenie):
    incidents = fake_opsgenie.items["/v1/incidents"]
    for n, (hours, minutes) in enumerate([(50, 60), (30, 25), (10, 90)], start=1):
        made = an_incident(n, at(hours), minutes=minutes)
        incidents[made["id"]] = made
    old = an_incident(9, at(24 * 40), minutes=10)  # before first_sync_days: not pulled
    incidents[old["id"]] = old

    result = source_sync(source_id=incidents_source.pk)

    assert (result.status, result.records) == ("ok", 3)
    incidents_source.refresh_from_db()
    assert (incidents_source.last_status, incidents_source.last_records) == ("ok", 3)
    asked = [q for path, q in fake_opsgenie.requests]
    assert [q["offset"] for q in asked] == ["0", "2"]
    first_since = int(asked[0]["query"].removeprefix("createdAt>="))
    expected = (at(0) - dt.timedelta(days=30)).timestamp() * 1000
    assert abs(first_since - expected) < 120_000
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.channel, batch.format, batch.created_count, batch.rejected_count) == (
        "connector",
        "opsgenie",
        3,
        0,
    )
    first = Incident.objects.get(
        source="opsgenie-acme", external_id=an_incident(1, at(0), minutes=0)["id"]
    )
    # impact from 5 minutes before creation to 60 minutes after it
    assert (first.ttr_seconds, first.ttd_seconds, first.severity) == (65 * 60, 5 * 60, "SEV2")
    assert (first.title, first.service.name, first.status) == (
        "Payments failing 1",
        "Payments API",
        "resolved",
    )

    # an hour later: incident 3 reopened and closed again later, and a new open one
    IncidentSource.objects.filter(pk=incidents_source.pk).update(
        cursor=incidents_source.cursor - dt.timedelta(hours=1)
    )
    changed = an_incident(3, at(10), minutes=150)
    changed["updatedAt"] = iso(at(0.2))
    incidents[changed["id"]] = changed
    new = an_incident(4, at(0.5), minutes=0, status="open")
    del new["impactEndDate"]
    incidents[new["id"]] = new
    fake_opsgenie.requests.clear()

    again = source_sync(source_id=incidents_source.pk)

    assert (again.status, again.records) == ("ok", 2)
    (query,) = [q["query"] for _, q in fake_opsgenie.requests]
    assert query.startswith("updatedAt>=")
    second = ImportBatch.objects.get(pk=again.batch_id)
    assert (second.created_count, second.updated_count) == (1, 1)
    assert Incident.objects.filter(source="opsgenie-acme").count() == 4
    assert Incident.objects.get(external_id=changed["id"]).ttr_seconds == 155 * 60
    assert Incident.objects.get(external_id=new["id"]).status == "open"


def test_alerts_are_pulled_with_their_report_times(db, fake_opsgenie):
    source = make_source(fake_opsgenie.url, "opsgenie-alerts", "opsgenie-alerts")
    closed = an_alert(1, at(3), ack_s=120, close_s=1800)
    still_open = an_alert(2, at(1), ack_s=45, close_s=None)
    fake_opsgenie.items["/v2/alerts"] = {closed["id"]: closed, still_open["id"]: still_open}

    result = source_sync(source_id=source.pk)
    assert (result.status, result.records) == ("ok", 2)
    assert [path for path, _ in fake_opsgenie.requests] == ["/v2/alerts"]
    done = Incident.objects.get(external_id=closed["id"])
    assert (done.tta_seconds, done.ttr_seconds, done.status, done.severity) == (
        120,
        1800,
        "resolved",
        "SEV3",
    )
    assert done.attributes["opsgenie_alias"] == "disk-full-1"
    waiting = Incident.objects.get(external_id=still_open["id"])
    assert (waiting.tta_seconds, waiting.resolved_at, waiting.status) == (45, None, "acknowledged")

    # incremental: the open alert is closed 40 minutes after it was created
    fake_opsgenie.requests.clear()
    now_closed = an_alert(2, at(1), ack_s=45, close_s=2400)
    now_closed["updatedAt"] = iso(at(0.1))
    fake_opsgenie.items["/v2/alerts"][now_closed["id"]] = now_closed
    IncidentSource.objects.filter(pk=source.pk).update(cursor=at(0.5))

    again = source_sync(source_id=source.pk)

    assert (again.status, again.records) == ("ok", 1)
    assert fake_opsgenie.requests[0][1]["query"].startswith("updatedAt>=")
    assert Incident.objects.get(external_id=now_closed["id"]).ttr_seconds == 2400


def test_a_rate_limit_is_waited_out(incidents_source, fake_opsgenie):
    made = an_incident(1, at(5), minutes=30)
    fake_opsgenie.items["/v1/incidents"][made["id"]] = made
    fake_opsgenie.throttle = 2
    waits: list[float] = []

    result = source_sync(source_id=incidents_source.pk, sleep=waits.append)

    assert (result.status, result.records) == ("ok", 1)
    assert waits == [2.0, 2.0]  # Retry-After, each time
    assert len(fake_opsgenie.requests) == 3
    assert Incident.objects.filter(external_id=made["id"]).exists()


def test_a_rate_limit_that_never_ends_is_a_sync_error(incidents_source, fake_opsgenie):
    fake_opsgenie.throttle = 99
    waits: list[float] = []

    result = source_sync(source_id=incidents_source.pk, sleep=waits.append)

    incidents_source.refresh_from_db()
    assert result.status == "error" and len(waits) == 4
    assert (
        incidents_source.last_error == "Opsgenie kept answering 429 (rate limit) for /v1/incidents"
    )
    assert incidents_source.cursor is None


def test_a_bad_token_is_a_clear_sync_error_and_nothing_is_imported(incidents_source, fake_opsgenie):
    made = an_incident(1, at(5), minutes=30)
    fake_opsgenie.items["/v1/incidents"][made["id"]] = made
    source_secrets_set(source=incidents_source, token="revoked-key")

    results = sources_sync_enabled()  # the beat job's entry point

    incidents_source.refresh_from_db()
    assert [r.status for r in results] == ["error"]
    assert incidents_source.last_status == "error"
    assert (
        incidents_source.last_error
        == "Opsgenie refused the token (HTTP 401): Could not authenticate"
    )
    assert incidents_source.cursor is None and incidents_source.last_sync_at is not None
    assert not ImportBatch.objects.exists() and not Incident.objects.exists()
