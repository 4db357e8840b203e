"""Reads from a PostgreSQL streaming replica, with read-your-writes.

When `DATABASE_REPLICA_URL` is set, the settings add a `replica` database and
`ReplicaRouter`. Reads go to the replica only inside views marked `@replica_reads`
(dashboards, reports, list pages), and only while all of these hold:

- the request is a GET or HEAD;
- the visitor has not written recently: a request that changed something (an unsafe
  method that wrote a row) sets the `trellis_primary` cookie, and for
  `TRELLIS_REPLICA_STICKY_SECONDS` afterwards that visitor reads from the primary, so
  the page after a form shows what the form saved;
- nothing was written earlier in the same request (a page that refreshes a snapshot
  reads the new row from the primary) and no transaction is open on the primary;
- the replica answers and is at most `TRELLIS_REPLICA_MAX_LAG_SECONDS` behind; checked
  at most every `TRELLIS_REPLICA_CHECK_SECONDS` per process, with a connect timeout of
  `TRELLIS_REPLICA_CONNECT_TIMEOUT` seconds. A replica that is down or lagging sends
  reads back to the primary.

Everything else, all writes and every Celery task, uses the primary. A replica that
fails in the middle of a request answers the usual 503 (config.errors).
"""

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
STICKY_COOKIE = "trellis_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Per request (each gunicorn thread has its own context): may reads use the replica,
# and has this request written anything.
_replica_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trellis_replica_allowed", default=False
)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("trellis_wrote", default=False)

# Seconds behind the primary: 0 when everything received has been replayed, else the
# age of the last replayed transaction. A primary (not in recovery) is never behind.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


class _Health:
    """The last verdict on the replica, shared by the threads of one process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable = False

    def reset(self) -> None:
        with self.lock:
            self.checked_at = float("-inf")
            self.usable = False


_health = _Health()


def configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_seconds() -> float:
    """How far the replica is behind (raises DatabaseError when it does not answer)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def _probe() -> bool:
    try:
        lag = replica_lag_seconds()
    except DatabaseError as exc:
        logger.warning("replica unavailable, reading from the primary: %s", exc)
        connections[REPLICA].close()
        return False
    if lag > settings.TRELLIS_REPLICA_MAX_LAG_SECONDS:
        logger.warning("replica %.1f s behind, reading from the primary", lag)
        return False
    return True


def replica_usable() -> bool:
    """Whether the replica answers and is recent enough; one probe per check interval
    (other threads keep the previous verdict while it runs)."""
    now = time.monotonic()
    with _health.lock:
        if now - _health.checked_at < settings.TRELLIS_REPLICA_CHECK_SECONDS:
            return _health.usable
        _health.checked_at = now
    usable = _probe()
    with _health.lock:
        _health.usable = usable
    return usable


class ReplicaRouter:
    """Reads to the replica where allowed (see the module docstring); the rest to the
    primary. Both hold the same data, so relations between them are allowed; only the
    primary is migrated."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            _replica_allowed.get()
            and not _wrote.get()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and replica_usable()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _sticky(request: HttpRequest) -> bool:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


@contextmanager
def replica_allowed(allowed: bool = True) -> Iterator[None]:
    """Reads in this block may use the replica (the router still checks the rest)."""
    token = _replica_allowed.set(allowed)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a read-only page (dashboard, report, list): its reads may use the replica."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed = configured() and request.method in SAFE_METHODS and not _sticky(request)
        with replica_allowed(allowed):
            return view(request, *args, **kwargs)

    return wrapped


class ReadYourWritesMiddleware:
    """Tracks whether a request wrote; a visitor whose unsafe request wrote reads from the
    primary for TRELLIS_REPLICA_STICKY_SECONDS (a cookie holding the time it ends)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _wrote.set(False)
        try:
            response = self.get_response(request)
            wrote = _wrote.get()
        finally:
            _wrote.reset(token)
        if configured() and wrote and request.method not in SAFE_METHODS:
            seconds = settings.TRELLIS_REPLICA_STICKY_SECONDS
            response.set_cookie(
                STICKY_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
