"""Rollup cost on PostgreSQL: full rebuild and incremental update, against a GROUP BY.

Loads 100,000 incidents spread over a year (8 teams, 32 services, four severities,
AI-related or not, eleven failure modes, some stages missing), then times, in the
same run and on the same rows:

- the product's full rebuild (`metrics.services.rollups_recompute_all`: every
  bucket's counts, sums and sorted durations, plus the per-incident map the
  incremental path needs, written in one transaction);
- one hand-written `GROUP BY` over the same buckets with `percentile_cont(0.5)`,
  `percentile_cont(0.9)` and `avg` for the four lifecycle durations, fetched;
- the incremental path after an import batch of 1,000 new incidents spread over the
  same year (`rollups_note_batch` + `rollups_process_dirty`).

It also checks that medians and p90s read from the rollups equal percentile_cont's.
Creates and drops its own database (BENCH_METRICS_DB, default `trellis_bench_metrics`, on
BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres). Not part of the test suite.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INCIDENTS = int(os.environ.get("BENCH_METRICS_INCIDENTS", "100000"))
NEW_INCIDENTS = 1000
RUNS = int(os.environ.get("BENCH_METRICS_RUNS", "3"))
DB_NAME = os.environ.get("BENCH_METRICS_DB", "trellis_bench_metrics")
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
FULL_TARGET, INCREMENTAL_TARGET = 1.5, 0.02
FAILURE_MODES = [
    "hallucination",
    "prompt-injection",
    "data-leak",
    "drift",
    "bad-input-data",
    "unsafe-output",
    "capacity",
    "cost-overrun",
    "bad-deployment",
    "dependency-outage",
    "other",
]

GROUP_BY = """
SELECT team_id, service_id,
       greatest(date_trunc('week', started_at AT TIME ZONE %(tz)s),
                date_trunc('month', started_at AT TIME ZONE %(tz)s)) AS slice,
       severity, ai_related, failure_mode, count(*),
       {durations},
       sum(rolled_back::int), sum(cleanup_hours)
FROM incidents_incident
WHERE started_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""
STAGES = {
    "ttd": ("detected_at", "started_at"),
    "tta": ("acknowledged_at", "detected_at"),
    "ttm": ("mitigated_at", "started_at"),
    "ttr": ("resolved_at", "started_at"),
}


def _server(dbname: str) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{dbname}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql)


def _incident_rows(count: int, teams, services, start_id: int, batch_id, rng) -> list[dict]:
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    rows = []
    for n in range(start_id, start_id + count):
        team = rng.randrange(len(teams))
        started = base + dt.timedelta(seconds=rng.randrange(365 * 86400))
        detected = started + dt.timedelta(seconds=rng.randrange(30, 3600))
        acknowledged = detected + dt.timedelta(seconds=rng.randrange(10, 1800))
        mitigated = started + dt.timedelta(seconds=rng.randrange(3600, 6 * 3600))
        resolved = mitigated + dt.timedelta(seconds=rng.randrange(60, 4 * 86400))
        missing = rng.random()
        rows.append(
            {
                "source": "bench",
                "external_id": f"B-{n:07d}",
                "title": f"Bench incident {n}",
                "summary": "",
                "url": "",
                "severity": f"SEV{rng.randrange(1, 5)}",
                "severity_original": "",
                "status": "resolved",
                "team_id": teams[team],
                "service_id": services[team * 4 + rng.randrange(4)],
                "started_at": started,
                "detected_at": None if missing < 0.03 else detected,
                "acknowledged_at": None if missing < 0.06 else acknowledged,
                "mitigated_at": None if missing < 0.10 else mitigated,
                "resolved_at": None if missing < 0.15 else resolved,
                "detection_method": "monitoring",
                "ai_related": rng.random() < 0.4,
                "failure_mode": rng.choice(FAILURE_MODES),
                "rolled_back": rng.random() < 0.08,
                "deployment_ref": "",
                "customer_impact": "",
                "cleanup_hours": None
                if rng.random() < 0.3
                else Decimal(rng.randrange(0, 4000)) / 100,
                "trigger": "",
                "root_causes": "",
                "resolution": "",
                "lessons_went_well": "",
                "lessons_went_wrong": "",
                "lessons_got_lucky": "",
                "attributes": "{}",  # JSON text: the rows go in through COPY
                "dropped_fields": "[]",
                "raw": "",
                "raw_format": "",
                "content_hash": "",
                "created_at": now,
                "updated_at": now,
                "created_batch_id": batch_id,
                "last_batch_id": batch_id,
            }
        )
    return rows


