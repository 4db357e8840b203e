"""Two requests that overlap, on PostgreSQL, in a fixed order.

`overlap` holds the first request's transaction open, starts the second in another
thread, waits until the second is blocked behind a lock (or done), then lets the first
commit. Without the lock a fix adds, the second runs on what it read before the first
committed: the race, every time.
"""

import threading
import time
from collections.abc import Callable

from django.db import connection, connections, transaction

WAIT_SECONDS = 10


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Read inside a transaction, the activity view keeps its first snapshot.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def overlap(first: Callable[[], None], second: Callable[[], object]) -> dict:
    """Run `first` in an open transaction, start `second`, and commit `first` once
    `second` waits on a lock or has finished. Returns what `second` returned or raised."""
    first_done = threading.Event()
    second_done = threading.Event()
    outcome: dict = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                first()
                first_done.set()
                deadline = time.monotonic() + WAIT_SECONDS
                while not second_done.is_set() and time.monotonic() < deadline:
                    if _waiting_on_a_lock():
                        break
                    time.sleep(0.02)
        except BaseException as exc:  # reported by the test
            outcome["first_error"] = exc
        finally:
            first_done.set()
            connections.close_all()

    def run_second() -> None:
        try:
            first_done.wait(WAIT_SECONDS)
            outcome["value"] = second()
        except BaseException as exc:  # reported by the test
            outcome["error"] = exc
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS * 3)
    assert not any(thread.is_alive() for thread in threads)
    assert "first_error" not in outcome, outcome
    return outcome
