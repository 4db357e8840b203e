"""Demo notifications: the real notification jobs run over the demo data, so the demo
learner, manager and author find entries in their in-app list. Idempotent through the
sent-log. E-mail goes to the demo's backend (files under var/mail by default)."""

from django.urls import reverse

from assessments import notify as review_notify
from notifications.services import nudge_send
from org import access
from org.models import User
from pathways import reminders

from . import notify


def seed_notifications() -> None:
    manager = User.objects.filter(email="manager@demo.example").first()
    learner = User.objects.filter(email="learner@demo.example").first()
    nudged = 0
    if manager and learner and access.can_view_person(manager, learner):
        nudged = nudge_send(
            sender=manager,
            recipient=learner,
            url=reverse("pathways:learn"),
            note="The runbook lab is due at the end of week 8: worth starting this week.",
            period="demo",
        )
    sent = {
        "nudges": int(nudged),
        "digests": reminders.learner_digests_send(),
        "overdue alerts": reminders.overdue_alerts_send(),
        "at-risk alerts": notify.at_risk_alerts_send(),
        "cohort summaries": notify.cohort_summaries_send(),
        "review-queue reminders": review_notify.review_queue_reminders_send(),
        "review results": review_notify.review_results_send(),
    }
    print("Notifications sent: " + ", ".join(f"{n} {what}" for what, n in sent.items()))