def _floor(teams, service_ids, rng) -> list[float]:
    """What any update that keeps this storage (a map row per incident, a row per
    bucket) must do for 1,000 new incidents, timed alone, cumulatively: compute their
    facts (the product's SQL); also write their map rows; also write one row per new
    bucket they fall in; also write a new version of each existing bucket they fall in
    (its count raised, no list merged, so this is a lower bound). Each statement is
    prepared with a generic plan, as the product's is, and rolled back; only the
    EXECUTE is timed. Medians of three, in ms."""
    from django.db import connection, transaction

    from incidents.models import Incident
    from metrics.rollups import MAP_COLUMNS, bucket_time_zone, insert_rows
    from metrics.rollups.deltas import prepared_parameters
    from metrics.rollups.writing import (
        _PG_ROLLUP_COLUMNS,
        _pg_facts,
        _pg_map_select,
        _pg_rollup_select,
    )

    facts = _pg_facts(where="WHERE i.id = ANY(%(ids)s)", few=True)
    with_map = (
        f"w AS (INSERT INTO metrics_rolledincident ({', '.join(MAP_COLUMNS)}) "
        f"SELECT {_pg_map_select()} FROM f ORDER BY f.incident_id)"
    )
    with_buckets = (
        f"g AS MATERIALIZED ({_pg_rollup_select()}), "
        f"b AS (INSERT INTO metrics_incidentrollup ({_PG_ROLLUP_COLUMNS}) "
        "SELECT * FROM g ORDER BY bucket_key ON CONFLICT (bucket_key) DO NOTHING)"
    )
    # Existing buckets get a new version with their count raised (no list merged).
    with_existing = (
        "u AS (UPDATE metrics_incidentrollup r SET incident_count = r.incident_count "
        "+ g.incident_count FROM g WHERE r.bucket_key = g.bucket_key)"
    )
    steps = [
        f"WITH f AS MATERIALIZED ({facts}) SELECT count(*) FROM f",
        f"WITH f AS MATERIALIZED ({facts}), {with_map} SELECT count(*) FROM f",
        f"WITH f AS MATERIALIZED ({facts}), {with_map}, {with_buckets} SELECT count(*) FROM f",
        f"WITH f AS MATERIALIZED ({facts}), {with_map}, {with_buckets}, {with_existing} "
        "SELECT count(*) FROM f",
    ]
    times: list[list[float]] = [[] for _ in steps]
    first_id = 10 * INCIDENTS
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL jit = off")
        rows = _incident_rows(NEW_INCIDENTS, teams, service_ids, first_id, None, rng)
        insert_rows(Incident, rows)
        ids = list(
            Incident.objects.filter(
                source="bench", external_id__in=[row["external_id"] for row in rows]
            ).values_list("id", flat=True)
        )
        for n, sql in enumerate(steps):
            cursor.execute(
                f"PREPARE bench_floor_{n} (bigint[], text, timestamptz) AS "
                + prepared_parameters(sql)
            )
        args = [
            "{" + ",".join(map(str, ids)) + "}",
            bucket_time_zone(),
            dt.datetime.now(dt.UTC),
        ]
        for _ in range(3):
            for n, step_times in enumerate(times):
                with transaction.atomic():
                    began = time.perf_counter()
                    cursor.execute(f"EXECUTE bench_floor_{n} (%s::bigint[], %s, %s)", args)
                    step_times.append((time.perf_counter() - began) * 1000)
                    transaction.set_rollback(True)
        for n in range(len(steps)):
            cursor.execute(f"DEALLOCATE bench_floor_{n}")
        transaction.set_rollback(True)
    return [statistics.median(t) for t in times]


