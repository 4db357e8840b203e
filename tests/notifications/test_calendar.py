"""The private calendar feed, parsed back with the icalendar library."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from notifications.models import CalendarFeed
from tests.notifications.conftest import TODAY, cohort_of

pytestmark = pytest.mark.django_db


def _feed_path(client) -> str:
    page = client.get(reverse("notifications:preferences")).content.decode()
    start = page.index('id="feed-url" type="text" readonly value="') + 42
    url = page[start : page.index('"', start)]
    return url.removeprefix("http://127.0.0.1:8000")


def test_a_learner_subscribes_to_their_due_dates_and_can_revoke_the_address(
    client, team_manager, settings
):
    # given ada on day 10 of a cohort (modules due on days 14, 28, 56, one lab each),
    # who finished nothing, and bo, who finished the first module and its lab
    cohort, [ada, _bo] = cohort_of(team_manager, ["ada", "bo"], day=10, done=("bo",))
    settings.TRELLIS_BASE_URL = "http://127.0.0.1:8000"

    # when ada creates her calendar address from her settings page
    client.force_login(ada)
    client.post(reverse("notifications:calendar_manage"), {"action": "regenerate"})
    path = _feed_path(client)
    client.logout()

    # then the address, without signing in, is an iCalendar of her six open items
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    start = cohort.start_date
    due = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in events}
    assert due == {
        "Due: SRE path module 1": start + dt.timedelta(days=13),
        "Due: SRE path module 1 lab 1": start + dt.timedelta(days=13),
        "Due: SRE path module 2": start + dt.timedelta(days=27),
        "Due: SRE path module 2 lab 1": start + dt.timedelta(days=27),
        "Due: SRE path module 3": start + dt.timedelta(days=55),
        "Due: SRE path module 3 lab 1": start + dt.timedelta(days=55),
    }
    assert start + dt.timedelta(days=13) == TODAY + dt.timedelta(days=4)
    assert len({str(e["UID"]) for e in events}) == 6
    first = next(e for e in events if str(e["SUMMARY"]) == "Due: SRE path module 1 lab 1")
    assert str(first["URL"]).startswith("http://127.0.0.1:8000/catalogue/")
    assert client.get(str(first["URL"]).removeprefix("http://127.0.0.1:8000")).status_code in (
        200,
        302,
    )

    # when she asks for a new address, the old one stops working and the new one works
    client.force_login(ada)
    client.post(reverse("notifications:calendar_manage"), {"action": "regenerate"})
    new_path = _feed_path(client)
    assert new_path != path
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200

    # when she revokes it, no address works
    client.post(reverse("notifications:calendar_manage"), {"action": "revoke"})
    assert client.get(new_path).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_done_items_leave_the_feed(client, team_manager):
    _, [_ada, bo] = cohort_of(team_manager, ["ada", "bo"], day=10, done=("bo",))
    client.force_login(bo)
    client.post(reverse("notifications:calendar_manage"), {"action": "regenerate"})
    calendar = Calendar.from_ical(client.get(_feed_path(client)).content)
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == [
        "Due: SRE path module 2",
        "Due: SRE path module 2 lab 1",
        "Due: SRE path module 3",
        "Due: SRE path module 3 lab 1",
    ]
