"""Periodic learner reminders (queue `default`) and skill evidence from xAPI statements;
each calls one service."""

from celery import shared_task

from . import reminders, xapi, xapi_evidence


@shared_task(name="pathways.notify.learner_digests_send")
def learner_digests_send() -> int:
    return reminders.learner_digests_send()


@shared_task(name="pathways.notify.overdue_alerts_send")
def overdue_alerts_send() -> int:
    return reminders.overdue_alerts_send()


@shared_task(name="pathways.tasks.xapi_statements_stored", ignore_result=True)
def xapi_statements_stored(statement_ids: list[str]) -> int:
    """Queued by the LRS (LRS_STATEMENTS_STORED_TASKS) after statements from outside."""
    return xapi_evidence.skill_evidence_from_statements(statement_ids=statement_ids)


@shared_task(
    name="pathways.tasks.xapi_opened",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def xapi_opened(statements: list[dict]) -> int:
    """Queued by `module_opened`: the "opened" statements of module pages, stored after
    the response (acknowledged once stored; their ids make a second run store nothing)."""
    return xapi.statements_opened_store(statements)


@shared_task(name="pathways.tasks.xapi_progress_done", ignore_result=True)
def xapi_progress_done(items: list[list]) -> int:
    """Queued by `progress_mark_many`: the "completed" statements of what it completed."""
    return len(xapi.progress_done_many([tuple(item) for item in items]))  # type: ignore[misc]
