"""Due dates of a learner's current enrolment for their calendar feed
(`TRELLIS_CALENDAR_SOURCES`)."""

from django.urls import reverse
from django.utils import timezone

from notifications.calendar import CalendarEvent
from org.models import User
from pathways.models import Lab
from pathways.progress.rules import ItemState
from pathways.progress.selectors import learner_home


def due_items_for(user: User) -> list[CalendarEvent]:
    """Each open module and lab with a due date, as an all-day event on that date."""
    progress = learner_home(user=user, today=timezone.localdate()).current
    if progress is None or progress.enrollment is None:
        return []
    slug = progress.enrollment.pathway.slug
    lab_slugs = dict(
        Lab.objects.filter(
            pk__in=[i.item.pk for i in progress.items if i.item.kind == "lab"]
        ).values_list("pk", "slug")
    )
    events = []
    for entry in progress.items:
        item = entry.item
        if entry.state is ItemState.DONE or item.due_on is None:
            continue
        if item.kind == "lab" and item.pk in lab_slugs:
            url = reverse("pathways:lab_detail", args=[slug, item.module.slug, lab_slugs[item.pk]])
        else:
            url = reverse("pathways:module_detail", args=[slug, item.module.slug])
        events.append(
            CalendarEvent(
                uid=f"enrollment-{progress.enrollment.pk}-{item.kind}-{item.pk}",
                title=f"Due: {item.title}",
                day=item.due_on,
                description=f"{item.kind.title()} of {progress.enrollment.pathway.title}, "
                f"week {item.module.week_end}.",
                url=url,
            )
        )
    return events
