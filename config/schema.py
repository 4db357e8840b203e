"""The OpenAPI schema declares the errors each operation can answer, not only success.

`ErrorAwareAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation
the statuses `config.api.exception_handler` and DRF can give it, with their bodies:

| status | declared when |
|---|---|
| 400 | the operation writes, takes a body or query parameters (validation, domain errors) |
| 401 | the view authenticates callers (a missing, expired or revoked token) |
| 403 | a permission class other than AllowAny guards it |
| 404 | the path names an object (or the view lists 404 in `schema_error_statuses`) |
| 429 | the view has throttles (or lists 429, as the sign-in limits do) |
| 503 | always: the database or the broker can be unreachable |

A view adds statuses these rules cannot see with `schema_error_statuses = (404, ...)`.
A view whose success body can be the JSON `null` says so with `schema_nullable_success = True`.
Statuses an `@extend_schema(responses=...)` already declares are left as they are.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

DESCRIPTIONS = {
    "400": "The input is invalid: field errors by name, or `detail`.",
    "401": "Not signed in, or the token is unknown, expired or revoked.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or not one the caller may see.",
    "429": "Too many requests or failed sign-ins; `Retry-After` says how long to wait.",
    "503": "The database or the task queue is unreachable; `Retry-After` says when to retry.",
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# A 400 is `{"field": ["message", ...], ...}` or `{"detail": ...}`; a list of messages
# when the error concerns the whole body.
VALIDATION_ERROR = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ]
}


class ErrorAwareAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        if getattr(self.view, "schema_nullable_success", False):
            for code, response in responses.items():
                media = response.get("content", {}).get("application/json")
                if code.startswith("2") and media and "schema" in media:
                    media["schema"] = {"allOf": [media["schema"]], "nullable": True}
        for code in self._error_statuses(operation):
            if code in responses:
                continue
            if code == "400":
                schema = VALIDATION_ERROR
            else:
                schema = self._get_response_for_code(ErrorSerializer, code)["content"][
                    "application/json"
                ]["schema"]
            responses[code] = {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": schema}},
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation: dict) -> list[str]:
        view = self.view
        extra = {str(code) for code in getattr(view, "schema_error_statuses", ())}
        parameters = operation.get("parameters", [])
        codes = set(extra) | {"503"}
        unsafe = self.method in ("POST", "PUT", "PATCH", "DELETE")  # domain errors are 400
        if unsafe or "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
            codes.add("400")
        if getattr(view, "authentication_classes", None):
            codes.add("401")
        if any(not issubclass(p, AllowAny) for p in _classes(view, "permission_classes")):
            codes.add("403")
        if any(p.get("in") == "path" for p in parameters):
            codes.add("404")
        if _classes(view, "throttle_classes"):
            codes.add("429")
        return sorted(codes)


def _classes(view, attribute: str) -> list[type]:
    return [c if isinstance(c, type) else type(c) for c in getattr(view, attribute, None) or []]
