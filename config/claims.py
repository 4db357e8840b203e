"""Claims that outlive their worker only briefly.

A task that claims work records who it is (`worker_id()`: host, process and a token
per claim) and keeps a heartbeat while it works (`Heartbeat`, from a thread with its
own database connection). Work whose heartbeat is older than `claim_timeout()` (or
whose worker is a process of this machine that no longer exists) belongs to nobody:
the next delivery or the sweeper takes it over. The claim itself stays a conditional
update, so exactly one worker wins it.
"""

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def heartbeat_interval() -> float:
    return float(getattr(settings, "TRELLIS_HEARTBEAT_SECONDS", 10))


def claim_timeout() -> dt.timedelta:
    """How long a claim survives without a heartbeat."""
    return dt.timedelta(seconds=float(getattr(settings, "TRELLIS_CLAIM_TIMEOUT_SECONDS", 30)))


def worker_id(node: str = "") -> str:
    """`node|host:pid:token`: who holds a claim, and which run of that process."""
    return f"{node or 'local'}|{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_dead_local(worker: str) -> bool:
    """True when `worker` names a process of this machine that has exited (killed
    workers are replaced at once; their claims need not wait for the timeout)."""
    try:
        _node, rest = worker.rsplit("|", 1)
        host, pid, _token = rest.split(":")
    except ValueError:
        return False
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Heartbeat:
    """Calls `beat()` every `interval` seconds from a thread until the block ends.

    `beat` returns False once the claim was lost (taken over): `lost` is then set, and
    beating stops. Database errors are logged and the next beat tries again on a fresh
    connection. Only on PostgreSQL outside a transaction: a test's transaction is not
    visible to another connection (and there the work is short).
    """

    def __init__(self, beat: Callable[[], bool], interval: float | None = None) -> None:
        self.beat = beat
        self.interval = heartbeat_interval() if interval is None else interval
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, name="claim-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.beat():
                        self.lost.set()
                        return
                except DatabaseError as exc:
                    logger.warning("heartbeat not written (%s); trying again", exc)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection
