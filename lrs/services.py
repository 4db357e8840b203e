"""Writes to the Learning Record Store: clients, statements, attachments, documents."""

import functools
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import validation
from .agents import actor_key, actors_in
from .exceptions import BadRequest, Conflict, PreconditionFailed
from .models import Activity, Attachment, Client, Document, Statement, StatementIndex

# ---- clients --------------------------------------------------------------------


def lrs_client_create(*, name: str) -> tuple[Client, str]:
    """Issue credentials; the secret is returned once and only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    client = Client(
        name=name,
        key=secrets.token_hex(12),
        secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
    )
    client.full_clean()
    client.save()
    return client, secret


def lrs_client_revoke(*, key: str) -> bool:
    return bool(
        Client.objects.filter(key=key, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def lrs_client_authenticate(*, key: str, secret: str) -> Client | None:
    client = Client.objects.filter(key=key, revoked_at__isnull=True).first()
    if client is None:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return client if hmac.compare_digest(digest, client.secret_sha256) else None


def authority_for(client: Client | None) -> dict:
    home = getattr(settings, "TRELLIS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    name = client.key if client else "trellis"
    return {"objectType": "Agent", "account": {"homePage": f"{home}/xapi", "name": name}}


# ---- statements -------------------------------------------------------------------


def format_stored(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def index_rows(statement: dict) -> list[tuple[str, str]]:
    rows: set[tuple[str, str]] = set()

    def related_activities(body: dict) -> None:
        target = body.get("object", {})
        if validation.object_type_of(target) == "Activity":
            rows.add((StatementIndex.RELATED_ACTIVITY, target["id"]))
        for items in body.get("context", {}).get("contextActivities", {}).values():
            for activity in items if isinstance(items, list) else [items]:
                rows.add((StatementIndex.RELATED_ACTIVITY, activity["id"]))

    def related_agents(body: dict) -> None:
        context = body.get("context", {})
        candidates = [body.get("actor"), context.get("instructor"), context.get("team")]
        if body.get("object", {}).get("objectType") in ("Agent", "Group"):
            candidates.append(body["object"])
        candidates.append(body.get("authority"))
        for candidate in candidates:
            for actor in actors_in(candidate):
                key = actor_key(actor)
                if key:
                    rows.add((StatementIndex.RELATED_AGENT, key))

    for actor in [statement["actor"], statement["object"]]:
        if actor.get("objectType", "Activity") in ("Agent", "Group") or actor is statement["actor"]:
            key = actor_key(actor)
            if key:
                rows.add((StatementIndex.AGENT, key))
    target = statement["object"]
    if validation.object_type_of(target) == "Activity":
        rows.add((StatementIndex.ACTIVITY, target["id"]))
    related_activities(statement)
    related_agents(statement)
    if target.get("objectType") == "SubStatement":
        related_activities(target)
        related_agents(target)
    return sorted(rows)


def same_statement(a: dict, b: dict) -> bool:
    ignore = {"id", "stored", "authority", "version", "timestamp"}
    return {k: v for k, v in a.items() if k not in ignore} == {
        k: v for k, v in b.items() if k not in ignore
    }


@dataclass
class AttachmentPart:
    sha2: str
    content_type: str
    content: bytes


def statements_store(
    *,
    statements: list[dict],
    client: Client | None,
    parts: list[AttachmentPart] = (),
    version: str = "1.0.3",
) -> list[str]:
    """Validate and store a batch: all of it or nothing. Returns the statement ids."""
    for statement in statements:
        validation.check_statement(statement, version=version)
    check_attachment_parts(statements, parts)

    ids_in_batch: set[str] = set()
    prepared = []
    now = timezone.now()
    stored = format_stored(now)
    for statement in statements:
        data = dict(statement)
        data["id"] = str(uuid.UUID(data["id"])) if "id" in data else str(uuid.uuid4())
        if data["id"] in ids_in_batch:
            raise BadRequest(f"statement id {data['id']} appears twice in the batch")
        ids_in_batch.add(data["id"])
        data["stored"] = stored
        data.setdefault("timestamp", stored)
        data["authority"] = authority_for(client)
        data.setdefault("version", "1.0.0")
        context_activities_as_lists(data)
        if data["object"].get("objectType") == "SubStatement":
            data["object"] = dict(data["object"])
            context_activities_as_lists(data["object"])
        prepared.append(data)

    existing = {
        str(s.statement_id): s.data
        for s in Statement.objects.filter(statement_id__in=[d["id"] for d in prepared])
    }
    voiding_targets = [d["object"]["id"] for d in prepared if d["verb"]["id"] == validation.VOIDED]
    if voiding_targets:
        voiding_ids = set(
            Statement.objects.filter(statement_id__in=voiding_targets, is_voiding=True).values_list(
                "statement_id", flat=True
            )
        )
        if voiding_ids:
            raise BadRequest("a voiding statement cannot target another voiding statement")

    with transaction.atomic():
        for data in prepared:
            if data["id"] in existing:
                if not same_statement(existing[data["id"]], data):
                    raise Conflict(f"statement {data['id']} exists with different content")
                continue
            target = data["object"]
            row = Statement(
                statement_id=data["id"],
                data=data,
                stored=now,
                verb_id=data["verb"]["id"],
                registration=data.get("context", {}).get("registration"),
                object_ref=target["id"] if target.get("objectType") == "StatementRef" else None,
                is_voiding=data["verb"]["id"] == validation.VOIDED,
                client=client,
            )
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError as exc:
                # Stored meanwhile: a client that sent the statement again before its first
                # request answered. The same statement is answered as above, not refused.
                stored = Statement.objects.filter(statement_id=data["id"]).first()
                if stored is None or not same_statement(stored.data, data):
                    raise Conflict(f"statement {data['id']} exists") from exc
                existing[data["id"]] = stored.data
                continue
            StatementIndex.objects.bulk_create(
                StatementIndex(statement=row, kind=kind, value=value[:2048])
                for kind, value in index_rows(data)
            )
            activities_note(data)
        for part in parts:
            Attachment.objects.update_or_create(
                sha2=part.sha2,
                defaults={"content_type": part.content_type, "content": part.content},
            )
        if client is not None:
            statements_stored_notify([d["id"] for d in prepared if d["id"] not in existing])
    return [d["id"] for d in prepared]


def statements_stored_notify(statement_ids: list[str]) -> None:
    """Queue, on commit, the tasks named in LRS_STATEMENTS_STORED_TASKS with the new ids."""
    from config.tasks import enqueue_on_commit

    if not statement_ids:
        return
    for name in getattr(settings, "LRS_STATEMENTS_STORED_TASKS", ()):
        enqueue_on_commit(name, statement_ids)


def context_activities_as_lists(body: dict) -> None:
    """Context activities are returned as arrays even when one was sent alone."""
    if "context" not in body or "contextActivities" not in body["context"]:
        return
    body["context"] = dict(body["context"])
    body["context"]["contextActivities"] = {
        key: items if isinstance(items, list) else [items]
        for key, items in body["context"]["contextActivities"].items()
    }


def check_attachment_parts(statements: list[dict], parts: list[AttachmentPart]) -> None:
    """Every attachment without a fileUrl has a part; every part belongs to an attachment."""
    declared: dict[str, dict] = {}
    needed: set[str] = set()
    for statement in statements:
        bodies = [statement]
        if statement["object"].get("objectType") == "SubStatement":
            bodies.append(statement["object"])
        for body in bodies:
            for attachment in body.get("attachments", []):
                declared[attachment["sha2"]] = attachment
                if "fileUrl" not in attachment:
                    needed.add(attachment["sha2"])
        for attachment in statement.get("attachments", []):
            if attachment["usageType"] == validation.SIGNATURE_USAGE:
                part = next((p for p in parts if p.sha2 == attachment["sha2"]), None)
                check_signature(statement, attachment, part)
    supplied = {p.sha2 for p in parts}
    if needed - supplied:
        raise BadRequest("an attachment's content is missing from the request")
    if supplied - set(declared):
        raise BadRequest("a request part matches no attachment of the statements")


def check_signature(statement: dict, attachment: dict, part: AttachmentPart | None) -> None:
    import base64

    if attachment["contentType"] != "application/octet-stream":
        raise BadRequest("a signature attachment has contentType application/octet-stream")
    if part is None:
        raise BadRequest("the signature's content is missing")
    pieces = part.content.split(b".")
    if len(pieces) != 3:
        raise BadRequest("the signature is not a JWS in compact serialisation")
    try:
        header = json.loads(base64.urlsafe_b64decode(pieces[0] + b"=" * (-len(pieces[0]) % 4)))
        payload = json.loads(base64.urlsafe_b64decode(pieces[1] + b"=" * (-len(pieces[1]) % 4)))
    except ValueError as exc:
        raise BadRequest("the signature is not a JWS") from exc
    if not isinstance(header, dict) or header.get("alg") not in ("RS256", "RS384", "RS512"):
        raise BadRequest("a statement signature uses RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise BadRequest("the signature's payload is not a statement")
    ignore = {"id", "authority", "stored", "timestamp", "version", "attachments"}
    for key in ("actor", "verb", "object"):
        if payload.get(key) != statement.get(key):
            raise BadRequest("the signature's payload differs from the statement")
    del ignore


def activities_note(statement: dict) -> None:
    """Keep the merged definition of each activity the statement defines."""
    targets = [statement["object"]]
    for items in statement.get("context", {}).get("contextActivities", {}).values():
        targets.extend(items if isinstance(items, list) else [items])
    if statement["object"].get("objectType") == "SubStatement":
        targets.append(statement["object"]["object"])
    for target in targets:
        if validation.object_type_of(target) != "Activity" or "definition" not in target:
            continue
        activity, _ = Activity.objects.get_or_create(activity_id=target["id"])
        if _definition_merged(activity.definition, target["definition"]) == activity.definition:
            continue
        # Read again, locked, before writing: two statements that define the same activity
        # at once then both add to it, instead of the later one writing back what it read.
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        merged = _definition_merged(activity.definition, target["definition"])
        if merged != activity.definition:
            activity.definition = merged
            activity.save(update_fields=["definition", "updated_at"])


def _definition_merged(old: dict, new: dict) -> dict:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


# ---- documents ----------------------------------------------------------------------


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def check_preconditions(
    document: Document | None, *, if_match: str | None, if_none_match: str | None
) -> None:
    if if_match is not None:
        tags = {t.strip().strip('"') for t in if_match.split(",")}
        if document is None or ("*" not in tags and document.etag not in tags):
            raise PreconditionFailed("If-Match does not match the document")
    if if_none_match is not None:
        tags = {t.strip().strip('"') for t in if_none_match.split(",")}
        if document is not None and ("*" in tags or document.etag in tags):
            raise PreconditionFailed("If-None-Match matches the document")


def is_json_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _written_again_on_conflict(write: Callable[..., None]) -> Callable[..., None]:
    """Two first writes of one document (a course saving its state from two tabs) both
    find no row to lock and both insert: the second waits for the first to commit, then
    fails on the unique key. Written again it finds that document, and merges into it or
    answers its preconditions, as it would have a moment later."""

    @functools.wraps(write)
    def wrapper(**kwargs: Any) -> None:
        try:
            write(**kwargs)
        except IntegrityError:
            write(**kwargs)

    return wrapper


@_written_again_on_conflict
def document_write(
    *,
    key: dict,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None,
    if_none_match: str | None,
    require_precondition: bool,
    conflict_without_precondition: bool = False,
) -> None:
    """PUT (replace) or POST (merge JSON objects) one document."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(**key).first()
        check_preconditions(document, if_match=if_match, if_none_match=if_none_match)
        if require_precondition and not merge and if_match is None and if_none_match is None:
            if document is not None:
                raise Conflict(
                    "the document exists: send If-Match with its ETag, or If-None-Match: *"
                )
            raise BadRequest("a PUT of a profile sends If-Match or If-None-Match")
        if (
            conflict_without_precondition
            and not merge
            and document is not None
            and if_match is None
            and if_none_match is None
        ):
            raise Conflict("the document exists: send If-Match with its ETag, or If-None-Match: *")
        if merge and document is not None:
            if not (is_json_type(document.content_type) and is_json_type(content_type)):
                raise BadRequest("only JSON documents can be merged")
            try:
                old = json.loads(document.content)
                new = json.loads(content)
            except ValueError as exc:
                raise BadRequest("only JSON objects can be merged") from exc
            if not isinstance(old, dict) or not isinstance(new, dict):
                raise BadRequest("only JSON objects can be merged")
            content = json.dumps({**old, **new}).encode()
        elif merge and is_json_type(content_type):
            try:
                parsed = json.loads(content)
            except ValueError as exc:
                raise BadRequest("the document is not JSON") from exc
            if not isinstance(parsed, dict):
                raise BadRequest("a posted JSON document must be an object")
        if document is None:
            document = Document(**key)
        document.content = content
        document.content_type = content_type or "application/octet-stream"
        document.etag = etag_of(content)
        document.updated = timezone.now()
        document.save()


def documents_delete(*, key: dict, if_match: str | None = None) -> None:
    if "doc_id" in key and if_match is not None:
        document = Document.objects.filter(**key).first()
        check_preconditions(document, if_match=if_match, if_none_match=None)
    Document.objects.filter(**key).delete()


# ---- this Trellis's own statements -----------------------------------------------------


def statement_record(*, statement: dict) -> str:
    """Store a statement this Trellis makes about its own learners and, when forwarding
    is set up, put it in the outbox for the external LRS (sent once the transaction
    commits, retried until it arrives)."""
    from config.tasks import enqueue_on_commit

    from .forwarding import forwarding_enabled
    from .models import OutboxEntry

    body = {**statement, "id": statement.get("id") or str(uuid.uuid4())}
    with transaction.atomic():
        [statement_id] = statements_store(statements=[body], client=None)
        if forwarding_enabled():
            stored = Statement.objects.get(statement_id=statement_id).data
            payload = {k: v for k, v in stored.items() if k not in ("stored", "authority")}
            OutboxEntry.objects.get_or_create(
                statement_id=statement_id,
                defaults={"payload": payload, "next_attempt_at": timezone.now()},
            )
            enqueue_on_commit("lrs.tasks.outbox_flush")
    return statement_id
