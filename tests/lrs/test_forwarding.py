"""Forwarding to an external LRS through the outbox: down for a while, then up."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from lrs import forwarding
from lrs.models import OutboxEntry
from lrs.services import statement_record

pytestmark = pytest.mark.django_db


class ReceivingLRS(ThreadingHTTPServer):
    """The test's own external LRS: keeps each statement PUT to it, by id, and counts PUTs."""

    def __init__(self, port: int) -> None:
        self.received: dict[str, dict] = {}
        self.puts: list[str] = []
        self.credentials: set[str] = set()
        super().__init__(("127.0.0.1", port), Handler)


class Handler(BaseHTTPRequestHandler):
    server: ReceivingLRS

    def do_PUT(self) -> None:
        url = urlparse(self.path)
        statement_id = parse_qs(url.query)["statementId"][0]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.credentials.add(self.headers["Authorization"])
        self.server.puts.append(statement_id)
        status = 204
        if url.path != "/xapi/statements" or self.headers["X-Experience-API-Version"] != "1.0.3":
            status = 400
        elif statement_id in self.server.received and self.server.received[statement_id] != body:
            status = 409
        else:
            self.server.received[statement_id] = body
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def statement(n: int) -> dict:
    return {
        "actor": {"account": {"homePage": "http://trellis.test", "name": str(n)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": f"http://trellis.test/xapi/activities/module/{n}"},
    }


def test_statements_recorded_while_the_external_lrs_is_down_arrive_once_it_is_up(settings):
    # given forwarding to an external LRS that is down (nothing listens on its port)
    port = free_port()
    settings.LRS_FORWARD_URL = f"http://127.0.0.1:{port}/xapi"
    settings.LRS_FORWARD_KEY, settings.LRS_FORWARD_SECRET = "trellis", "s3cret"
    settings.LRS_FORWARD_TIMEOUT = 2
    ids = [statement_record(statement=statement(n)) for n in range(5)]

    # when the outbox is flushed while it is down: nothing is lost, all wait with an error
    down = forwarding.outbox_flush()
    assert down == {"sent": 0, "failed": 5}
    assert OutboxEntry.objects.filter(sent_at__isnull=True, attempts=1).count() == 5
    assert all(e.last_error for e in OutboxEntry.objects.all())

    # and flushed again once it is up (the retry is due at once here)
    server = ReceivingLRS(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        OutboxEntry.objects.update(next_attempt_at=OutboxEntry.objects.first().created_at)
        up = forwarding.outbox_flush()
        again = forwarding.outbox_flush()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    # then every statement arrived exactly once, as stored here, and none is sent twice
    assert up == {"sent": 5, "failed": 0}
    assert again == {"sent": 0, "failed": 0}
    assert sorted(server.puts) == sorted(ids)
    assert set(server.received) == set(ids)
    assert server.received[ids[0]]["object"]["id"] == "http://trellis.test/xapi/activities/module/0"
    assert server.received[ids[0]]["id"] == ids[0]
    assert server.credentials == {"Basic dHJlbGxpczpzM2NyZXQ="}
    assert OutboxEntry.objects.filter(sent_at__isnull=False).count() == 5


def test_without_a_forward_url_nothing_goes_to_the_outbox(settings):
    settings.LRS_FORWARD_URL = ""

    statement_record(statement=statement(1))

    assert OutboxEntry.objects.count() == 0
