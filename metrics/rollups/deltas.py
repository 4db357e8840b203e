"""Applying changed incidents to their buckets directly: the incremental path.

For a chunk of incidents, `apply_chunk` compares each one with the map
(`RolledIncident`), and for those that appeared, vanished, moved or changed it
subtracts what the map says they contributed from their old bucket and adds what
they contribute now to their new one, updating the map in the same statement. A
bucket's counts and sums change by the difference; its sorted value lists get the new
values merged in and the old ones taken out (as multisets). Buckets no other incident
touched are not read.

The map and the buckets are written together, under the rollup lock, so the map
always says exactly what the buckets hold: applying the same chunk again finds every
incident equal to its map row and changes nothing, and a retried task cannot count an
incident twice.

Buckets marked dirty (`DirtyBucket`) are recomputed from the map by
`process_chunk`; a change to one of them updates the map only. A delta that would
leave a bucket with impossible counts, or take out a value its list does not hold (the
bucket had drifted from the map), marks it dirty instead, so it is recomputed from the
map rather than made worse.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import connection

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
from .writing import _PG_MAP_UPDATE, _PG_ROLLUP_COLUMNS, _pg_facts, _pg_map_select, on_postgres

_LISTS = ("cleanup_centi", *DURATION_PREFIXES)  # map columns with a sorted list per bucket


def _list_column(value: str) -> str:
    return "cleanup" if value == "cleanup_centi" else value


def _delta_aggregates() -> str:
    """Per bucket, from signed contributions `c` (+1 now, -1 before)."""
    parts = [
        "sum(c.sign) AS incident_count",
        "coalesce(sum(c.sign) FILTER (WHERE c.rolled_back), 0) AS rolled_back_count",
        "coalesce(sum(c.sign) FILTER (WHERE c.reviewed), 0) AS reviewed_count",
    ]
    for value in _LISTS:
        name = _list_column(value)
        total = "cleanup_centi" if value == "cleanup_centi" else f"{name}_sum_us"
        parts += [
            f"coalesce(sum(c.sign) FILTER (WHERE c.{value} IS NOT NULL), 0) AS {name}_n",
            f"coalesce(sum(c.sign * c.{value}), 0) AS {total}",
            f"array_agg(c.{value}) FILTER (WHERE c.sign > 0 AND c.{value} IS NOT NULL) "
            f"AS {name}_add",
            f"array_agg(c.{value}) FILTER (WHERE c.sign < 0 AND c.{value} IS NOT NULL) "
            f"AS {name}_del",
        ]
    return ",\n       ".join(parts)


def _merged(name: str) -> str:
    """A bucket's `<name>_values` after the delta. An untouched list is not parsed; one
    value added or one taken out is put in or found by binary search (`width_bucket`,
    `array_position`) without a subquery; anything else is sorted again. A value to
    take out that is not there gives NULL (the bucket had drifted)."""
    old = f"coalesce(r.{name}_values, '')"
    add, delete = f"dl.{name}_add", f"dl.{name}_del"
    parsed = f"r.{name}_p"
    at = f"width_bucket({add}[1], {parsed})"
    found = f"array_position({parsed}, {delete}[1])"
    return f"""CASE WHEN {add} IS NULL AND {delete} IS NULL THEN {old}
            WHEN {delete} IS NULL AND cardinality({add}) = 1 THEN
              CASE WHEN {old} = '' THEN {add}[1]::text
                   ELSE array_to_string({parsed}[:{at}] || {add}[1] || {parsed}[{at} + 1:], ',')
              END
            WHEN {add} IS NULL AND cardinality({delete}) = 1 THEN
              array_to_string({parsed}[:{found} - 1] || {parsed}[{found} + 1:], ',')
            ELSE (SELECT coalesce(string_agg(x.v::text, ',' ORDER BY x.v), '')
                  FROM (SELECT unnest({parsed})
                        UNION ALL SELECT unnest({add})
                        EXCEPT ALL SELECT unnest({delete})) AS x(v))
       END AS {name}_values"""


def _old_columns() -> list[str]:
    """The columns of an existing bucket's row the delta reads."""
    columns = ["id", "incident_count", "rolled_back_count", "reviewed_count"]
    for value in _LISTS:
        name = _list_column(value)
        total = "cleanup_centi" if value == "cleanup_centi" else f"{name}_sum_us"
        columns += [f"{name}_n", total, f"{name}_values"]
    return columns


def _parsed() -> str:
    """Each touched bucket's old row (`r_<column>`, NULL for a new bucket), and the
    lists that change parsed once (`r_<name>_p`)."""
    return ", ".join(
        [f"r.{c} AS r_{c}" for c in _old_columns()]
        + [
            f"CASE WHEN dl.{n}_add IS NULL AND dl.{n}_del IS NULL THEN NULL"
            f" ELSE string_to_array(nullif(r.{n}_values, ''), ',')::bigint[] END AS r_{n}_p"
            for n in map(_list_column, _LISTS)
        ]
    )


