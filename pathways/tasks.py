"""Periodic learner reminders (queue `default`); each calls one service."""

from celery import shared_task

from . import reminders


@shared_task(name="pathways.notify.learner_digests_send")
def learner_digests_send() -> int:
    return reminders.learner_digests_send()


@shared_task(name="pathways.notify.overdue_alerts_send")
def overdue_alerts_send() -> int:
    return reminders.overdue_alerts_send()
