"""The HTTP side every pull connector shares: one JSON GET with back-off on 429
(`Retry-After`, at most a minute, five attempts), a bad token as a clear error, and
any other failure as a `ConnectorError` naming the vendor and the path.

httpx is imported when a connector is made, not with this module: web processes load
the connectors' models and admin without ever calling a vendor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

MAX_ATTEMPTS = 5
MAX_RETRY_AFTER = 60.0
TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0


class ConnectorError(Exception):
    """The incident tool refused or failed; the message says which and why."""


class JsonApi:
    """A JSON API at `base_url`; subclasses name the vendor and say how to read its
    error bodies."""

    vendor = "The incident tool"

    def __init__(
        self, base_url: str, headers: dict[str, str], sleep: Callable[[float], None] = time.sleep
    ) -> None:
        import httpx

        self.sleep = sleep
        timeout = httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)

    def close(self) -> None:
        self.http.close()

    def error_message(self, body: Any) -> str:
        return ""

    def _message(self, response: httpx.Response) -> str:
        try:
            message = self.error_message(response.json())
        except (ValueError, AttributeError, TypeError):
            message = ""
        return str(message or response.reason_phrase)[:300]

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        import httpx

        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.http.get(path, params=params)
            except httpx.HTTPError as exc:
                raise ConnectorError(f"{self.vendor} could not be reached: {exc}") from None
            if response.status_code == 429 and attempt < MAX_ATTEMPTS:
                self.sleep(retry_after(response.headers.get("Retry-After")))
                continue
            if response.status_code in (401, 403):
                raise ConnectorError(
                    f"{self.vendor} refused the token (HTTP {response.status_code}): "
                    f"{self._message(response)}"
                )
            if response.status_code == 429:
                raise ConnectorError(f"{self.vendor} kept answering 429 (rate limit) for {path}")
            if response.status_code >= 400:
                raise ConnectorError(
                    f"{self.vendor} answered HTTP {response.status_code} for {path}: "
                    f"{self._message(response)}"
                )
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ConnectorError(
                    f"{self.vendor} sent something that is not a JSON object for {path}"
                )
            return body
        raise AssertionError("unreachable")  # pragma: no cover


def retry_after(value: str | None) -> float:
    """Seconds to wait: the header's (a number), else 1; never more than a minute."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
