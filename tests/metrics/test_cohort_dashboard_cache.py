"""The cohort dashboard's shared parts come from the cache (`metrics.fragments`): a change
to what they show is on the very next page, viewers who see different figures never get
each other's, and a cache that is down only costs time."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from metrics import services
from pathways.models import Enrollment, Progress
from tests.factories import TeamFactory
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.metrics.test_cache_outage import redis_down  # noqa: F401
from tests.metrics.test_cohort_dashboard import (  # noqa: F401
    START,
    TODAY,
    catalogue,
    populate,
    sponsor,
)
from tests.utils import count_queries

ROLE = "Site reliability engineer"


def unmasked(html: str) -> str:
    """The page without its CSRF tokens (masked afresh on each render)."""
    return re.sub(r"[A-Za-z0-9]{64}", "…", html)


@pytest.fixture
def dashboard(client, sponsor, catalogue):  # noqa: F811
    """A cohort of 6 (3 finished the first module), two incidents of its team, and a
    function that opens its dashboard as the sponsor (or `viewer`)."""
    team, cohort = populate(sponsor, catalogue, 6, done_first=3)
    incident(team=team, start=at(f"{START}T10:00") - dt.timedelta(days=3), ttr=3600)
    incident(team=team, start=at(f"{START}T10:00") + dt.timedelta(days=3), ttr=1800)
    services.rollups_recompute_all()
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)

    def opened(viewer=sponsor) -> str:
        client.force_login(viewer)
        response = client.get(reverse("metrics:cohort", args=[cohort.pk]))
        assert response.status_code == 200
        return response.content.decode()

    opened.team, opened.cohort = team, cohort
    return opened


def test_a_repeated_view_reads_the_shared_parts_from_the_cache(dashboard):
    first, page = count_queries(dashboard)
    again, same = count_queries(dashboard)
    assert again < first
    assert unmasked(same) == unmasked(page)


def test_an_imported_incident_is_on_the_next_page(dashboard):
    assert "2 incidents" in dashboard()

    # noted: its bucket is updated at once, and the rollup state says so
    new = incident(team=dashboard.team, start=at(f"{START}T12:00"), ttr=600)
    services.rollups_note_incidents(incident_ids=[new.pk], schedule=False)
    # counted in the panel and the before/after comparison
    html = dashboard()
    assert "3 incidents" in html and "2 incidents" not in html


def test_a_full_rebuild_is_on_the_next_page(dashboard):
    assert "2 incidents" in dashboard()
    incident(team=dashboard.team, start=at(f"{START}T12:00"), ttr=600)
    services.rollups_recompute_all()
    assert "3 incidents" in dashboard()


def test_a_new_team_is_on_the_next_comparison(dashboard):
    assert "Compared with 0 other teams" in dashboard()
    TeamFactory()
    assert "Compared with 1 other team." in dashboard()


def test_progress_is_on_the_page_after_the_snapshot_refresh(dashboard):
    assert "6 of 24 (25.0 %)" in dashboard()  # days 1–30: 6 of 24 items done

    finished = Enrollment.objects.filter(user__full_name="P00003")
    first = dashboard.cohort.pathways.get().modules.get(order=1)
    Progress.objects.bulk_create(
        [Progress(enrollment=e, module=first, status="done") for e in finished]
    )
    services.cohort_snapshot_refresh(cohort_id=dashboard.cohort.pk, today=TODAY)

    assert "7 of 24 (29.2 %)" in dashboard()


def test_viewers_who_may_not_see_every_member_never_get_each_others_figures(
    client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
    author,
):
    # given a cohort of four SREs: the sponsor manages them, an author may not see them
    _, cohort = populate(sponsor, catalogue, 4, done_first=1)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    url = reverse("metrics:cohort", args=[cohort.pk])
    row = f'<th scope="row">{ROLE}</th>'

    def opened(viewer) -> str:
        client.force_login(viewer)
        return client.get(url).content.decode()

    # whoever opens the dashboard first, the group of four shows to the sponsor only
    for viewer, sees in ((author, False), (sponsor, True), (author, False), (sponsor, True)):
        assert (row in opened(viewer)) is sees, viewer


def test_the_dashboard_is_whole_when_the_cache_is_down(dashboard, redis_down):  # noqa: F811
    html = dashboard()
    assert "2 incidents" in html and "6 of 24 (25.0 %)" in html
    assert "Compared with 0 other teams" in html
