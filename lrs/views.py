"""The xAPI resources under /xapi/: one dispatcher that normalises the request (including
the alternate request syntax), authenticates, checks the version, and routes."""

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from . import selectors, services, validation
from .agents import ifi_key
from .exceptions import BadRequest, NotFound, Unauthorized, XAPIError
from .models import Activity, Client, Document

ABOUT_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0", "2.0.0"]
VERSION_RE = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")
HEADER_FIELDS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
MORE_SALT = "lrs.statements.more"


@dataclass
class XRequest:
    method: str
    path: str
    base: str  # the LRS's own path prefix, e.g. /xapi
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client: Client | None = None
    version: str = "1.0.3"
    extra: dict = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def normalise(request: HttpRequest, resource: str) -> XRequest:
    base = request.path[: len(request.path) - len(resource)].rstrip("/")
    headers = {k.lower(): v for k, v in request.headers.items()}
    params = dict(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    method = request.method.upper()
    body = request.body
    if "method" in params:
        if method != "POST":
            raise BadRequest("the alternate request syntax is a POST")
        alternate = params.pop("method").upper()
        if params:
            raise BadRequest("the alternate request syntax takes only 'method' in the query")
        if alternate not in METHODS:
            raise BadRequest(f"unknown method {alternate}")
        if headers.get("content-type", "").split(";")[0].strip().lower() != (
            "application/x-www-form-urlencoded"
        ):
            raise BadRequest("the alternate request syntax is form-encoded")
        try:
            form = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest("the form is not URL-encoded") from exc
        content = None
        headers.pop("content-type", None)
        for name, value in form:
            if name.lower() in HEADER_FIELDS:
                headers[name.lower()] = value
            elif name == "content":
                content = value
            else:
                params[name] = value
        if alternate in ("PUT", "POST") and content is None:
            raise BadRequest("the alternate request syntax sends its body as 'content'")
        body = (content or "").encode("utf-8")
        if content is not None:
            headers.setdefault("content-type", "application/json")
        method = alternate
    return XRequest(
        method=method, path=resource, base=base, params=params, headers=headers, body=body
    )


def authenticate(xreq: XRequest) -> Client:
    header = xreq.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized("HTTP Basic credentials are required")
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unauthorized("malformed Authorization header") from exc
    client = services.lrs_client_authenticate(key=key, secret=secret) if sep else None
    if client is None:
        raise Unauthorized("unknown or revoked credentials")
    return client


def error_response(exc: XAPIError, version: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"error": exc.status, "message": str(exc)}),
        status=exc.status,
        content_type="application/json",
    )
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


def json_response(value, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(value), status=status, content_type="application/json")


@csrf_exempt
def dispatch(request: HttpRequest, resource: str = "") -> HttpResponse:
    resource = resource.strip("/")
    version = {"2.0.0": "2.0.0"}.get(settings.LRS_UNVERSIONED_RESPONSE_VERSION, "1.0.3")
    try:
        xreq = normalise(request, resource)
        stated = xreq.headers.get("x-experience-api-version")
        version = version if stated is None else "2.0.0" if stated.startswith("2.") else "1.0.3"
        if version == "2.0.0" and stated and request.GET.get("method") is not None:
            raise BadRequest("xAPI 2.0 has no alternate request syntax")
        handler = ROUTES.get(resource)
        if handler is None and resource.startswith("statements/more/"):
            handler = statements_more
        if handler is None:
            raise NotFound(f"no xAPI resource {resource!r}")
        if resource != "about":
            xreq.client = authenticate(xreq)
            if stated is None:
                raise BadRequest("the X-Experience-API-Version header is required")
            if not VERSION_RE.match(stated):
                raise BadRequest(f"unsupported xAPI version {stated}")
        xreq.version = version
        method = "GET" if xreq.method == "HEAD" else xreq.method
        response = handler(xreq, method)
        if xreq.method == "HEAD":
            response.content = b""
    except XAPIError as exc:
        response = error_response(exc, version)
    response["X-Experience-API-Version"] = version
    if resource.startswith("statements") and "X-Experience-API-Consistent-Through" not in response:
        response["X-Experience-API-Consistent-Through"] = services.format_stored(timezone.now())
    return response


# ---- parameters -----------------------------------------------------------------------


