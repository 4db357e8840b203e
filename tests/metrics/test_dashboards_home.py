"""The dashboards home: every cohort and team the manager may see with its headline
numbers (phase, at risk, behind, overdue items, the time-to-resolve trend), in a
fixed number of queries whatever the number of cohorts and teams."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics import selectors, services
from notifications.models import Notification
from org.models import Membership, User
from pathways.models import Enrollment, Progress
from pathways.progress import services as progress_services
from tests.cohorts.factories import (
    CohortFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    pathway_with_schedule,
)
from tests.factories import TeamFactory, UserFactory
from tests.metrics.factories import incident
from tests.utils import count_queries

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=44)  # day 45


@pytest.fixture
def manager(db):
    return UserFactory(personas=["learner", "manager"], full_name="Morgan Manager")


@pytest.fixture
def pathway(db):
    role = RoleFactory(slug="sre", name="Site reliability engineer")
    RoleSkillFactory(role=role, skill=SkillFactory(name="SLOs"), criticality=5, min_day30=2)
    # modules due on days 14, 28 and 56, one lab each: six items
    return pathway_with_schedule(role, [(1, 2), (3, 4), (5, 8)], labs=1)


def team_in_cohort(manager, pathway, size, *, done_first=0, sponsor=None, name=None):
    """A team of `size` managed by `manager`, put in a new cohort on day 45 (sponsored by
    `sponsor`) and enrolled; the first `done_first` did the first module and its lab."""
    team = TeamFactory(managers=[manager])
    users = User.objects.bulk_create(
        [User(email=f"{team.slug}.{n}@example.test", full_name=f"P{n:03d}") for n in range(size)]
    )
    Membership.objects.bulk_create([Membership(user=u, team=team, job_role="sre") for u in users])
    cohort = CohortFactory(
        pathways=[pathway], sponsor=sponsor, start_date=START, **({"name": name} if name else {})
    )
    progress_services.cohort_add_teams(cohort=cohort, teams=[team])
    progress_services.cohort_enrol(cohort=cohort)
    first = pathway.modules.get(order=1)
    finished = Enrollment.objects.filter(user__in=users[:done_first])
    Progress.objects.bulk_create(
        [Progress(enrollment=e, module=first, status="done") for e in finished]
        + [Progress(enrollment=e, lab=first.labs.get(), status="done") for e in finished]
    )
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    return team, cohort


def test_home_shows_headline_numbers_of_a_cohort_someone_else_runs(client, manager, pathway):
    # given the manager's team is in a cohort another manager sponsors (cohort 2 of the
    # issue: it contains the manager's team but is not theirs), on day 45
    other = UserFactory(personas=["learner", "manager"])
    team, cohort = team_in_cohort(
        manager, pathway, 5, done_first=2, sponsor=other, name="Cohort two"
    )
    # and the team's incidents resolved in 30 min in the last four weeks, 1 h before
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    for weeks_ago, ttr in ((1, 1800), (2, 1800), (5, 3600), (6, 3600)):
        start = dt.datetime.combine(monday - dt.timedelta(weeks=weeks_ago), dt.time(9), dt.UTC)
        incident(team=team, start=start, ttr=ttr)
    services.rollups_recompute_all()
    # and a cohort without any of the manager's people
    CohortFactory(name="Somebody else's cohort", sponsor=other)
    client.force_login(manager)

    # when
    response = client.get(reverse("metrics:home"))

    # then the cohort is listed with its phase and training counts: day 45 is in days
    # 31–60; all 5 at risk; 2 learners with 2 overdue items and 3 with 4
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cohort two" in html and "Somebody else" not in html
    [row] = response.context["cohort_rows"]
    assert (row.name, row.phase, row.day, row.learners) == ("Cohort two", "Days 31–60", 45, 5)
    assert (row.at_risk, row.behind, row.overdue_items) == (5, 0, 16)
    # and the time-to-resolve trend of the team: 30 min now, 1 h before, better
    assert (row.trend.current, row.trend.current_n) == (1800, 2)
    assert (row.trend.previous, row.trend.previous_n, row.trend.direction) == (3600, 2, "better")
    assert "30 min <small>(n 2)</small>" in html and "↓ better" in html
    # and the team row adds up its people over the cohorts
    [team_row] = response.context["team_rows"]
    assert (team_row.name, team_row.learners, team_row.cohorts) == (team.name, 5, 1)
    assert (team_row.at_risk, team_row.behind, team_row.overdue_items) == (5, 0, 16)
    assert reverse("metrics:cohort", args=[cohort.pk]) in html
    assert reverse("metrics:team_incidents", args=[team.slug]) in html


def test_a_cohort_without_a_snapshot_shows_dashes_not_zeros(client, manager, pathway):
    team = TeamFactory(managers=[manager])
    person = UserFactory()
    Membership.objects.create(user=person, team=team, job_role="sre")
    cohort = CohortFactory(pathways=[pathway], start_date=START, name="Fresh cohort")
    progress_services.cohort_add_members(cohort=cohort, user_ids=[person.pk])
    client.force_login(manager)

    response = client.get(reverse("metrics:home"))

    [row] = response.context["cohort_rows"]
    assert (row.at_risk, row.behind, row.overdue_items, row.trend) == (None, None, None, None)
    assert response.content.decode().count("<td>—</td>") >= 1


def _home_queries(client, manager) -> int:
    client.force_login(manager)
    client.get(reverse("metrics:home"))  # warm the session and persona look-ups
    count, response = count_queries(lambda: client.get(reverse("metrics:home")))
    assert response.status_code == 200
    return count


@pytest.mark.parametrize("small,large", [(5, 50)])
def test_home_queries_do_not_grow_with_cohorts_and_teams(client, pathway, small, large):
    # given two managers, one with 5 cohorts (each of one team of 2), one with 50
    few = UserFactory(personas=["learner", "manager"])
    many = UserFactory(personas=["learner", "manager"])
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    for manager, number in ((few, small), (many, large)):
        for _ in range(number):
            team, _cohort = team_in_cohort(manager, pathway, 2, done_first=1)
            last_week = dt.datetime.combine(monday - dt.timedelta(weeks=1), dt.time(9), dt.UTC)
            incident(team=team, start=last_week, ttr=60)
    services.rollups_recompute_all()

    # when each opens the home page
    counts = (_home_queries(client, few), _home_queries(client, many))

    # then both pages cost the same number of queries, and each shows all its rows
    assert counts[0] == counts[1], counts
    assert len(selectors.dashboard_overview(user=many, today=TODAY)[0]) == large


def test_learners_may_not_open_the_home(client, learner):
    client.force_login(learner)
    assert client.get(reverse("metrics:home")).status_code == 403


def test_manager_nudges_an_at_risk_learner_from_the_cohort_dashboard(
    client, manager, pathway, django_capture_on_commit_callbacks
):
    # given the manager's team of 3 in a cohort, all at risk on day 45
    team, cohort = team_in_cohort(manager, pathway, 3, sponsor=manager)
    client.force_login(manager)
    url = reverse("metrics:cohort", args=[cohort.pk])
    html = client.get(url).content.decode()

    # then each at-risk learner has a nudge button posting to the notifications' nudge
    person = User.objects.get(email=f"{team.slug}.0@example.test")
    nudge = reverse("notifications:nudge", args=[person.pk])
    assert html.count('class="nudge-form"') == 3
    assert f'action="{nudge}"' in html
    assert f'name="next" value="{url}#progress"' in html

    # when the manager presses it, twice
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(nudge, {"next": f"{url}#progress"}, follow=True)
        second = client.post(nudge, {"next": f"{url}#progress"}, follow=True)

    # then the learner has one nudge in the app and the manager is told each time
    assert Notification.objects.filter(user=person, kind="nudge").count() == 1
    assert first.redirect_chain[-1][0] == f"{url}#progress"
    assert f"{person.full_name} got your nudge." in first.content.decode()
    assert f"You nudged {person.full_name} today already." in second.content.decode()


def test_authors_see_the_at_risk_list_without_nudge_buttons(client, author, manager, pathway):
    _team, cohort = team_in_cohort(manager, pathway, 2, sponsor=manager)
    client.force_login(author)
    html = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()
    assert "At-risk learners" in html and "nudge-form" not in html
