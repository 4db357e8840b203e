"""Reads from the Learning Record Store: statement queries, formats, documents."""

import copy
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from . import validation
from .agents import actor_key, ids_only
from .models import Attachment, Document, Statement, StatementIndex

PAGE_SIZE = 100


def voided_subquery() -> Exists:
    return Exists(Statement.objects.filter(is_voiding=True, object_ref=OuterRef("statement_id")))


def statement_get(*, statement_id: str, voided: bool) -> Statement | None:
    """`statementId` finds a statement that is not voided, `voidedStatementId` one that is."""
    row = (
        Statement.objects.annotate(voided=voided_subquery())
        .filter(statement_id=statement_id)
        .first()
    )
    if row is None or row.voided != voided:
        return None
    return row


@dataclass
class StatementQuery:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    after_seq: int | None = None  # paging: continue past this row
    through_seq: int | None = None  # paging: ignore rows stored after the first page


def statement_filter(query: StatementQuery) -> QuerySet[Statement]:
    conditions = Q()
    if query.agent is not None:
        kind = StatementIndex.RELATED_AGENT if query.related_agents else StatementIndex.AGENT
        conditions &= Q(
            seq__in=StatementIndex.objects.filter(
                kind=kind, value=actor_key(query.agent) or ""
            ).values("statement_id")
        )
    if query.activity is not None:
        kind = (
            StatementIndex.RELATED_ACTIVITY if query.related_activities else StatementIndex.ACTIVITY
        )
        conditions &= Q(
            seq__in=StatementIndex.objects.filter(kind=kind, value=query.activity).values(
                "statement_id"
            )
        )
    if query.verb is not None:
        conditions &= Q(verb_id=query.verb)
    if query.registration is not None:
        conditions &= Q(registration=query.registration)

    rows = Statement.objects.all()
    if conditions:
        # Statements that target a matching statement match too (xAPI 1.0.3, 2.1.3).
        matching = Statement.objects.filter(conditions).values("statement_id")
        rows = rows.filter(conditions | Q(object_ref__in=matching))
    rows = rows.annotate(voided=voided_subquery()).filter(voided=False)
    if query.since is not None:
        rows = rows.filter(stored__gt=query.since)
    if query.until is not None:
        rows = rows.filter(stored__lte=query.until)
    if query.through_seq is not None:
        rows = rows.filter(seq__lte=query.through_seq)
    if query.after_seq is not None:
        if query.ascending:
            rows = rows.filter(seq__gt=query.after_seq)
        else:
            rows = rows.filter(seq__lt=query.after_seq)
    return rows.order_by("seq" if query.ascending else "-seq")


def statement_page(query: StatementQuery) -> tuple[list[Statement], bool]:
    """One page of matching statements and whether more follow."""
    size = PAGE_SIZE if query.limit <= 0 else min(query.limit, PAGE_SIZE)
    rows = list(statement_filter(query)[: size + 1])
    return rows[:size], len(rows) > size


def latest_seq() -> int:
    row = Statement.objects.order_by("-seq").values_list("seq", flat=True).first()
    return row or 0


# ---- formats ------------------------------------------------------------------------


def language_pick(value: dict, languages: list[str]) -> dict:
    if not value:
        return value
    lowered = {k.lower(): k for k in value}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in lowered:
            key = lowered[wanted]
            return {key: value[key]}
        for tag, key in lowered.items():
            if tag.split("-")[0] == wanted.split("-")[0]:
                return {key: value[key]}
    if "und" in value:
        return {"und": value["und"]}
    first = next(iter(value))
    return {first: value[first]}


def canonical(statement: dict, languages: list[str]) -> dict:
    def visit(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if (
                    key in ("name", "description", "display")
                    and isinstance(value, dict)
                    and all(isinstance(v, str) for v in value.values())
                ):
                    out[key] = language_pick(value, languages)
                elif key == "extensions":
                    out[key] = value
                else:
                    out[key] = visit(value)
            return out
        if isinstance(node, list):
            return [visit(item) for item in node]
        return node

    return visit(statement)


def ids_format(statement: dict) -> dict:
    data = copy.deepcopy(statement)

    def activity(node: dict) -> dict:
        return {"id": node["id"]}

    def body(node: dict) -> None:
        node["actor"] = ids_only(node["actor"])
        node["verb"] = {"id": node["verb"]["id"]}
        target = node["object"]
        kind = validation.object_type_of(target)
        if kind == "Activity":
            node["object"] = activity(target)
        elif kind in ("Agent", "Group"):
            node["object"] = ids_only(target)
        elif kind == "SubStatement":
            body(target)
        context = node.get("context")
        if context:
            for key in ("instructor", "team"):
                if key in context:
                    context[key] = ids_only(context[key])
            for key, items in context.get("contextActivities", {}).items():
                if isinstance(items, list):
                    context["contextActivities"][key] = [activity(a) for a in items]
                else:
                    context["contextActivities"][key] = activity(items)

    body(data)
    if "authority" in data:
        data["authority"] = ids_only(data["authority"])
    return data


def statement_render(row: Statement, *, fmt: str, languages: list[str]) -> dict:
    if fmt == "ids":
        return ids_format(row.data)
    if fmt == "canonical":
        return canonical(row.data, languages)
    return row.data


def attachments_for(statements: list[dict]) -> list[Attachment]:
    hashes = []
    for statement in statements:
        bodies = [statement]
        if statement["object"].get("objectType") == "SubStatement":
            bodies.append(statement["object"])
        for body in bodies:
            hashes.extend(a["sha2"] for a in body.get("attachments", []))
    found = {a.sha2: a for a in Attachment.objects.filter(sha2__in=hashes)}
    return [found[h] for h in dict.fromkeys(hashes) if h in found]


# ---- documents ---------------------------------------------------------------------


def document_get(*, key: dict) -> Document | None:
    return Document.objects.filter(**key).first()


def document_ids(*, key: dict, since: datetime | None) -> list[str]:
    rows = Document.objects.filter(**key)
    if since is not None:
        rows = rows.filter(updated__gt=since)
    return list(rows.order_by("doc_id").values_list("doc_id", flat=True))
