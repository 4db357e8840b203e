"""From incidents to rollup buckets: the per-incident facts, their buckets, and the
rows written for them. Used by the full rebuild and by the incremental path alike,
so both give the same numbers on PostgreSQL and SQLite.
"""

from .deltas import apply_chunk
from .facts import (
    FACT_COLUMNS,
    ID_CHUNK,
    MAP_COLUMNS,
    REVIEW_ACTION_KINDS,
    Bucket,
    Fact,
    _chunks,
    aggregate,
    bucket_key,
    bucket_time_zone,
    fact_from_map,
    fact_from_row,
    facts_for,
    fingerprint_of,
    insert_rows,
    map_row,
)
from .writing import Rebuild, on_postgres, process_chunk, rebuild_all

__all__ = [
    "FACT_COLUMNS",
    "ID_CHUNK",
    "MAP_COLUMNS",
    "REVIEW_ACTION_KINDS",
    "Bucket",
    "Fact",
    "Rebuild",
    "_chunks",
    "aggregate",
    "apply_chunk",
    "bucket_key",
    "bucket_time_zone",
    "fact_from_map",
    "fact_from_row",
    "facts_for",
    "fingerprint_of",
    "insert_rows",
    "map_row",
    "on_postgres",
    "process_chunk",
    "rebuild_all",
]
