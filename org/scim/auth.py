"""The auth check django-scim2 runs around every SCIM view: a bearer token, nothing else.

Sessions are ignored on purpose (the SCIM views are exempt from CSRF checks, so a cookie
must not be enough). Every write (and every refused token) goes to the audit log; the
row changes it makes are logged by django-auditlog with the token as `actor_email`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django_scim.middleware import SCIMAuthCheckMiddleware

from ..audit import Event, audit_event
from . import tokens

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ScimAuthMiddleware(SCIMAuthCheckMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if self.should_log_request(request):
            self.log_request(request)
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        token = tokens.scim_token_authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            audit_event(
                event=Event.SCIM_AUTH_FAILED,
                actor=None,
                target_repr=f"SCIM {request.method} {request.path} refused",
                data={"method": request.method, "path": request.path},
                request=request,
            )
            response = HttpResponse(
                b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], '
                b'"detail": "A valid SCIM bearer token is required.", "status": "401"}',
                status=401,
                content_type="application/scim+json",
            )
            response["WWW-Authenticate"] = 'Bearer realm="trellis-scim"'
            return response
        request.scim_token = token  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: Any) -> Any:
        token = getattr(request, "scim_token", None)
        if token is not None and request.method in WRITES:
            audit_event(
                event=Event.SCIM_REQUEST,
                actor=None,
                target=token,
                target_repr=f"SCIM {request.method} {request.path}",
                data={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "token": token.name,
                },
                request=request,
            )
        return super().process_response(request, response)