def main() -> int:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = _server(DB_NAME)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        from incidents.models import ImportBatch, Incident, Service
        from metrics import selectors, services
        from metrics.models import IncidentRollup
        from metrics.rollups import bucket_time_zone, insert_rows
        from org.models import Team

        rng = random.Random(7)
        teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}").pk for i in range(8)]
        service_ids = [
            Service.objects.create(slug=f"svc-{i}", name=f"Service {i}", team_id=teams[i // 4]).pk
            for i in range(32)
        ]
        insert_rows(Incident, _incident_rows(INCIDENTS, teams, service_ids, 0, None, rng))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident")

        durations = ",\n".join(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM {late} - {early})), "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM {late} - {early})),"
            f" avg(extract(epoch FROM {late} - {early}))"
            for late, early in STAGES.values()
        )
        sql = GROUP_BY.format(durations=durations)

        def group_by() -> list:
            with connection.cursor() as cursor:
                cursor.execute(sql, {"tz": bucket_time_zone()})
                return cursor.fetchall()

        group_by()  # warm the cache
        # The first build writes every row into empty tables.
        began = time.perf_counter()
        first = services.rollups_recompute_all()
        first_s = time.perf_counter() - began
        began = time.perf_counter()
        group_by()
        first_baseline_s = time.perf_counter() - began
        # A recompute over existing rollups (the nightly job, `recompute_metrics`) does
        # the same computation and writes only what differs. Alternate it with the
        # GROUP BY so that both see the same machine load; compare medians.
        full_times, baseline_times = [], []
        for _ in range(RUNS):
            began = time.perf_counter()
            baseline_rows = group_by()
            baseline_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            result = services.rollups_recompute_all()
            full_times.append(time.perf_counter() - began)
        full_s, baseline_s = statistics.median(full_times), statistics.median(baseline_times)
        ratios = sorted(f / b for f, b in zip(full_times, baseline_times, strict=True))
        print(
            f"incidents: {INCIDENTS}; buckets: {result.buckets}; GROUP BY groups: "
            f"{len(baseline_rows)}; runs: {RUNS}"
        )
        print(
            f"first_build_s: {first_s:.3f} ({first.buckets_changed} buckets written); "
            f"first_build_vs_groupby_ratio: {first_s / first_baseline_s:.2f}"
        )
        print(f"full_recompute_s (median): {full_s:.3f}")
        print(f"groupby_percentile_cont_s (median): {baseline_s:.3f}")
        print(
            f"full_recompute_vs_groupby_ratio: {statistics.median(ratios):.2f} "
            f"(target <= {FULL_TARGET}; per run {', '.join(f'{r:.2f}' for r in ratios)})"
        )

        # The same numbers: per team and week, rollups vs percentile_cont on the raw rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
                "resolved_at - started_at)), percentile_cont(0.9) WITHIN GROUP (ORDER BY "
                "extract(epoch FROM resolved_at - started_at)) FROM incidents_incident "
                "WHERE team_id = %s AND started_at >= %s AND started_at < %s",
                [
                    teams[0],
                    dt.datetime(2025, 6, 2, tzinfo=dt.UTC),
                    dt.datetime(2025, 6, 9, tzinfo=dt.UTC),
                ],
            )
            pg_median, pg_p90 = cursor.fetchone()
        week = (
            selectors.incident_report(
                scope=selectors.scope_parse("team:team-0"),
                period="week",
                first=dt.date(2025, 6, 2),
                last=dt.date(2025, 6, 8),
            )
            .periods[0]
            .durations["mttr"]
        )
        same = (
            abs(float(week.median) - float(pg_median)) < 1e-6
            and abs(float(week.p90) - float(pg_p90)) < 1e-6
        )
        print(
            f"rollup_percentiles_equal_percentile_cont: {same} (median {week.median} s, "
            f"p90 {week.p90} s, n {week.n})"
        )

        # Incremental: finished batches of 1,000 new incidents spread over the same
        # year (so about a thousand buckets each), noted and processed as the worker
        # does. Statistics are refreshed first, as autovacuum would after a rebuild.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE metrics_incidentrollup, metrics_rolledincident")
        incremental_times, recomputed, phases = [], [], []
        for run in range(RUNS):
            batch = ImportBatch.objects.create(
                source="bench",
                format="jsonl",
                status=ImportBatch.Status.DONE,
                finished_at=timezone.now(),
            )
            first_id = INCIDENTS + run * NEW_INCIDENTS
            insert_rows(
                Incident,
                _incident_rows(NEW_INCIDENTS, teams, service_ids, first_id, batch.pk, rng),
            )
            began = time.perf_counter()
            changed = services.rollups_note_batch(batch_id=batch.pk, schedule=False)
            noted = time.perf_counter()
            recomputed.append(changed + services.rollups_process_dirty())
            incremental_times.append(time.perf_counter() - began)
            phases.append(
                f"note {noted - began:.3f} s + process {time.perf_counter() - noted:.3f} s"
            )
        incremental_s = statistics.median(incremental_times)
        print(f"incremental_buckets_changed: {', '.join(map(str, recomputed))}")
        print(f"incremental_runs: {'; '.join(phases)}")
        print(f"incremental_1000_s (median): {incremental_s:.3f}")
        print(
            f"incremental_1000_vs_full_ratio: {incremental_s / full_s:.3f} "
            f"(target <= {INCREMENTAL_TARGET})"
        )
        floor = _floor(teams, service_ids, rng)
        print(
            "incremental_floor_ms (median of 3, 1,000 new incidents, rolled back): "
            f"facts {floor[0]:.1f}; + their map rows {floor[1]:.1f}; "
            f"+ their new buckets' rows {floor[2]:.1f}; + a new version of the existing "
            f"buckets they fall in {floor[3]:.1f} = {floor[3] / 1000 / full_s:.3f} of full"
        )
        fields = [f.attname for f in IncidentRollup._meta.concrete_fields]
        fields = [f for f in fields if f not in ("id", "computed_at")]

        def snapshot() -> set:
            return set(IncidentRollup.objects.values_list(*fields))

        incremental_rows = snapshot()
        check = services.rollups_recompute_all()
        print(
            f"incremental_equals_full_recompute: {incremental_rows == snapshot()} "
            f"(the rebuild afterwards changed {check.buckets_changed} buckets)"
        )
        connection.close()
        met = (
            statistics.median(ratios) <= FULL_TARGET
            and incremental_s / full_s <= INCREMENTAL_TARGET
            and incremental_rows == snapshot()
            and check.buckets_changed == 0
        )
        return 0 if met else 2
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP_DB"):
            _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    sys.exit(main())