def _renamed() -> str:
    """The old row's columns under their own names again (a projection, no join)."""
    names = _old_columns() + [f"{_list_column(v)}_p" for v in _LISTS]
    return ", ".join(f"dl.r_{c} AS {c}" for c in names)


def _new_rows() -> str:
    """Each touched bucket's row after the delta (`nw`), with `ok` false when its counts
    would be impossible."""
    columns = [
        "dl.bucket_key",
        "dl.team_id",
        "dl.service_id",
        "dl.slice_start",
        "date_trunc('week', dl.slice_start::timestamp)::date AS week_start",
        "date_trunc('month', dl.slice_start::timestamp)::date AS month_start",
        "dl.severity",
        "dl.ai_related",
        "dl.failure_mode",
        "r.id AS old_id",
    ]
    counts = ["incident_count", "rolled_back_count", "reviewed_count"]
    for value in _LISTS:
        name = _list_column(value)
        counts.append(f"{name}_n")
        total = "cleanup_centi" if value == "cleanup_centi" else f"{name}_sum_us"
        columns.append(f"(coalesce(r.{total}, 0) + dl.{total})::bigint AS {total}")
        columns.append(_merged(name))
    columns += [f"(coalesce(r.{c}, 0) + dl.{c})::integer AS {c}" for c in counts]
    return ",\n         ".join(columns)


# Counts a bucket can have, and every list merged (a value to take out that is not in
# its list gives NULL). NULL counts as false.
_OK = (
    "coalesce("
    + " AND ".join(
        ["nw.incident_count >= 0"]
        + [
            f"nw.{c} BETWEEN 0 AND nw.incident_count"
            for c in (
                "rolled_back_count",
                "reviewed_count",
                *(f"{_list_column(v)}_n" for v in _LISTS),
            )
        ]
        + [f"nw.{_list_column(v)}_values IS NOT NULL" for v in _LISTS]
    )
    + ", false)"
)


def _pg_apply() -> str:
    columns = [c.strip() for c in _PG_ROLLUP_COLUMNS.split(",")]
    values = ", ".join(
        "%(now)s" if c == "computed_at" else f"nv.{c}" for c in columns
    )  # in the rollup table's column order
    updates = ", ".join(
        f"{c} = %(now)s" if c == "computed_at" else f"{c} = nv.{c}"
        for c in columns
        if c != "bucket_key"
    )
    map_columns = ", ".join(MAP_COLUMNS)
    return f"""
WITH f AS ({_pg_facts(where="WHERE i.id = ANY(%(ids)s)", few=True)}),
cur AS MATERIALIZED (SELECT {_pg_map_select()} FROM f),
old AS MATERIALIZED (
  SELECT {map_columns} FROM metrics_rolledincident WHERE incident_id = ANY(%(ids)s)
),
ch AS MATERIALIZED (
  SELECT cur.incident_id AS new_id, old.incident_id AS old_id
  FROM cur FULL JOIN old ON old.incident_id = cur.incident_id
  WHERE old.incident_id IS NULL OR cur.incident_id IS NULL
     OR old.bucket_key <> cur.bucket_key OR old.fingerprint <> cur.fingerprint
),
gone AS (
  DELETE FROM metrics_rolledincident
  WHERE incident_id = ANY((SELECT array_agg(old_id) FROM ch WHERE new_id IS NULL)::bigint[])
),
moved AS (
  UPDATE metrics_rolledincident r SET {_PG_MAP_UPDATE.replace("EXCLUDED.", "cur.")}
  FROM cur
  WHERE r.incident_id = cur.incident_id
    AND r.incident_id = ANY((SELECT array_agg(old_id) FROM ch
                             WHERE new_id IS NOT NULL)::bigint[])
),
added AS (
  INSERT INTO metrics_rolledincident ({map_columns})
  SELECT cur.* FROM cur JOIN ch ON ch.new_id = cur.incident_id
  WHERE ch.old_id IS NULL
  ORDER BY cur.incident_id
),
c AS (
  SELECT 1 AS sign, cur.* FROM cur JOIN ch ON ch.new_id = cur.incident_id
  UNION ALL
  SELECT -1, old.* FROM old JOIN ch ON ch.old_id = old.incident_id
),
dl AS MATERIALIZED (
  SELECT c.bucket_key, min(c.team_id) AS team_id, min(c.service_id) AS service_id,
       min(c.slice_start) AS slice_start, min(c.severity) AS severity,
       bool_or(c.ai_related) AS ai_related, min(c.failure_mode) AS failure_mode,
       {_delta_aggregates()}
  FROM c GROUP BY c.bucket_key
),
rp AS MATERIALIZED (
  SELECT dl.*, {_parsed()}
  FROM dl LEFT JOIN metrics_incidentrollup r ON r.bucket_key = dl.bucket_key
  WHERE NOT EXISTS (SELECT 1 FROM metrics_dirtybucket x WHERE x.bucket_key = dl.bucket_key)
),
nw AS (
  SELECT {_new_rows()}
  FROM rp AS dl CROSS JOIN LATERAL (SELECT {_renamed()}) AS r
),
nv AS MATERIALIZED (SELECT nw.*, {_OK} AS ok FROM nw),
changed AS (
  UPDATE metrics_incidentrollup r SET {updates}
  FROM nv WHERE r.id = nv.old_id AND nv.incident_count > 0 AND nv.ok
),
created AS (
  INSERT INTO metrics_incidentrollup ({", ".join(columns)})
  SELECT {values} FROM nv
  WHERE nv.old_id IS NULL AND nv.incident_count > 0 AND nv.ok
  ORDER BY nv.bucket_key
),
emptied AS (
  DELETE FROM metrics_incidentrollup r USING nv
  WHERE r.id = nv.old_id AND nv.incident_count = 0 AND nv.ok
),
redo AS (
  INSERT INTO metrics_dirtybucket (bucket_key, marked_at)
  SELECT nv.bucket_key, %(now)s FROM nv WHERE NOT (nv.ok)
  ON CONFLICT (bucket_key) DO NOTHING
)
SELECT count(*) FROM dl
"""


