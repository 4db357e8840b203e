"""The PagerDuty REST API v2 client: incidents and their log entries, paged, with
back-off on 429. Talks to `base_url` only; everything else calls `services`."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

PAGE_SIZE = 100
MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 60.0
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class ConnectorError(Exception):
    """The incident tool refused or failed; the message says which and why."""


@dataclass
class PagerDutyClient:
    base_url: str
    token: str
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            timeout=TIMEOUT,
            headers={
                "Authorization": f"Token token={self.token}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
        )

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.http.get(path, params=params)
            except httpx.HTTPError as exc:
                raise ConnectorError(f"PagerDuty could not be reached: {exc}") from None
            if response.status_code == 429 and attempt < MAX_ATTEMPTS:
                self.sleep(_retry_after(response.headers.get("Retry-After")))
                continue
            if response.status_code in (401, 403):
                raise ConnectorError(
                    f"PagerDuty refused the token (HTTP {response.status_code}): "
                    f"{_message(response)}"
                )
            if response.status_code >= 400:
                raise ConnectorError(
                    f"PagerDuty answered HTTP {response.status_code} for {path}: "
                    f"{_message(response)}"
                )
            try:
                return response.json()
            except ValueError:
                raise ConnectorError(
                    f"PagerDuty sent something that is not JSON for {path}"
                ) from None
        raise ConnectorError(f"PagerDuty kept answering 429 (rate limit) for {path}")

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            body = self._get(path, {**params, "limit": PAGE_SIZE, "offset": offset})
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
        return self._get(f"/incidents/{incident_id}", {})["incident"]

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


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return str(error.get("message") or response.reason_phrase)[:300]
    except (ValueError, AttributeError):
        return response.reason_phrase
