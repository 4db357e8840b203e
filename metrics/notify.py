"""Manager notifications read from cohort snapshots: an alert when a learner in their
teams turns at risk, and a weekly cohort summary. Run by Celery beat (metrics.tasks)."""

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import Message, notify
from org.models import Persona, User

from .models import CohortSnapshot


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def managers_of(*, learner_ids: list[int]) -> QuerySet[User]:
    """Active managers (with the manager persona) of a team any of these people are in."""
    return (
        User.objects.filter(
            is_active=True,
            groups__name=Persona.MANAGER,
            managed_teams__memberships__user_id__in=learner_ids,
        )
        .distinct()
        .order_by("pk")
    )


def at_risk_alerts_send() -> int:
    """Tell each manager once about each learner of their teams that a cohort snapshot
    lists as at risk. The sent-log key (cohort, learner) makes it once per cohort: a
    learner who stays at risk across snapshot refreshes is not reported again."""
    sent = 0
    snapshots = CohortSnapshot.objects.select_related("cohort").order_by("cohort_id")
    for snapshot in snapshots:
        for row in snapshot.data.get("at_risk", []):
            reasons = row.get("reasons") or []
            message = Message(
                title=f"{row['name']} is at risk in {snapshot.cohort.name}",
                lines=[
                    f"{row['name']} ({row.get('role') or 'no role'}) has completed "
                    f"{row.get('completion', 0)}% of their schedule.",
                    *(f"• {reason}" for reason in reasons),
                ],
                url=reverse("metrics:cohort", args=[snapshot.cohort_id]),
                action="Open the cohort dashboard",
            )
            for manager in managers_of(learner_ids=[row["user_id"]]):
                sent += notify(
                    user=manager,
                    kind=Kind.AT_RISK,
                    subject=f"cohort:{snapshot.cohort_id}:learner:{row['user_id']}",
                    message=message,
                )
    return sent


def cohort_summaries_send(*, today: date | None = None) -> int:
    """This ISO week's summary of each cohort to the managers of its members' teams."""
    today = today or timezone.localdate()
    sent = 0
    snapshots = CohortSnapshot.objects.select_related("cohort").order_by("cohort_id")
    for snapshot in snapshots:
        data = snapshot.data
        counts = data.get("status_counts", {})
        message = Message(
            title=f"{snapshot.cohort.name}: week {data.get('day', 0) // 7 + 1} summary",
            lines=[
                f"Programme day {data.get('day', 0)}, {data.get('learners', 0)} learners, "
                f"{data.get('enrolled', 0)} enrolled.",
                f"On track {counts.get('on_track', 0)}, behind {counts.get('behind', 0)}, "
                f"at risk {counts.get('at_risk', 0)}.",
            ],
            url=reverse("metrics:cohort", args=[snapshot.cohort_id]),
            action="Open the cohort dashboard",
        )
        member_ids = list(snapshot.cohort.members.values_list("user_id", flat=True))
        if not member_ids:
            continue
        for manager in managers_of(learner_ids=member_ids):
            sent += notify(
                user=manager,
                kind=Kind.COHORT_SUMMARY,
                subject=f"cohort:{snapshot.cohort_id}",
                period=iso_week(today),
                message=message,
            )
    return sent
