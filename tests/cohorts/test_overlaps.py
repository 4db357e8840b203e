"""Adding people who are already in an active cohort: the author is warned, by name,
and chooses to proceed (enrol them too) or skip them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pathways.models import Cohort, CohortMember
from pathways.progress import selectors, services
from tests.cohorts.factories import CohortFactory, RoleFactory, pathway_with_schedule
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def setting(db, author):
    role = RoleFactory(slug="sre", name="SRE")
    first = pathway_with_schedule(role, [(1, 2), (3, 4)], title="SRE track")
    second = pathway_with_schedule(role, [(1, 2)], title="Second track")
    team = TeamFactory(slug="sre-team", name="SRE")
    busy = MembershipFactory(team=team, job_role="sre", user__full_name="Busy Bee").user
    free = MembershipFactory(team=team, job_role="sre", user__full_name="Free Bird").user
    today = timezone.localdate()
    running = CohortFactory(name="Running cohort", start_date=today - timedelta(days=44))
    running.pathways.add(first)
    services.cohort_add_members(cohort=running, user_ids=[busy.pk])
    finished = CohortFactory(name="Finished cohort", start_date=today - timedelta(days=90))
    services.cohort_add_members(cohort=finished, user_ids=[free.pk])
    new = CohortFactory(name="New cohort", start_date=today)
    new.pathways.add(second)
    return {"team": team, "busy": busy, "free": free, "running": running, "new": new}


def test_overlaps_name_people_in_an_unfinished_cohort_only(setting):
    today = timezone.localdate()
    overlaps = selectors.active_cohort_overlaps(
        team_ids=[setting["team"].pk], cohort=setting["new"], today=today
    )
    assert [(o.person, o.cohort_names) for o in overlaps] == [(setting["busy"], "Running cohort")]
    # day 90 of the finished cohort was yesterday; on its day 90 it still counts
    yesterday = today - timedelta(days=1)
    names = [
        o.person
        for o in selectors.active_cohort_overlaps(
            user_ids=[setting["free"].pk], cohort=None, today=yesterday
        )
    ]
    assert names == [setting["free"]]
    # people already in the cohort being filled are not joining it
    assert not selectors.active_cohort_overlaps(
        user_ids=[setting["busy"].pk], cohort=setting["running"], today=today
    )


def test_adding_a_team_warns_and_names_who_is_already_in_an_active_cohort(client, author, setting):
    client.force_login(author)
    url = reverse("pathways:cohort_members", args=[setting["new"].pk])
    page = client.post(url, {"action": "add_teams", "teams": [setting["team"].pk]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Already in an active cohort" in html
    assert "Busy Bee" in html and "Running cohort" in html
    assert "Free Bird" not in html
    # the choice re-posts what was submitted
    assert f'<input type="hidden" name="teams" value="{setting["team"].pk}">' in html
    assert '<input type="hidden" name="action" value="add_teams">' in html
    assert not CohortMember.objects.filter(cohort=setting["new"]).exists()


def test_skip_adds_everyone_but_the_people_already_in_an_active_cohort(client, author, setting):
    client.force_login(author)
    url = reverse("pathways:cohort_members", args=[setting["new"].pk])
    response = client.post(
        url,
        {"action": "add_teams", "teams": [setting["team"].pk], "on_overlap": "skip"},
        follow=True,
    )
    members = set(CohortMember.objects.filter(cohort=setting["new"]).values_list("user", flat=True))
    assert members == {setting["free"].pk}
    assert "Added 1 people. Skipped 1 already in an active cohort: Busy Bee." in (
        response.content.decode()
    )
    # the running cohort keeps them
    assert CohortMember.objects.filter(cohort=setting["running"], user=setting["busy"]).exists()


def test_proceed_adds_them_too(client, author, setting):
    client.force_login(author)
    url = reverse("pathways:cohort_members", args=[setting["new"].pk])
    client.post(
        url, {"action": "add_teams", "teams": [setting["team"].pk], "on_overlap": "proceed"}
    )
    members = set(CohortMember.objects.filter(cohort=setting["new"]).values_list("user", flat=True))
    assert members == {setting["free"].pk, setting["busy"].pk}


def test_service_skip_leaves_the_named_people_out(setting):
    added = services.cohort_add_teams(
        cohort=setting["new"], teams=[setting["team"]], skip_user_ids=[setting["busy"].pk]
    )
    assert added == 1
    assert list(
        CohortMember.objects.filter(cohort=setting["new"]).values_list("user", flat=True)
    ) == [setting["free"].pk]


def test_a_new_cohort_from_the_proposal_warns_then_skips(client, manager, setting):
    team = setting["team"]
    team.managers.add(manager)
    other = UserFactory(full_name="Other")
    MembershipFactory(team=team, user=other, job_role="sre")
    client.force_login(manager)
    data = {
        "name": "Fresh cohort",
        "start_date": str(timezone.localdate()),
        "pathways": [setting["new"].pathways.get().pk],
        "sponsor": manager.pk,
        "members": [setting["busy"].pk, other.pk],
        "champions": [setting["busy"].pk],
    }
    page = client.post(reverse("pathways:cohort_propose"), data)
    assert "Busy Bee" in page.content.decode() and "Running cohort" in page.content.decode()
    assert not Cohort.objects.filter(name="Fresh cohort").exists()

    client.post(reverse("pathways:cohort_propose"), {**data, "on_overlap": "skip"})
    cohort = Cohort.objects.get(name="Fresh cohort")
    assert list(CohortMember.objects.filter(cohort=cohort).values_list("user", flat=True)) == [
        other.pk
    ]


def test_enrolling_a_team_from_the_heatmap_warns_then_skips(client, manager, setting):
    from pathways.models import Enrollment

    setting["team"].managers.add(manager)
    pathway = setting["new"].pathways.get()
    client.force_login(manager)
    url = reverse("pathways:team_enrol", args=[setting["team"].slug])
    data = {"pathway": pathway.pk, "started_on": str(timezone.localdate())}

    page = client.post(url, data).content.decode()
    assert "Already in an active cohort" in page and "Busy Bee" in page
    assert not Enrollment.objects.filter(pathway=pathway).exists()

    response = client.post(url, {**data, "on_overlap": "skip"}, follow=True)
    enrolled = set(Enrollment.objects.filter(pathway=pathway).values_list("user", flat=True))
    assert enrolled == {setting["free"].pk}
    assert "Skipped 1 already in an active cohort: Busy Bee." in response.content.decode()

    client.post(url, {**data, "on_overlap": "proceed"})
    enrolled = set(Enrollment.objects.filter(pathway=pathway).values_list("user", flat=True))
    assert enrolled == {setting["free"].pk, setting["busy"].pk}