def allow_params(xreq: XRequest, allowed: set[str]) -> None:
    unknown = set(xreq.params) - allowed
    if unknown:
        raise BadRequest(f"unknown parameters {sorted(unknown)}")


def param_bool(xreq: XRequest, name: str) -> bool:
    value = xreq.params.get(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false")
    return value.lower() == "true"


def param_timestamp(xreq: XRequest, name: str) -> datetime | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    return validation.parse_timestamp(value, name)


def param_iri(xreq: XRequest, name: str, *, required: bool = False) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is required")
        return None
    return validation.check_iri(value, name)


def param_uuid(xreq: XRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    validation.check_uuid(value, name)
    return str(uuid.UUID(value))


# ---- statements --------------------------------------------------------------------------


STATEMENT_QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}


def parse_json(body: bytes):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("the body is not JSON") from exc


def parse_multipart(xreq: XRequest) -> tuple[object, list[services.AttachmentPart]]:
    match = re.search(r'boundary="?([^";]+)"?', xreq.content_type, re.IGNORECASE)
    if not match:
        raise BadRequest("multipart/mixed needs a boundary")
    boundary = b"--" + match.group(1).encode()
    body = xreq.body
    if boundary not in body:
        raise BadRequest("the body does not use the boundary")
    sections = body.split(boundary)
    if not sections[-1].strip().startswith(b"--"):
        raise BadRequest("the multipart body is not closed")
    parts = []
    for raw in sections[1:-1]:
        raw = raw[2:] if raw.startswith(b"\r\n") else raw.lstrip(b"\n")
        head, sep, content = raw.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = raw.partition(b"\n\n")
            if not sep:
                raise BadRequest("a multipart section has no headers")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers = {}
        for line in head.decode("utf-8", "replace").splitlines():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    if not parts:
        raise BadRequest("the multipart body is empty")
    first_headers, first = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise BadRequest("the first part of multipart/mixed is the statements as JSON")
    statements = parse_json(first)
    attachments = []
    for headers, content in parts[1:]:
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise BadRequest("each attachment part has an X-Experience-API-Hash header")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest("attachment parts use Content-Transfer-Encoding: binary")
        if hashlib.sha256(content).hexdigest() != sha2.lower():
            raise BadRequest("an attachment's X-Experience-API-Hash does not match its content")
        attachments.append(
            services.AttachmentPart(
                sha2=sha2.lower(),
                content_type=headers.get("content-type", "application/octet-stream"),
                content=content,
            )
        )
    return statements, attachments


def statements_body(xreq: XRequest) -> tuple[object, list[services.AttachmentPart]]:
    if xreq.media_type == "application/json":
        return parse_json(xreq.body), []
    if xreq.media_type == "multipart/mixed":
        return parse_multipart(xreq)
    raise BadRequest("statements are sent as application/json or multipart/mixed")


def statements(xreq: XRequest, method: str) -> HttpResponse:
    if method == "PUT":
        allow_params(xreq, {"statementId"})
        statement_id = xreq.params.get("statementId")
        if statement_id is None:
            raise BadRequest("PUT needs a statementId parameter")
        validation.check_uuid(statement_id, "statementId")
        body, parts = statements_body(xreq)
        if not isinstance(body, dict):
            raise BadRequest("PUT takes one statement")
        if "id" in body and str(body["id"]).lower() != statement_id.lower():
            raise BadRequest("the statement's id differs from statementId")
        body = {**body, "id": statement_id}
        services.statements_store(
            statements=[body], client=xreq.client, parts=parts, version=xreq.version
        )
        return HttpResponse(status=204)
    if method == "POST":
        if set(xreq.params) and not xreq.body:
            raise BadRequest("POST takes no parameters")
        body, parts = statements_body(xreq)
        batch = body if isinstance(body, list) else [body]
        if not batch:
            raise BadRequest("no statements")
        ids = services.statements_store(
            statements=batch, client=xreq.client, parts=parts, version=xreq.version
        )
        return json_response(ids)
    if method == "GET":
        return statements_get(xreq)
    raise XAPIError(f"{method} is not allowed on statements", status=405)


def statements_get(xreq: XRequest) -> HttpResponse:
    fmt = xreq.params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise BadRequest("format is ids, exact or canonical")
    with_attachments = param_bool(xreq, "attachments")
    languages = accept_languages(xreq.headers.get("accept-language", ""))
    through = timezone.now()
    single_id = xreq.params.get("statementId") or xreq.params.get("voidedStatementId")
    if "statementId" in xreq.params or "voidedStatementId" in xreq.params:
        allow_params(xreq, {"statementId", "voidedStatementId", "format", "attachments"})
        if "statementId" in xreq.params and "voidedStatementId" in xreq.params:
            raise BadRequest("statementId and voidedStatementId exclude each other")
        validation.check_uuid(single_id, "statementId")
        row = selectors.statement_get(
            statement_id=str(uuid.UUID(single_id)),
            voided="voidedStatementId" in xreq.params,
        )
        if row is None:
            raise NotFound("no such statement")
        payload = selectors.statement_render(row, fmt=fmt, languages=languages)
        response = statements_response(payload, [row.data], with_attachments)
        response["Last-Modified"] = http_date(row.stored.timestamp())
    else:
        allow_params(xreq, STATEMENT_QUERY_PARAMS)
        query = statement_query(xreq.params)
        query.through_seq = selectors.latest_seq()
        response = statements_page_response(xreq, query, fmt, languages, with_attachments)
    response["X-Experience-API-Consistent-Through"] = services.format_stored(through)
    return response


def statement_query(params: dict[str, str]) -> selectors.StatementQuery:
    holder = XRequest("GET", "", "", params, {}, b"")
    query = selectors.StatementQuery()
    if "agent" in params:
        query.agent = validation.check_agent_param(params["agent"])
    query.verb = param_iri(holder, "verb")
    query.activity = param_iri(holder, "activity")
    query.registration = param_uuid(holder, "registration")
    query.related_activities = param_bool(holder, "related_activities")
    query.related_agents = param_bool(holder, "related_agents")
    query.since = param_timestamp(holder, "since")
    query.until = param_timestamp(holder, "until")
    query.ascending = param_bool(holder, "ascending")
    limit = params.get("limit", "0")
    if not limit.isdigit():
        raise BadRequest("limit is a non-negative integer")
    query.limit = int(limit)
    return query


def statements_page_response(
    xreq: XRequest,
    query: selectors.StatementQuery,
    fmt: str,
    languages: list[str],
    with_attachments: bool,
) -> HttpResponse:
    rows, has_more = selectors.statement_page(query)
    more = ""
    if has_more:
        token = signing.dumps(
            {"p": xreq.params, "after": rows[-1].seq, "through": query.through_seq},
            salt=MORE_SALT,
            compress=True,
        )
        more = f"{xreq.base}/statements/more/{token}"
    payload = {
        "statements": [
            selectors.statement_render(row, fmt=fmt, languages=languages) for row in rows
        ],
        "more": more,
    }
    return statements_response(payload, [row.data for row in rows], with_attachments)


def statements_more(xreq: XRequest, method: str) -> HttpResponse:
    if method != "GET":
        raise XAPIError(f"{method} is not allowed here", status=405)
    allow_params(xreq, set())
    token = xreq.path.rsplit("/", 1)[-1]
    try:
        state = signing.loads(token, salt=MORE_SALT)
    except signing.BadSignature as exc:
        raise NotFound("unknown or expired page") from exc
    params = state["p"]
    query = statement_query(params)
    query.after_seq = state["after"]
    query.through_seq = state["through"]
    xreq.params = params
    fmt = params.get("format", "exact")
    response = statements_page_response(
        xreq,
        query,
        fmt,
        accept_languages(xreq.headers.get("accept-language", "")),
        params.get("attachments", "false").lower() == "true",
    )
    response["X-Experience-API-Consistent-Through"] = services.format_stored(timezone.now())
    return response


def statements_response(payload, statements: list[dict], with_attachments: bool) -> HttpResponse:
    if not with_attachments:
        return json_response(payload)
    boundary = uuid.uuid4().hex
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(payload).encode(),
        b"\r\n",
    ]
    for attachment in selectors.attachments_for(statements):
        chunks.append(
            (
                f"--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
                f"Content-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n"
            ).encode()
        )
        chunks.append(bytes(attachment.content))
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return HttpResponse(b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}")


