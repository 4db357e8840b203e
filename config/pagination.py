"""Page counts that do not cost a `COUNT(*)` over the whole table.

Lists over large scopes (hundreds of thousands of incidents) count at most
`EXACT_COUNT_LIMIT` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT n)`); past that, the
count is PostgreSQL's planner estimate for the same query (`estimated` is then True
and pages say "about"). Pages and links work as usual; past the estimate the last
page may be reached by `offset` on the API only.
"""

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination

EXACT_COUNT_LIMIT = 10_000


def bounded_count(queryset: QuerySet) -> tuple[int, bool]:
    """(count, estimated): exact up to EXACT_COUNT_LIMIT, else the planner's estimate."""
    exact = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if exact <= EXACT_COUNT_LIMIT:
        return exact, False
    return max(exact, _planner_rows(queryset)), True


def _planner_rows(queryset: QuerySet) -> int:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return 0
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan: Any = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    estimated = False

    @cached_property
    def count(self) -> int:
        count, self.estimated = bounded_count(self.object_list)
        return count


class EstimatedCountPagination(LimitOffsetPagination):
    """LimitOffsetPagination whose `count` is bounded as above (`count_is_estimate`)."""

    estimated = False

    def get_count(self, queryset: QuerySet) -> int:
        count, self.estimated = bounded_count(queryset)
        return count

    def get_paginated_response(self, data: Any) -> Any:
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.estimated
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_is_estimate"] = {"type": "boolean"}
        return result