# Prepared once per database session (`_PREPARED`) and run with a generic plan (the
# rollup lock sets plan_cache_mode): planning the statement costs about as much as
# running it for a thousand incidents. Parameters: ids, time zone, now.
_PREPARED = "metrics_rollups_apply"


def prepared_parameters(sql: str) -> str:
    """A statement over ids, time zone and now, with the positional parameters PREPARE
    takes: `(bigint[], text, timestamptz)`."""
    return sql.replace("%(ids)s", "$1").replace("%(tz)s", "$2").replace("%(now)s", "$3")


_PG_APPLY = prepared_parameters(_pg_apply())


def apply_chunk(ids: Sequence[int], now: dt.datetime) -> int:
    """Bring the map and the buckets up to date for these incidents (at most ID_CHUNK).
    Returns the number of buckets an incident left or joined (or changed values in).
    The caller holds the rollup lock."""
    if on_postgres():
        with connection.cursor() as cursor:
            # Checked in the transaction, so a pooler that hands out server sessions
            # per transaction still finds the statement it prepared.
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_PREPARED])
            if cursor.fetchone() is None:
                cursor.execute(f"PREPARE {_PREPARED} (bigint[], text, timestamptz) AS {_PG_APPLY}")
            cursor.execute(
                f"EXECUTE {_PREPARED} (%s::bigint[], %s, %s)",
                ["{" + ",".join(map(str, ids)) + "}", bucket_time_zone(), now],
            )
            return cursor.fetchone()[0]
    facts = {f.incident_id: f for f in facts_for(ids)}
    known = {
        row["incident_id"]: row
        for row in RolledIncident.objects.filter(incident_id__in=ids).values(*MAP_COLUMNS)
    }
    touched: set[str] = set()
    gone: list[int] = []
    moved: list[RolledIncident] = []
    for pk in ids:
        new, old = facts.get(pk), known.get(pk)
        if (
            new is not None
            and old is not None
            and (new.key, new.fingerprint) == (old["bucket_key"], old["fingerprint"])
        ):
            continue
        if old is not None:
            touched.add(old["bucket_key"])
        if new is None:
            gone.append(pk)
            continue
        touched.add(new.key)
        moved.append(RolledIncident(**map_row(new)))
    RolledIncident.objects.filter(incident_id__in=gone).delete()
    RolledIncident.objects.bulk_create(
        moved,
        update_conflicts=True,
        unique_fields=["incident_id"],
        update_fields=list(MAP_COLUMNS[1:]),
    )
    # Elsewhere the touched buckets are recomputed from the (updated) map: the same
    # rows as the deltas give.
    dirty = set(
        DirtyBucket.objects.filter(bucket_key__in=touched).values_list("bucket_key", flat=True)
    )
    keys = sorted(touched - dirty)
    IncidentRollup.objects.filter(bucket_key__in=keys).delete()
    rows = RolledIncident.objects.filter(bucket_key__in=keys).values(*MAP_COLUMNS)
    buckets = aggregate(fact_from_map(row) for row in rows)
    insert_rows(IncidentRollup, [b.row(now) for b in buckets.values()])
    return len(touched)