def accept_languages(header: str) -> list[str]:
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, rest = item.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", rest)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


# ---- documents --------------------------------------------------------------------------


@dataclass
class DocumentResource:
    kind: str
    id_param: str
    needs_activity: bool
    needs_agent: bool
    has_registration: bool
    # Profiles refuse a PUT over an existing document without If-Match / If-None-Match.
    requires_precondition: bool


def document_handler(resource: DocumentResource):
    def handle(xreq: XRequest, method: str) -> HttpResponse:
        allowed = {resource.id_param}
        if resource.needs_activity:
            allowed.add("activityId")
        if resource.needs_agent:
            allowed.add("agent")
        if resource.has_registration:
            allowed.add("registration")
        if method == "GET" and resource.id_param not in xreq.params:
            allowed.add("since")
        allow_params(xreq, allowed)
        key: dict = {"kind": resource.kind}
        if resource.needs_activity:
            key["activity_id"] = param_iri(xreq, "activityId", required=True)
        if resource.needs_agent:
            agent = validation.check_agent_param(xreq.params.get("agent"))
            key["agent"] = ifi_key(agent) or ""
        if resource.has_registration:
            key["registration"] = param_uuid(xreq, "registration") or ""
        doc_id = xreq.params.get(resource.id_param)
        if method in ("PUT", "POST"):
            if doc_id is None:
                raise BadRequest(f"{resource.id_param} is required")
            key["doc_id"] = doc_id
            services.document_write(
                key=key,
                content=xreq.body,
                content_type=xreq.content_type or "application/octet-stream",
                merge=method == "POST",
                if_match=xreq.headers.get("if-match"),
                if_none_match=xreq.headers.get("if-none-match"),
                require_precondition=resource.requires_precondition,
                # xAPI 2.0 extends the concurrency rules to the State resource.
                conflict_without_precondition=xreq.version.startswith("2."),
            )
            return HttpResponse(status=204)
        if method == "GET":
            if doc_id is None:
                since = param_timestamp(xreq, "since")
                return json_response(selectors.document_ids(key=key, since=since))
            key["doc_id"] = doc_id
            document = selectors.document_get(key=key)
            if document is None:
                raise NotFound("no such document")
            return document_response(document)
        if method == "DELETE":
            if doc_id is None and resource.kind != Document.STATE:
                raise BadRequest(f"{resource.id_param} is required")
            if doc_id is not None:
                key["doc_id"] = doc_id
            services.documents_delete(key=key, if_match=xreq.headers.get("if-match"))
            return HttpResponse(status=204)
        raise XAPIError(f"{method} is not allowed here", status=405)

    return handle


