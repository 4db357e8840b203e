"""Writing rollups: the full rebuild and the incremental chunks, on PostgreSQL in SQL
and elsewhere through the Python path, with the same results.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from incidents.models import ActionItem

from ..models import DURATION_PREFIXES, DirtyBucket, IncidentRollup, RolledIncident
from .facts import (
    MAP_COLUMNS,
    aggregate,
    bucket_time_zone,
    fact_from_map,
    facts_for,
    insert_rows,
    map_row,
)

# On PostgreSQL the facts and buckets are computed by set-based SQL (a full rebuild of
# 100,000 incidents is one statement); elsewhere by the Python above. Both produce the
# same keys, fingerprints and rows: tests/metrics/test_rollups_postgres.py checks it.


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _us(later: str, earlier: str) -> str:
    return f"(extract(epoch FROM i.{later} - i.{earlier}) * 1000000)::bigint"


_PG_REVIEWED_ALL = f"""(i.id IN (SELECT incident_id FROM incidents_incidentfactor)
        AND i.id IN (SELECT incident_id FROM incidents_actionitem
                     WHERE kind IN ('{ActionItem.Kind.PREVENT}', '{ActionItem.Kind.PROCESS}')))"""
_PG_REVIEWED_EACH = f"""(
        EXISTS (SELECT 1 FROM incidents_incidentfactor x WHERE x.incident_id = i.id)
        AND EXISTS (SELECT 1 FROM incidents_actionitem a WHERE a.incident_id = i.id
                    AND a.kind IN ('{ActionItem.Kind.PREVENT}', '{ActionItem.Kind.PROCESS}')))"""


def _pg_facts(*, extra: str = "", join: str = "", where: str = "", few: bool = False) -> str:
    """One row per incident: what `fact_from_row` computes, in SQL. `few`: a handful of
    incidents by id (probe the child tables per incident instead of hashing them)."""
    return f"""
SELECT {extra} i.id AS incident_id,
       concat_ws('|', coalesce(i.team_id::text, ''), coalesce(i.service_id::text, ''),
                 coalesce(to_char(s.slice, 'YYYY-MM-DD'), ''), i.severity,
                 CASE WHEN i.ai_related THEN '1' ELSE '0' END, i.failure_mode) AS bucket_key,
       i.team_id, i.service_id, s.slice, i.severity, i.ai_related, i.failure_mode,
       {_us("detected_at", "started_at")} AS ttd,
       {_us("acknowledged_at", "detected_at")} AS tta,
       {_us("mitigated_at", "started_at")} AS ttm,
       {_us("resolved_at", "started_at")} AS ttr,
       i.rolled_back,
       (i.cleanup_hours * 100)::bigint AS cleanup_centi,
       {_PG_REVIEWED_EACH if few else _PG_REVIEWED_ALL} AS reviewed
FROM incidents_incident i
CROSS JOIN LATERAL (
  SELECT greatest(date_trunc('week', i.started_at AT TIME ZONE %(tz)s),
                  date_trunc('month', i.started_at AT TIME ZONE %(tz)s))::date AS slice
) s
{join}
{where}
"""


# Map columns from a facts row `f` (see MAP_COLUMNS).
_PG_MAP_SELECT = """f.incident_id, f.bucket_key, FINGERPRINT AS fingerprint, f.team_id,
  f.service_id, f.slice AS slice_start,
  f.severity, f.ai_related, f.failure_mode, f.ttd, f.tta, f.ttm, f.ttr, f.rolled_back,
  f.cleanup_centi, f.reviewed"""
_PG_MAP_UPDATE = ", ".join(f"{c} = EXCLUDED.{c}" for c in MAP_COLUMNS[1:])

_PG_FINGERPRINT = """md5(concat_ws('|', f.bucket_key, coalesce(f.ttd::text, ''),
  coalesce(f.tta::text, ''), coalesce(f.ttm::text, ''), coalesce(f.ttr::text, ''),
  CASE WHEN f.rolled_back THEN '1' ELSE '0' END, coalesce(f.cleanup_centi::text, ''),
  CASE WHEN f.reviewed THEN '1' ELSE '0' END))"""


# What a map row's fingerprint hashes (its bucket key names the other columns), as a
# row of a table aliased X.
_MAP_VALUES = "X.bucket_key, X.ttd, X.tta, X.ttm, X.ttr, X.rolled_back, X.cleanup_centi, X.reviewed"


def _pg_map_select() -> str:
    return _PG_MAP_SELECT.replace("FINGERPRINT", _PG_FINGERPRINT)


def _pg_values(prefix: str) -> str:
    return (
        f"count(f.{prefix}) AS {prefix}_n, coalesce(sum(f.{prefix}), 0) AS {prefix}_sum_us, "
        f"coalesce(string_agg(f.{prefix}::text, ',' ORDER BY f.{prefix}), '') AS {prefix}_values"
    )


_PG_ROLLUP_COLUMNS = (
    "bucket_key, team_id, service_id, slice_start, week_start, month_start, severity, "
    "ai_related, failure_mode, incident_count, rolled_back_count, reviewed_count, "
    "cleanup_n, cleanup_centi, cleanup_values, "
    + ", ".join(f"{p}_n, {p}_sum_us, {p}_values" for p in DURATION_PREFIXES)
    + ", computed_at"
)
# Each output column is named after the rollup column it fills.
_PG_ROLLUP_SELECT = """
SELECT min(f.bucket_key) AS bucket_key, f.team_id AS team_id, f.service_id AS service_id,
       f.slice AS slice_start,
       date_trunc('week', f.slice::timestamp)::date AS week_start,
       date_trunc('month', f.slice::timestamp)::date AS month_start,
       f.severity AS severity, f.ai_related AS ai_related, f.failure_mode AS failure_mode,
       count(*) AS incident_count,
       count(*) FILTER (WHERE f.rolled_back) AS rolled_back_count,
       count(*) FILTER (WHERE f.reviewed) AS reviewed_count,
       count(f.cleanup_centi) AS cleanup_n,
       coalesce(sum(f.cleanup_centi), 0) AS cleanup_centi,
       coalesce(string_agg(f.cleanup_centi::text, ',' ORDER BY f.cleanup_centi), '')
         AS cleanup_values,
       DURATIONS,
       %(now)s AS computed_at
