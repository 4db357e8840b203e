"""Task messages the broker refused, kept until it takes them.

`config.celery_app.enqueue_on_commit` stores a message here when sending it fails
(Redis down); `outbox_send`, run by beat every `TRELLIS_SWEEP_SECONDS`, sends what is
stored, oldest first, and stops at the first refusal. Tasks are idempotent (they
claim their work), so a message sent twice does nothing twice.
"""

import logging
from typing import Any

from django.db import transaction

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def outbox_store(*, task: str, args: Any, kwargs: Any, error: str = "") -> OutboxMessage:
    return OutboxMessage.objects.create(
        task=task, args=list(args), kwargs=dict(kwargs), last_error=error[:2000]
    )


def outbox_send(*, limit: int = 1000) -> int:
    """Send up to `limit` stored messages; returns how many the broker took."""
    from kombu.exceptions import OperationalError as BrokerError

    from config.celery_app import app

    sent = 0
    for message in OutboxMessage.objects.order_by("id")[:limit]:
        if message.task not in app.tasks:
            app.loader.import_default_modules()  # the apps' task modules, autodiscovered
        task = app.tasks.get(message.task)
        try:
            if task is not None:  # its routing and options (and eager without a broker)
                task.apply_async(args=message.args, kwargs=message.kwargs)
            else:
                app.send_task(message.task, args=message.args, kwargs=message.kwargs)
        except BrokerError as exc:
            OutboxMessage.objects.filter(pk=message.pk).update(
                tries=message.tries + 1, last_error=str(exc)[:2000]
            )
            logger.warning("outbox: the broker still refuses messages (%s)", exc)
            break
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=message.pk).delete()
        sent += 1
    if sent:
        logger.info("outbox: %s stored messages sent", sent)
    return sent