def document_response(document: Document) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response


# ---- activities, agents, about ------------------------------------------------------------


def activities(xreq: XRequest, method: str) -> HttpResponse:
    if method != "GET":
        raise XAPIError(f"{method} is not allowed here", status=405)
    allow_params(xreq, {"activityId"})
    activity_id = param_iri(xreq, "activityId", required=True)
    row = Activity.objects.filter(activity_id=activity_id).first()
    payload = {"objectType": "Activity", "id": activity_id}
    if row is not None and row.definition:
        payload["definition"] = row.definition
    return json_response(payload)


def agents(xreq: XRequest, method: str) -> HttpResponse:
    if method != "GET":
        raise XAPIError(f"{method} is not allowed here", status=405)
    allow_params(xreq, {"agent"})
    agent = validation.check_agent_param(xreq.params.get("agent"))
    person: dict = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return json_response(person)


def about(xreq: XRequest, method: str) -> HttpResponse:
    if method != "GET":
        raise XAPIError(f"{method} is not allowed here", status=405)
    return json_response({"version": ABOUT_VERSIONS, "extensions": {}})


ROUTES = {
    "statements": statements,
    "activities/state": document_handler(
        DocumentResource(Document.STATE, "stateId", True, True, True, False)
    ),
    "activities/profile": document_handler(
        DocumentResource(Document.ACTIVITY_PROFILE, "profileId", True, False, False, True)
    ),
    "agents/profile": document_handler(
        DocumentResource(Document.AGENT_PROFILE, "profileId", False, True, False, True)
    ),
    "activities": activities,
    "agents": agents,
    "about": about,
}
