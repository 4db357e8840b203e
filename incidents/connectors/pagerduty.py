"""The PagerDuty REST API v2 client: incidents and their log entries, paged, with
back-off on 429. Talks to `base_url` only; everything else calls `services`."""

import time
from collections.abc import Callable, Iterator
from typing import Any

from .http import ConnectorError, JsonApi

__all__ = ["ConnectorError", "PagerDutyClient"]

PAGE_SIZE = 100
DEFAULT_URL = "https://api.pagerduty.com"


class PagerDutyClient(JsonApi):
    vendor = "PagerDuty"

    def __init__(
        self, base_url: str, token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        super().__init__(
            base_url or DEFAULT_URL,
            {
                "Authorization": f"Token token={token}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
            sleep,
        )

    def error_message(self, body: Any) -> str:
        return (body.get("error") or {}).get("message") or ""

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            body = self.get(path, {**params, "limit": PAGE_SIZE, "offset": offset})
            items = body.get(key) or []
            yield from items
            if not body.get("more") or not items:
                return
            offset += len(items)

    def incidents(self, *, since: str, until: str) -> Iterator[dict[str, Any]]:
        """Incidents created in [since, until)."""
        return self._pages(
            "/incidents", "incidents", {"since": since, "until": until, "time_zone": "UTC"}
        )

    def incident(self, incident_id: str) -> dict[str, Any]:
        return self.get(f"/incidents/{incident_id}", {})["incident"]

    def incident_log_entries(self, incident_id: str) -> list[dict[str, Any]]:
        return list(
            self._pages(
                f"/incidents/{incident_id}/log_entries", "log_entries", {"time_zone": "UTC"}
            )
        )

    def log_entries(self, *, since: str, until: str) -> Iterator[dict[str, Any]]:
        """Every log entry (any incident) in [since, until): what changed."""
        return self._pages(
            "/log_entries", "log_entries", {"since": since, "until": until, "time_zone": "UTC"}
        )
