"""Learner reminders: the weekly digest of what is due and an alert per missed due date.

Run by Celery beat (pathways.tasks). Each message goes through `notifications.notify`,
whose sent-log key makes a second run of the same job send nothing.
"""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import Message, notify
from org.models import User
from pathways.models import Enrollment
from pathways.progress.selectors import LearnerProgress, learner_home

DIGEST_DAYS = 7


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _learners_with_active_enrollments():  # type: ignore[no-untyped-def]
    return User.objects.filter(
        is_active=True, enrollments__status=Enrollment.Status.ACTIVE
    ).distinct()


def _when(item_due_on: date | None, day: int) -> str:
    return f"{item_due_on:%a %d %b}" if item_due_on else f"day {day}"


def digest_message(*, progress: LearnerProgress) -> Message | None:
    """The digest for one learner: due in the next DIGEST_DAYS days, and overdue."""
    due = progress.due_between(progress.day, progress.day + DIGEST_DAYS - 1)
    due = [i for i in due if i.state.value != "overdue"]
    overdue = progress.overdue_items
    if not due and not overdue:
        return None
    lines = []
    if due:
        lines.append(f"Due in the next {DIGEST_DAYS} days ({len(due)}):")
        lines += [f"• {i.item.title}, due {_when(i.item.due_on, i.item.due)}" for i in due]
    if overdue:
        lines.append(f"Overdue ({len(overdue)}):")
        lines += [f"• {i.item.title}, was due {_when(i.item.due_on, i.item.due)}" for i in overdue]
    return Message(
        title=f"Your week in Trellis: {len(due)} due, {len(overdue)} overdue",
        lines=lines,
        url=reverse("pathways:learn"),
        action="Open My learning",
    )


def learner_digests_send(*, today: date | None = None) -> int:
    """Send this ISO week's digest to every learner with something due or overdue."""
    today = today or timezone.localdate()
    sent = 0
    for user in _learners_with_active_enrollments():
        progress = learner_home(user=user, today=today).current
        if progress is None or progress.enrollment is None:
            continue
        message = digest_message(progress=progress)
        if message is None:
            continue
        sent += notify(
            user=user,
            kind=Kind.LEARNER_DIGEST,
            subject=f"enrollment:{progress.enrollment.pk}",
            period=iso_week(today),
            message=message,
        )
    return sent


def overdue_alerts_send(*, today: date | None = None) -> int:
    """One alert per learner and missed due date (a module and its labs share one)."""
    today = today or timezone.localdate()
    sent = 0
    for user in _learners_with_active_enrollments():
        progress = learner_home(user=user, today=today).current
        if progress is None or progress.enrollment is None:
            continue
        by_due: dict[int, list] = {}
        for item in progress.overdue_items:
            by_due.setdefault(item.item.due, []).append(item)
        for due, items in sorted(by_due.items()):
            sent += notify(
                user=user,
                kind=Kind.OVERDUE,
                subject=f"enrollment:{progress.enrollment.pk}:due-day:{due}",
                message=Message(
                    title=f"Overdue: {items[0].item.title}"
                    + (f" and {len(items) - 1} more" if len(items) > 1 else ""),
                    lines=[
                        f"Due {_when(items[0].item.due_on, due)}, not done yet:",
                        *(f"• {i.item.title}" for i in items),
                    ],
                    url=reverse("pathways:learn"),
                    action="Open My learning",
                ),
            )
    return sent
