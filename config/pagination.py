"""Page counts that do not cost a `COUNT(*)` over the whole table.

Lists over large scopes (hundreds of thousands of incidents) count at most
`EXACT_COUNT_LIMIT` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT n)`); past that, the
count is PostgreSQL's planner estimate for the same query (`estimated` is then True
and pages say "about"). Pages and links work as usual; past the estimate the last
page may be reached by `offset` on the API only.

Every API list takes `limit` 1…`API_MAX_PAGE_SIZE` and `offset` 0…2³¹−1, else a 400
(`BoundedLimitOffsetPagination`): never a table dump or a 500.
"""

import json
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

EXACT_COUNT_LIMIT = 10_000

# Past this an offset cannot be a row number of any table here (and would overflow the
# database's bigint on the way).
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`limit` is 1…`API_MAX_PAGE_SIZE` (default `PAGE_SIZE`), `offset` 0…2³¹−1."""

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return settings.API_MAX_PAGE_SIZE

    def _bounded(self, request, name: str, low: int, high: int, default: int) -> int:  # type: ignore[no-untyped-def]
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValidationError({name: [f"{name} is a whole number from {low} to {high}."]})
        return value

    def get_limit(self, request) -> int:  # type: ignore[no-untyped-def]
        return self._bounded(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request) -> int:  # type: ignore[no-untyped-def]
        return self._bounded(request, self.offset_query_param, 0, MAX_OFFSET, 0)

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_limit})
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update({"minimum": 0, "maximum": MAX_OFFSET})
        return parameters


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


class EstimatedCountPagination(BoundedLimitOffsetPagination):
    """BoundedLimitOffsetPagination whose `count` is bounded as above (`count_is_estimate`)."""

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
