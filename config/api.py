"""API plumbing shared by every app: exception mapping into one error shape
(the parser is `config.parsers.SafeJSONParser`).

Every API error is a JSON body with at least `detail`:
- a domain error, a validation error, bad or too deeply nested JSON: 400;
- an unexpected exception: 500 `{"detail": ...}` (logged here with its traceback,
  never sent to the client);
- the database or the broker cannot be reached: 503 with `Retry-After`.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError
from django.db import OperationalError as DatabaseUnavailable
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# Each app's domain exception becomes a 400 with its message. Apps register theirs
# in DOMAIN_ERRORS (see org/exceptions.py for the pattern).
DOMAIN_ERRORS: list[type[Exception]] = []

# How long a client should wait before retrying when a backing service is down.
RETRY_AFTER_SECONDS = 30
SERVER_ERROR = "The server could not complete the request. The error has been logged."
UNAVAILABLE = {
    DatabaseUnavailable: "The database is unavailable; try again shortly.",
    InterfaceError: "The database is unavailable; try again shortly.",
    BrokerUnavailable: "The task queue is unavailable; try again shortly.",
}


def register_domain_error(exc_class: type[Exception]) -> type[Exception]:
    DOMAIN_ERRORS.append(exc_class)
    return exc_class


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, tuple(DOMAIN_ERRORS)):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    request = context.get("request")
    path = getattr(request, "path", "?")
    for kind, message in UNAVAILABLE.items():
        if isinstance(exc, kind):
            logger.error("API %s: %s unavailable: %s", path, kind.__name__, exc)
            return Response(
                {"detail": message},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
    logger.error("API %s: unexpected error", path, exc_info=exc)
    return Response({"detail": SERVER_ERROR}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