FROM f
WHERE_FACTS
GROUP BY f.team_id, f.service_id, f.slice, f.severity, f.ai_related, f.failure_mode
""".replace("DURATIONS", ", ".join(_pg_values(p) for p in DURATION_PREFIXES))


def _pg_rollup_select(where: str = "") -> str:
    return _PG_ROLLUP_SELECT.replace("WHERE_FACTS", where)


@dataclass(frozen=True, slots=True)
class Rebuild:
    incidents: int
    buckets: int
    buckets_changed: int  # rows written or deleted: 0 when the rollups were already right
    incidents_remapped: int


def _rollup_value_columns() -> list[str]:
    return [
        c
        for c in _PG_ROLLUP_COLUMNS.replace(" ", "").split(",")
        if c not in ("bucket_key", "computed_at")
    ]


def rebuild_all(now: dt.datetime) -> Rebuild:
    """Recompute every bucket and the incident map from the incidents. The caller holds
    the rollup lock inside a transaction.

    On PostgreSQL the result is merged into the existing rows: only buckets whose
    values differ are written, buckets that no longer exist are deleted, and readers
    are never blocked. A rebuild over correct rollups therefore writes nothing, and
    `buckets_changed` says how far the rollups had drifted.
    """
    if on_postgres():
        values = _rollup_value_columns()
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*values, "computed_at"])
        differs = " OR ".join(f"r.{c} IS DISTINCT FROM agg.{c}" for c in values)
        written_columns = ", ".join(
            f"d.{c}" for c in _PG_ROLLUP_COLUMNS.replace(" ", "").split(",")
        )
        with connection.cursor() as cursor:
            # One full join per table finds what to write and what to delete; only
            # differences are materialized and written (unchanged rows are not even
            # locked). A map row is compared on the values its fingerprint hashes, so
            # fingerprints are computed for the rows written only. A first build
            # inserts in key order, so the key indexes fill page by page instead of
            # touching (and logging) pages at random.
            cursor.execute(
                f"""
                WITH f AS MATERIALIZED ({_pg_facts()}),
                md AS MATERIALIZED (
                  SELECT f.*, r.incident_id AS old_id
                  FROM f FULL JOIN metrics_rolledincident r ON r.incident_id = f.incident_id
                  WHERE f.incident_id IS NULL OR r.incident_id IS NULL
                     OR ({_MAP_VALUES.replace("X.", "r.")})
                        IS DISTINCT FROM ({_MAP_VALUES.replace("X.", "f.")})
                ),
                mapped AS (
                  INSERT INTO metrics_rolledincident ({", ".join(MAP_COLUMNS)})
                  SELECT {_pg_map_select()} FROM md f
                  WHERE f.incident_id IS NOT NULL
                  ORDER BY f.bucket_key
                  ON CONFLICT (incident_id) DO UPDATE SET {_PG_MAP_UPDATE}
                  RETURNING 1
                ),
                unmapped AS (
                  DELETE FROM metrics_rolledincident r USING md
                  WHERE md.incident_id IS NULL AND r.incident_id = md.old_id
                  RETURNING 1
                ),
                agg AS MATERIALIZED ({_pg_rollup_select()}),
                d AS MATERIALIZED (
                  SELECT agg.*, r.id AS old_id
                  FROM agg FULL JOIN metrics_incidentrollup r ON r.bucket_key = agg.bucket_key
                  WHERE agg.bucket_key IS NULL OR r.id IS NULL OR {differs}
                ),
                written AS (
                  INSERT INTO metrics_incidentrollup ({_PG_ROLLUP_COLUMNS})
                  SELECT {written_columns} FROM d
                  WHERE d.bucket_key IS NOT NULL
                  ORDER BY d.bucket_key
                  ON CONFLICT (bucket_key) DO UPDATE SET {updates}
                  RETURNING 1
                ),
                emptied AS (
                  DELETE FROM metrics_incidentrollup r USING d
                  WHERE d.bucket_key IS NULL AND r.id = d.old_id
                  RETURNING 1
                )
                SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM agg),
                       (SELECT count(*) FROM written) + (SELECT count(*) FROM emptied),
                       (SELECT count(*) FROM mapped) + (SELECT count(*) FROM unmapped)
                """,
                {"tz": bucket_time_zone(), "now": now},
            )
            return Rebuild(*cursor.fetchone())
    columns = [c for c in _rollup_value_columns() if c != "bucket_key"]
    before = {row[0]: row[1:] for row in IncidentRollup.objects.values_list("bucket_key", *columns)}
    before_map = dict(RolledIncident.objects.values_list("incident_id", "fingerprint").order_by())
    facts = list(facts_for(None))
    buckets_by_key = aggregate(facts)
    rows = [b.row(now) for b in buckets_by_key.values()]
    after = {row["bucket_key"]: tuple(row[c] for c in columns) for row in rows}
    changed = sum(before.get(k) != v for k, v in after.items()) + len(before.keys() - after)
    remapped = sum(before_map.get(f.incident_id) != f.fingerprint for f in facts)
    remapped += len(before_map.keys() - {f.incident_id for f in facts})
    RolledIncident.objects.all().delete()
    IncidentRollup.objects.all().delete()
    insert_rows(IncidentRollup, rows)
    insert_rows(RolledIncident, [map_row(f) for f in facts])
    return Rebuild(len(facts), len(buckets_by_key), changed, remapped)


def process_chunk(limit: int, now: dt.datetime) -> int:
    """Recompute up to `limit` dirty buckets from what the map says their incidents
    contribute, replace their rows and clear their marks. Returns how many were done.
    The caller holds the rollup lock."""
    if on_postgres():
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}" for c in _PG_ROLLUP_COLUMNS.replace(" ", "").split(",")[1:]
        )
        with connection.cursor() as cursor:
            # The map has no index on bucket_key: with buckets to do it is scanned once
            # (a hashed ANY); with none, the test on `keys` skips the scan.
            cursor.execute(
                f"""
                WITH d AS MATERIALIZED (
                  SELECT id, bucket_key FROM metrics_dirtybucket
                  ORDER BY marked_at, bucket_key LIMIT %(limit)s
                ),
                k AS MATERIALIZED (SELECT array_agg(bucket_key) AS keys FROM d),
                f AS MATERIALIZED (
                  SELECT incident_id, bucket_key, team_id, service_id, slice_start AS slice,
                         severity, ai_related, failure_mode, ttd, tta, ttm, ttr, rolled_back,
                         cleanup_centi, reviewed
                  FROM metrics_rolledincident
                  WHERE (SELECT keys FROM k) IS NOT NULL
                    AND bucket_key = ANY((SELECT keys FROM k)::text[])
                ),
                written AS (
                  INSERT INTO metrics_incidentrollup ({_PG_ROLLUP_COLUMNS})
                  {_pg_rollup_select()}
                  ON CONFLICT (bucket_key) DO UPDATE SET {updates}
                  RETURNING bucket_key
                ),
                emptied AS (
                  DELETE FROM metrics_incidentrollup
                  WHERE bucket_key IN (SELECT bucket_key FROM d
                                       EXCEPT SELECT bucket_key FROM written)
                ),
                cleared AS (
                  DELETE FROM metrics_dirtybucket x USING d WHERE x.id = d.id
                )
                SELECT coalesce(array_length(keys, 1), 0) FROM k
                """,
                {"now": now, "limit": limit},
            )
            return cursor.fetchone()[0]
    keys = list(
        DirtyBucket.objects.order_by("marked_at", "bucket_key").values_list(
            "bucket_key", flat=True
        )[:limit]
    )
    if not keys:
        return 0
    IncidentRollup.objects.filter(bucket_key__in=keys).delete()
    rows = RolledIncident.objects.filter(bucket_key__in=keys).values(*MAP_COLUMNS)
    buckets = aggregate(fact_from_map(row) for row in rows)
    insert_rows(IncidentRollup, [b.row(now) for b in buckets.values()])
    DirtyBucket.objects.filter(bucket_key__in=keys).delete()
    return len(keys)
