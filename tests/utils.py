from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(func: Callable[[], Any]) -> tuple[int, Any]:
    """Run `func` and return (number of SQL queries it made, its result)."""
    with CaptureQueriesContext(connection) as ctx:
        result = func()
    return len(ctx.captured_queries), result
