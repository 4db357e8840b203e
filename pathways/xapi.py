"""xAPI statements this Trellis makes about its learners' pathways: who (an account on this
Trellis), what (an activity id under its base URL). Recorded through `lrs.services`."""

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import timezone

from lrs.services import format_stored, statement_record

VERBS = {
    "opened": "http://activitystrea.ms/schema/1.0/open",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "lab": "http://adlnet.gov/expapi/activities/simulation",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "certification": "https://w3id.org/xapi/cmi5/activitytype/course",
    "pathway": "http://adlnet.gov/expapi/activities/course",
}


def base_url() -> str:
    return settings.TRELLIS_BASE_URL.rstrip("/")


def actor_for(user: Any) -> dict:
    return {
        "objectType": "Agent",
        "account": {"homePage": base_url(), "name": str(user.pk)},
    }


def agent_param_for(user: Any) -> dict:
    return actor_for(user)


def activity(kind: str, pk: Any, name: str) -> dict:
    return {
        "objectType": "Activity",
        "id": f"{base_url()}/xapi/activities/{kind}/{pk}",
        "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en": name[:500] or kind}},
    }


def verb(name: str) -> dict:
    return {"id": VERBS[name], "display": {"en": name}}


def record(
    *,
    user: Any,
    verb_name: str,
    target: dict,
    result: dict | None = None,
    context: dict | None = None,
) -> str:
    statement: dict = {"actor": actor_for(user), "verb": verb(verb_name), "object": target}
    if result:
        statement["result"] = result
    statement["context"] = {"platform": "Trellis", **(context or {})}
    return statement_record(statement=statement)


def parent_context(module: Any) -> dict:
    return {
        "contextActivities": {
            "parent": [activity("pathway", module.pathway_id, str(module.pathway))],
        }
    }


def module_opened(*, user: Any, module: Any) -> str:
    """Record that a learner opened a module page, after the response: the statement is
    built now (its id and timestamp fixed) and stored by `pathways.tasks.xapi_opened`,
    queued on commit (kept in the task outbox while the broker is down). Storing it
    again with the same id stores nothing, so a retried task records it once."""
    from config.tasks import enqueue_on_commit

    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor_for(user),
        "verb": verb("opened"),
        "object": activity("module", module.pk, module.title),
        "context": {"platform": "Trellis", **parent_context(module)},
        "timestamp": format_stored(timezone.now()),
    }
    enqueue_on_commit("pathways.tasks.xapi_opened", [statement])
    return statement["id"]


def statements_opened_store(statements: list[dict]) -> int:
    """Store "opened" statements built by `module_opened` (each once, whatever the retries)."""
    for statement in statements:
        statement_record(statement=statement)
    return len(statements)


def _completed_statement(*, user_id: int, module: Any, lab: Any, completed_at: Any) -> dict:
    """The "completed" statement of one module or lab. Its id is derived from the learner,
    the item and the moment, so recording it twice stores it once."""
    if lab is not None:
        target = activity("lab", lab.pk, lab.title)
    else:
        target = activity("module", module.pk, module.title)
    moment = format_stored(completed_at)
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{target['id']}/completed/{user_id}/{moment}")),
        "actor": actor_for(SimpleNamespace(pk=user_id)),
        "verb": verb("completed"),
        "object": target,
        "result": {"completion": True},
        "context": {"platform": "Trellis", **parent_context(module)},
        "timestamp": moment,
    }


def progress_done(*, user_id: int, module: Any, lab: Any = None, completed_at: Any = None) -> str:
    """Record that a learner completed a module or lab (`progress_mark`)."""
    return statement_record(
        statement=_completed_statement(
            user_id=user_id, module=module, lab=lab, completed_at=completed_at or timezone.now()
        )
    )


def progress_done_many(items: list[tuple[int, str, int, str]]) -> list[str]:
    """The same statements for many (user id, "module" | "lab", item id, completed at
    ISO 8601) at once: what `progress_mark_many` completed."""
    from .models import Lab, Module

    modules = Module.objects.in_bulk([i for _, kind, i, _ in items if kind == "module"])
    labs = Lab.objects.select_related("module").in_bulk(
        [i for _, kind, i, _ in items if kind == "lab"]
    )
    ids = []
    for user_id, kind, item_id, completed_at in items:
        lab = labs.get(item_id) if kind == "lab" else None
        module = lab.module if lab is not None else modules.get(item_id)
        if module is None:
            continue  # deleted meanwhile
        ids.append(
            statement_record(
                statement=_completed_statement(
                    user_id=user_id,
                    module=module,
                    lab=lab,
                    completed_at=datetime.fromisoformat(completed_at),
                )
            )
        )
    return ids


def certification_earned(*, award: Any) -> str:
    certification = award.certification
    return record(
        user=award.user,
        verb_name="earned",
        target=activity("certification", certification.pk, certification.name),
        result={"completion": True, "success": True},
    )
