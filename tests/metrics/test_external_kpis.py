"""KPIs fed from outside: observations pushed through the API, idempotent by source and
timestamp, and pulled from a real Prometheus server with a PromQL expression."""

import datetime as dt
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from conftest import PROMETHEUS
from metrics import external
from metrics.models import KpiObservation, PrometheusSource
from metrics.registry import REGISTRY
from tests.factories import TeamFactory

URL = reverse("api-metrics-kpi-observations", args=["p95_inference_latency"])
BATCH = {
    "source": "grafana-export",
    "team": "sre",
    "observations": [
        {"at": "2026-05-01T10:00:00Z", "value": 180.5},
        {"at": "2026-05-01T11:00:00Z", "value": 210},
    ],
}


def test_seed_002_reliability_kpis_are_external_with_their_targets():
    kpis = {k: REGISTRY[k] for k in ("p95_inference_latency", "inference_error_rate")}
    kpis["pipeline_success_rate"] = REGISTRY["pipeline_success_rate"]
    assert {k: (v.family, v.direction, v.review) for k, v in kpis.items()} == {
        "p95_inference_latency": ("external", "lower", "Weekly"),
        "inference_error_rate": ("external", "lower", "Daily or weekly"),
        "pipeline_success_rate": ("external", "higher", "Weekly"),
    }
    assert "150–300 ms" in kpis["p95_inference_latency"].target
    assert "0.1–1 %" in kpis["inference_error_rate"].target
    assert "98–99.5 %" in kpis["pipeline_success_rate"].target


def test_a_manager_pushes_observations_for_their_team_and_a_repeat_changes_nothing(
    manager, api_client
):
    # given a manager of the SRE team
    TeamFactory(slug="sre", managers=[manager])
    api_client.force_authenticate(manager)

    # when the same batch is pushed twice
    first = api_client.post(URL, BATCH, format="json")
    second = api_client.post(URL, BATCH, format="json")

    # then two observations are stored, once each
    assert first.status_code == second.status_code == 200
    assert second.json() == {"kpi": "p95_inference_latency", "received": 2, "stored": 2}
    rows = KpiObservation.objects.order_by("observed_at")
    assert [(r.source, r.team.slug, r.value) for r in rows] == [
        ("grafana-export", "sre", 180.5),
        ("grafana-export", "sre", 210.0),
    ]
    listed = api_client.get(URL).json()
    assert [(o["at"], o["value"]) for o in listed] == [
        ("2026-05-01T11:00:00Z", 210.0),
        ("2026-05-01T10:00:00Z", 180.5),
    ]


def test_a_repeated_timestamp_from_the_same_source_overwrites_it(author, api_client):
    api_client.force_authenticate(author)
    batch = {**BATCH, "team": ""}
    api_client.post(URL, batch, format="json")
    batch["observations"] = [{"at": "2026-05-01T10:00:00+00:00", "value": 175}]
    api_client.post(URL, batch, format="json")
    assert sorted(KpiObservation.objects.values_list("value", flat=True)) == [175.0, 210.0]


@pytest.mark.parametrize(
    ("who", "kpi", "team", "status", "message"),
    [
        ("manager", "p95_inference_latency", "ml", 400, "No team 'ml' you may report for."),
        ("manager", "p95_inference_latency", "", 400, "for one of their teams"),
        ("author", "mttr", "", 400, "'mttr' is not fed from outside"),
        ("learner", "p95_inference_latency", "sre", 403, ""),
    ],
)
def test_pushes_that_may_not_be_made_store_nothing(
    request, api_client, manager, who, kpi, team, status, message
):
    TeamFactory(slug="sre", managers=[manager])
    TeamFactory(slug="ml")
    api_client.force_authenticate(request.getfixturevalue(who))
    url = reverse("api-metrics-kpi-observations", args=[kpi])
    reply = api_client.post(url, {**BATCH, "team": team}, format="json")
    assert reply.status_code == status
    assert message in json.dumps(reply.json())
    assert KpiObservation.objects.count() == 0


def test_naive_timestamps_are_refused():
    with pytest.raises(external.MetricsError, match="time zone"):
        external.observations_record(
            kpi_key="pipeline_success_rate",
            source="x",
            points=[(dt.datetime(2026, 5, 1), 0.99)],
        )


# --- a real Prometheus ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Target(BaseHTTPRequestHandler):
    """A scrape target exposing one gauge: the endpoint's p95 latency in ms."""

    def do_GET(self) -> None:
        body = (
            b"# HELP inference_p95_ms p95 inference latency\n"
            b"# TYPE inference_p95_ms gauge\n"
            b'inference_p95_ms{endpoint="chat"} 187.5\n'
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def prometheus(tmp_path):
    """A private Prometheus on a free port scraping a private target every second."""
    target = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    port = _free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: model\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{target.server_port}']}}]\n"
    )
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # until the gauge has been scraped a few times
            try:
                query = urllib.parse.urlencode({"query": "count_over_time(inference_p95_ms[1m])"})
                with urllib.request.urlopen(f"{base}/api/v1/query?{query}", timeout=2) as r:
                    result = json.loads(r.read())["data"]["result"]
                if result and float(result[0]["value"][1]) >= 3:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Prometheus did not start scraping within 60 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        target.shutdown()
        target.server_close()
        shutil.rmtree(tmp_path / "data", ignore_errors=True)


@pytest.mark.prometheus
def test_a_kpi_bound_to_a_promql_expression_holds_what_prometheus_returns(db, prometheus):
    # given the p95 latency KPI bound to a PromQL expression on a real Prometheus
    team = TeamFactory(slug="ml")
    source = PrometheusSource.objects.create(
        kpi_key="p95_inference_latency",
        team=team,
        base_url=prometheus,
        query='max(inference_p95_ms{endpoint="chat"})',
        step_seconds=1,
    )
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = end - dt.timedelta(seconds=30)

    # when it is pulled (twice: the second pull stores nothing new)
    source.last_pulled_at = start
    source.save()
    result = external.prometheus_pull(source_id=source.pk, end=end)
    PrometheusSource.objects.filter(pk=source.pk).update(last_pulled_at=start)
    external.prometheus_pull(source_id=source.pk, end=end)

    # then the observations are exactly the series the server returns for that range
    query = urllib.parse.urlencode(
        {
            "query": source.query,
            "start": start.timestamp(),
            "end": end.timestamp(),
            "step": "1s",
        }
    )
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{query}", timeout=5) as r:
        (series,) = json.loads(r.read())["data"]["result"]
    expected = [
        (dt.datetime.fromtimestamp(float(t), tz=dt.UTC), float(v)) for t, v in series["values"]
    ]
    stored = list(
        KpiObservation.objects.order_by("observed_at").values_list("observed_at", "value")
    )
    assert stored == expected and stored
    assert {v for _, v in stored} == {187.5}
    assert result.stored == len(expected)
    assert set(KpiObservation.objects.values_list("source", "team__slug")) == {
        (f"prometheus:{source.pk}", "ml")
    }
    summary = external.external_summary(
        kpi_key="p95_inference_latency", team_ids=[team.pk], first=start, last=end
    )
    assert (summary.mean, summary.latest) == (187.5, 187.5)


@pytest.mark.prometheus
def test_an_expression_returning_several_series_is_refused(db, prometheus):
    source = PrometheusSource.objects.create(
        kpi_key="p95_inference_latency", base_url=prometheus, query="up or vector(1)"
    )
    with pytest.raises(external.MetricsError, match="returned 2 series"):
        external.prometheus_pull(source_id=source.pk)
    assert KpiObservation.objects.count() == 0
