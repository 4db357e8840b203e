"""API plumbing shared by every app: exception mapping and the v1 router."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Each app's domain exception becomes a 400 with its message. Apps register theirs
# in DOMAIN_ERRORS (see org/exceptions.py for the pattern).
DOMAIN_ERRORS: list[type[Exception]] = []


def register_domain_error(exc_class: type[Exception]) -> type[Exception]:
    DOMAIN_ERRORS.append(exc_class)
    return exc_class


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, tuple(DOMAIN_ERRORS)):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
