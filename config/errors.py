"""What a request answers when a dependency is down.

Django calls `server_error` (the project's handler500) for any exception that no
view handled, with the exception still current. A lost database or broker is not a
bug to report as a 500: HTML pages answer a friendly "try again" page with 503 and
`Retry-After`, and API requests that fail outside a DRF view (e.g. in a middleware)
the API's JSON 503 (`config.api` answers those inside DRF views). `/readyz` says which
dependency is down. Everything else keeps the plain 500 page.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.api import RETRY_AFTER_SECONDS, UNAVAILABLE, BrokerUnavailable, DatabaseUnavailable

DATABASE_ERRORS = (OperationalError, InterfaceError)
BROKER_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError)


def unavailable_dependency(exc: BaseException | None) -> str | None:
    """`database` or `broker` when `exc` (or what caused it) says one is unreachable."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_ERRORS):
            return "database"
        if isinstance(exc, BROKER_ERRORS):
            return "broker"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def unavailable_response(request: HttpRequest, dependency: str) -> HttpResponse:
    if _wants_json(request):
        # The API's error shape (config.api), for what fails outside a DRF view.
        message = UNAVAILABLE[
            DatabaseUnavailable if dependency == "database" else BrokerUnavailable
        ]
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without the request: context processors could need the database.
        body = loader.get_template("503.html").render(
            {"dependency": dependency, "retry_after": RETRY_AFTER_SECONDS}
        )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    dependency = unavailable_dependency(sys.exc_info()[1])
    if dependency is not None:
        return unavailable_response(request, dependency)
    return defaults.server_error(request)
