"""The empty baseline task for bench_scoring.py, loaded into the worker with `-I`.

Its name puts it on the scoring queue with the scoring tasks' policy (late
acknowledgement, prefetch 1). It only records that it ran, in Redis, so the bench
can see when the last one finished.
"""

import os
import time

import redis
from celery import shared_task

_client = None


def _redis() -> "redis.Redis":
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _client


@shared_task(name="assessments.tasks.bench_empty")
def bench_empty(run: str) -> None:
    now = time.time()
    pipe = _redis().pipeline()
    pipe.incr(f"bench:{run}:n")
    pipe.setnx(f"bench:{run}:first", now)
    pipe.set(f"bench:{run}:last", now)
    pipe.execute()
