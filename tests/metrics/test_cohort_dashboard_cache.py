"""The cohort dashboard's shared parts come from the cache (`metrics.fragments`): a change
to what they show is on the very next page, viewers who see different figures never get
each other's, and a cache that is down only costs time."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse

from metrics import selectors, services, small_groups
from org.models import Membership
from pathways.models import Enrollment, Progress
from pathways.progress import services as progress_services
from tests.factories import TeamFactory, UserFactory
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


def test_a_repeated_view_reads_the_cache_once(dashboard, client, monkeypatch):
    # given the dashboard opened once (its parts stored, the viewer signed in)
    dashboard()
    calls, depth = [], [0]
    backend = caches["default"]
    for name in ("get", "get_many", "set", "set_many", "add"):
        method = getattr(backend, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            if not depth[0]:  # not a call the backend makes for another (get_many: get)
                calls.append((_name, args[0]))
            depth[0] += 1
            try:
                return _method(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)

    # when it is opened again in the same session
    url = reverse("metrics:cohort", args=[dashboard.cohort.pk])
    assert client.get(url).status_code == 200

    # then every part of the dashboard (and the OKR stamp) comes in one read
    reads = [keys for name, keys in calls if "metrics:fragment:" in str(keys)]
    assert len(reads) == 1 and reads[0] == [
        k for k in reads[0] if k.startswith(("metrics:", "stamp:"))
    ]
    assert {k.split(":")[2] for k in reads[0] if k.startswith("metrics:")} == {
        "cohort-okrs",
        "cohort-training",
        "cohort-incidents",
        "cohort-impact",
        "cohort-outcomes",
    }
    # and nothing is written back
    assert not [name for name, _ in calls if name in ("set", "set_many", "add")]


def test_an_okr_change_is_on_the_next_page(dashboard):
    # given an objective with a key result reported by hand, on the dashboard
    objective = services.objective_create(
        title="Fewer AI incidents", starts_on=START, deadline=TODAY + dt.timedelta(days=60)
    )
    result = services.key_result_create(
        objective=objective,
        description="Incidents reviewed",
        baseline_value=Decimal(0),
        target_value=Decimal(10),
        current_value=Decimal(2),
    )
    html = dashboard()
    assert "Fewer AI incidents" in html and "20 % of the way" in html

    # a value reported (a queryset update, no signal): on the next page
    services.key_result_report(key_result=result, value=Decimal(5))
    assert "50 % of the way" in dashboard()

    # an edited description and a renamed team: on the next page
    result.description = "Incidents reviewed in a week"
    result.save()
    objective.team = dashboard.team
    objective.save()
    assert "Incidents reviewed in a week" in dashboard()
    dashboard.team.name = "Renamed team"
    dashboard.team.save()
    assert "team: Renamed team" in dashboard()

    # a deleted objective: gone from the next page
    objective.delete()
    html = dashboard()
    assert "Fewer AI incidents" not in html and "No objectives yet." in html


def test_a_measured_key_result_is_on_the_next_page(dashboard):
    objective = services.objective_create(
        title="Faster recovery", starts_on=START, deadline=TODAY + dt.timedelta(days=60)
    )
    services.key_result_create(
        objective=objective,
        description="Incidents this quarter",
        kpi_key="incident_count",
        scope=f"team:{dashboard.team.slug}",
        baseline_value=Decimal(10),
        target_value=Decimal(0),
    )
    assert "n = 2" in dashboard()
    incident(team=dashboard.team, start=at(f"{START}T12:00"), ttr=600)
    services.rollups_recompute_all()
    services.key_results_refresh()  # a queryset update per key result
    assert "n = 3" in dashboard()


def test_a_manager_of_one_of_the_teams_sees_that_team_and_its_people_only(
    client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    # given a cohort of two teams of five, the sponsor managing both
    first, cohort = populate(sponsor, catalogue, 5)
    second = TeamFactory(name="Second team", managers=[sponsor])
    people = [
        Membership.objects.create(user=UserFactory(), team=second, job_role="sre").user
        for _ in range(5)
    ]
    progress_services.cohort_add_teams(cohort=cohort, teams=[second])
    progress_services.cohort_enrol(cohort=cohort)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    url = reverse("metrics:cohort", args=[cohort.pk])
    other = UserFactory(personas=["learner", "manager"])
    second.managers.add(other)

    def opened(viewer) -> tuple[int, str]:
        client.force_login(viewer)
        response = client.get(url)
        return response.status_code, response.content.decode()

    # when the manager of the second team only opens it
    status, html = opened(other)

    # then the scope is their team, the names are of their people
    assert status == 200
    assert "<p>Second team.</p>" in html and first.name not in html
    assert any(p.full_name in html for p in people)
    assert "P00000" not in html and "outside your teams" in html
    # (and they do not see every member one by one, unlike the sponsor: as small_groups says)
    for viewer, sees in ((other, False), (sponsor, True)):
        view = selectors.cohort_view_for_user(user=viewer, cohort_id=cohort.pk)
        assert view.sees_everyone is sees
        assert small_groups.viewer_sees_everyone(user=viewer, cohort_id=cohort.pk) is sees

    # and once they no longer manage it (nor sponsor, nor belong): no dashboard at all
    second.managers.remove(other)
    assert opened(other)[0] == 404

    # a member of the cohort who manages no team in it sees it, without the incidents
    member = people[0]
    member.groups.add(*UserFactory(personas=["manager"]).groups.all())
    status, html = opened(member)
    assert status == 200 and "None of this cohort's teams is one you manage" in html
