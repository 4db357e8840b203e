"""Bulk database work that keeps no query log.

With DEBUG on, Django keeps the SQL of each connection's last 9,000 queries, parameters
inlined. An import's statements carry up to megabytes each (a stored part of the input,
a chunk of rows), so a long import would hold hundreds of megabytes of SQL text for
nothing: memory would grow with the input. `queries_unlogged()` drops the log of the
current thread's connection while it lasts. An explicit capture (`assertNumQueries`,
`CaptureQueriesContext`, which set `force_debug_cursor`) still sees every query.
"""

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def queries_unlogged(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    conn = connections[using]
    if conn.force_debug_cursor or not conn.queries_logged:
        yield
        return
    kept = conn.queries_log
    conn.queries_log = deque(maxlen=0)
    try:
        yield
    finally:
        conn.queries_log = kept
