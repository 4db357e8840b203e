from celery import shared_task

from . import xapi_evidence


@shared_task(name="pathways.tasks.xapi_statements_stored", ignore_result=True)
def xapi_statements_stored(statement_ids: list[str]) -> int:
    """Queued by the LRS (LRS_STATEMENTS_STORED_TASKS) after statements from outside."""
    return xapi_evidence.skill_evidence_from_statements(statement_ids=statement_ids)
