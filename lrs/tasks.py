from celery import shared_task

from . import forwarding


@shared_task(name="lrs.tasks.outbox_flush", ignore_result=True)
def outbox_flush() -> dict[str, int]:
    if not forwarding.forwarding_enabled():
        return {"sent": 0, "failed": 0}
    return forwarding.outbox_flush()
