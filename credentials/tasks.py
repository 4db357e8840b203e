"""Celery tasks of the credentials app (thin: one service each)."""

from celery import shared_task

from . import services


@shared_task(name="credentials.tasks.credential_issue", ignore_result=True)
def credential_issue(award_id: int) -> str:
    """Sign the Open Badges credential of a new certification award (once)."""
    return str(services.credential_issue(award_id=award_id).public_id)
