"""KPIs fed from outside Trellis: observations pushed through the API or pulled from
Prometheus (`/api/v1/query_range`), and what a period of them sums up to."""

import datetime as dt
import json
import math
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from config.tasks import enqueue_on_commit
from org.models import Team
from pathways.models import Cohort

from .exceptions import MetricsError
from .models import KpiObservation, PrometheusSource
from .registry import EXTERNAL_KEYS

# A pull asks for at most this many points, so a wide window cannot flood the table.
MAX_POINTS = 11_000
PULL_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class RecordResult:
    received: int
    stored: int  # rows now holding these (source, timestamp) pairs


def _external(kpi_key: str) -> None:
    if kpi_key not in EXTERNAL_KEYS:
        known = ", ".join(sorted(EXTERNAL_KEYS))
        raise MetricsError(f"{kpi_key!r} is not fed from outside; external KPIs: {known}.")


def observations_record(
    *,
    kpi_key: str,
    source: str,
    points: Iterable[tuple[dt.datetime, float]],
    team: Team | None = None,
) -> RecordResult:
    """Store observations, once per (KPI, source, timestamp): a repeated push overwrites
    each row with the same value, so retrying is safe."""
    _external(kpi_key)
    if not source.strip():
        raise MetricsError("An observation needs a source.")
    rows = {}
    for at, value in points:
        if timezone.is_naive(at):
            raise MetricsError("Timestamps need a time zone (e.g. 2026-05-01T10:00:00Z).")
        if not math.isfinite(value):
            raise MetricsError("Values must be finite numbers.")
        rows[at] = KpiObservation(
            kpi_key=kpi_key, source=source.strip(), observed_at=at, value=value, team=team
        )
    with transaction.atomic():
        KpiObservation.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["kpi_key", "source", "observed_at"],
            update_fields=["value", "team", "recorded_at"],
        )
    if rows and Cohort.objects.filter(pathways__outcomes__kpi_key=kpi_key).exists():
        # cohorts' outcome KPIs read this KPI: the worker measures them again
        enqueue_on_commit("metrics.tasks.cohort_outcomes_refresh")
    return RecordResult(received=len(rows), stored=len(rows))


@dataclass(frozen=True, slots=True)
class ExternalSummary:
    kpi_key: str
    n: int
    mean: float | None
    latest: float | None
    latest_at: dt.datetime | None


def external_summary(
    *, kpi_key: str, team_ids: Iterable[int] | None, first: dt.datetime, last: dt.datetime
) -> ExternalSummary:
    """Mean and latest of the observations in [first, last) for these teams (None: all)."""
    rows = KpiObservation.objects.filter(
        kpi_key=kpi_key, observed_at__gte=first, observed_at__lt=last
    )
    if team_ids is not None:
        rows = rows.filter(Q(team_id__in=list(team_ids)))
    agg = rows.aggregate(n=Count("id"), mean=Avg("value"))
    latest = rows.order_by("-observed_at").values("value", "observed_at").first()
    return ExternalSummary(
        kpi_key=kpi_key,
        n=agg["n"],
        mean=agg["mean"],
        latest=latest["value"] if latest else None,
        latest_at=latest["observed_at"] if latest else None,
    )


# --- Prometheus ------------------------------------------------------------------------


def prometheus_query_range(
    *, base_url: str, query: str, start: dt.datetime, end: dt.datetime, step_seconds: int
) -> list[tuple[dt.datetime, float]]:
    """(time, value) of the one series a PromQL expression returns over [start, end]."""
    if (end - start).total_seconds() / step_seconds > MAX_POINTS:
        raise MetricsError(f"At most {MAX_POINTS} points per pull; widen the step.")
    params = urllib.parse.urlencode(
        {
            "query": query,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step_seconds}s",
        }
    )
    url = f"{base_url.rstrip('/')}/api/v1/query_range?{params}"
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise MetricsError("Prometheus is reached over http or https.")
    try:
        with urllib.request.urlopen(url, timeout=PULL_TIMEOUT_SECONDS) as reply:
            body = json.loads(reply.read(10_000_000))
    except (OSError, ValueError) as exc:
        raise MetricsError(f"Prometheus did not answer: {exc}") from exc
    if body.get("status") != "success":
        raise MetricsError(f"Prometheus refused the query: {body.get('error', body)}")
    series = body.get("data", {}).get("result", [])
    if len(series) != 1:
        raise MetricsError(
            f"The expression returned {len(series)} series; aggregate it to exactly one."
        )
    points = []
    for stamp, text in series[0].get("values", []):
        value = float(text)
        if math.isfinite(value):
            points.append((dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC), value))
    return points


def prometheus_pull(
    *, source_id: int, end: dt.datetime | None = None, days: int = 7
) -> RecordResult:
    """Pull one source's series since its last pull (at most `days` back) and store it."""
    source = PrometheusSource.objects.select_related("team").get(pk=source_id)
    _external(source.kpi_key)
    end = end or timezone.now()
    start = max(
        source.last_pulled_at or end - dt.timedelta(days=days), end - dt.timedelta(days=days)
    )
    points = prometheus_query_range(
        base_url=source.base_url,
        query=source.query,
        start=start,
        end=end,
        step_seconds=source.step_seconds,
    )
    result = observations_record(
        kpi_key=source.kpi_key, source=source.source, points=points, team=source.team
    )
    PrometheusSource.objects.filter(pk=source.pk).update(last_pulled_at=end)
    return result


def prometheus_pull_all() -> dict[int, int]:
    """Pull every source; the number of points stored by source id (-1: it failed)."""
    out = {}
    for source_id in PrometheusSource.objects.values_list("pk", flat=True):
        try:
            out[source_id] = prometheus_pull(source_id=source_id).stored
        except MetricsError:
            out[source_id] = -1
    return out
