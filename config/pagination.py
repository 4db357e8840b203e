"""API pagination: `limit` and `offset` in range or a 400, never a table dump or a 500."""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

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
