"""The Opsgenie client: the Alert API (`GET /v2/alerts`) and the Incident API
(`GET /v1/incidents`), paged by following `paging.next`, filtered with Opsgenie's
search query (`createdAt>=…` for a first sync, `updatedAt>=…` afterwards), with
back-off on 429. Talks to `base_url` only; everything else calls `services`."""

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .http import ConnectorError, JsonApi

__all__ = ["ConnectorError", "OpsgenieClient"]

PAGE_SIZE = 100
DEFAULT_URL = "https://api.opsgenie.com"
ALERTS = "/v2/alerts"
INCIDENTS = "/v1/incidents"
# A broken server that keeps sending `paging.next` must not hold the sync for ever.
MAX_PAGES = 10_000


def epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class OpsgenieClient(JsonApi):
    vendor = "Opsgenie"

    def __init__(
        self, base_url: str, token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        super().__init__(
            base_url or DEFAULT_URL,
            {"Authorization": f"GenieKey {token}", "Accept": "application/json"},
            sleep,
        )

    def error_message(self, body: Any) -> str:
        return body.get("message") or ""

    def _pages(self, path: str, query: str) -> Iterator[dict[str, Any]]:
        """Every item of a list: `data` of each page; the next page is the offset that
        `paging.next` names (asked of our own address, whatever host it names)."""
        params: dict[str, Any] = {
            "query": query,
            "limit": PAGE_SIZE,
            "offset": 0,
            "sort": "createdAt",
            "order": "asc",
        }
        for _ in range(MAX_PAGES):
            body = self.get(path, params)
            items = body.get("data")
            if not isinstance(items, list):
                raise ConnectorError(f"Opsgenie sent no list under 'data' for {path}")
            yield from (item for item in items if isinstance(item, dict))
            following = (body.get("paging") or {}).get("next")
            if not following or not items:
                return
            asked = parse_qs(urlsplit(str(following)).query)
            try:
                offset = int(asked["offset"][0])
            except (KeyError, ValueError, IndexError):
                raise ConnectorError(
                    f"Opsgenie's paging.next has no offset: {str(following)[:200]}"
                ) from None
            if offset <= params["offset"]:
                raise ConnectorError(f"Opsgenie's paging.next does not move on: {following}")
            params = {**params, "offset": offset}
            if "limit" in asked:
                params["limit"] = asked["limit"][0]
        raise ConnectorError(f"Opsgenie kept sending pages of {path} ({MAX_PAGES} pages)")

    @staticmethod
    def _query(field: str, since: dt.datetime) -> str:
        return f"{field}>={epoch_ms(since)}"

    def alerts(self, *, field: str, since: dt.datetime) -> Iterator[dict[str, Any]]:
        """Alerts whose `field` (createdAt or updatedAt) is at or after `since`."""
        return self._pages(ALERTS, self._query(field, since))

    def incidents(self, *, field: str, since: dt.datetime) -> Iterator[dict[str, Any]]:
        """Incidents whose `field` (createdAt or updatedAt) is at or after `since`."""
        return self._pages(INCIDENTS, self._query(field, since))
