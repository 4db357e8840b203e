"""The private iCalendar feed: a revocable token per person, events from the apps.

The events come from the callables named in `TRELLIS_CALENDAR_SOURCES` (dotted paths,
each `f(user) -> list[CalendarEvent]`), so this app imports none of the apps that own
due dates.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from config.mail import absolute_url
from org.models import User

from .models import CalendarFeed


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across feeds, e.g. "enrollment-4-lab-17"
    title: str
    day: date  # an all-day event on the due date
    description: str = ""
    url: str = ""  # a path inside Trellis


def feed_regenerate(*, user: User) -> CalendarFeed:
    """Give `user` a new feed address; any earlier one stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


def feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_user(*, token: str) -> User | None:
    feed = CalendarFeed.objects.filter(token=token, user__is_active=True).select_related("user")
    found = feed.first()
    return found.user if found else None


def events_for(*, user: User) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    for path in settings.TRELLIS_CALENDAR_SOURCES:
        events.extend(import_string(path)(user))
    return sorted(events, key=lambda e: (e.day, e.title))


def ical_for(*, user: User) -> bytes:
    from icalendar import Calendar, Event  # only for the feed, not in every web process

    host = settings.TRELLIS_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
    calendar = Calendar()
    calendar.add("prodid", "-//Trellis//due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Trellis: due dates")
    stamp = timezone.now()
    for item in events_for(user=user):
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.title)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", absolute_url(item.url))
        calendar.add_component(event)
    return calendar.to_ical()
