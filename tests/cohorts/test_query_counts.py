"""Heatmaps and cohort member lists cost the same queries for 10 and 1,000 people."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from org.models import Membership, Team, User
from pathways.models import CohortMember, Enrollment, Progress, SkillRating
from pathways.progress import services
from tests.cohorts.factories import (
    CohortFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    pathway_with_schedule,
)
from tests.factories import TeamFactory
from tests.utils import count_queries

SOURCES = ["self", "manager", "assessment"]


@pytest.fixture
def sre(db):
    role = RoleFactory(slug="sre", exposure=5, influence=4)
    skills = [SkillFactory() for _ in range(4)]
    for n, skill in enumerate(skills):
        RoleSkillFactory(role=role, skill=skill, criticality=5 - n)
    pathway = pathway_with_schedule(role, [(1, 2), (3, 4), (5, 6), (7, 8)], labs=1)
    return role, skills, pathway


def _populate(manager, sre, size: int) -> tuple[Team, object]:
    """A managed team of `size` people with ratings from three sources, in a cohort,
    enrolled, with the first module done. Bulk writes only."""
    _role, skills, pathway = sre
    team = TeamFactory(managers=[manager])
    users = User.objects.bulk_create(
        [User(email=f"{team.slug}.{n}@example.test", full_name=f"Person {n}") for n in range(size)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, team=team, job_role="sre", career_level=("junior", "mid")[n % 2])
            for n, u in enumerate(users)
        ]
    )
    now = timezone.now()
    SkillRating.objects.bulk_create(
        [
            SkillRating(
                person=u,
                skill=skill,
                level=1 + (n + i) % 5,
                source=source,
                rated_at=now - timedelta(days=i),
            )
            for n, u in enumerate(users)
            for skill in skills
            for i, source in enumerate(SOURCES)
        ]
    )
    cohort = CohortFactory(pathways=[pathway], sponsor=manager)
    services.cohort_add_teams(cohort=cohort, teams=[team])
    services.cohort_enrol(cohort=cohort)
    first = pathway.modules.get(order=1)
    Progress.objects.bulk_create(
        [
            Progress(enrollment=e, module=first, status="done")
            for e in Enrollment.objects.filter(user__in=users)
        ]
    )
    return team, cohort


def test_team_heatmap_page_and_api_use_the_same_queries_for_10_and_1000(client, manager, sre):
    small_team, _ = _populate(manager, sre, 10)
    large_team, _ = _populate(manager, sre, 1000)
    client.force_login(manager)
    client.get(reverse("notifications:inbox"))  # the signed-in user, read into the cache

    def page(team):
        return lambda: client.get(reverse("pathways:team_heatmap", args=[team.slug]))

    def api(team):
        return lambda: client.get(reverse("api-team-heatmap", args=[team.slug]))

    small_n, small = count_queries(page(small_team))
    large_n, large = count_queries(page(large_team))
    assert (small.status_code, large.status_code) == (200, 200)
    assert small.content.decode().count("data-person=") == 10
    assert large.content.decode().count("data-person=") == 1000
    assert large_n == small_n

    small_api_n, small_api = count_queries(api(small_team))
    large_api_n, large_api = count_queries(api(large_team))
    assert (len(small_api.json()["rows"]), len(large_api.json()["rows"])) == (10, 1000)
    assert large_api_n == small_api_n


def test_cohort_member_list_page_and_api_use_the_same_queries_for_10_and_1000(client, manager, sre):
    _, small_cohort = _populate(manager, sre, 10)
    _, large_cohort = _populate(manager, sre, 1000)
    client.force_login(manager)
    client.get(reverse("notifications:inbox"))  # the signed-in user, read into the cache

    def page(cohort):
        return lambda: client.get(reverse("pathways:cohort_detail", args=[cohort.pk]))

    def api(cohort):
        return lambda: client.get(reverse("api-cohort-progress", args=[cohort.pk]))

    small_n, small = count_queries(page(small_cohort))
    large_n, large = count_queries(page(large_cohort))
    assert (small.status_code, large.status_code) == (200, 200)
    assert small.content.decode().count("data-person=") == 10
    assert large.content.decode().count("data-person=") == 1000
    assert large_n == small_n

    small_api_n, _small_api = count_queries(api(small_cohort))
    large_api_n, large_api = count_queries(api(large_cohort))
    assert len(large_api.json()["members"]) == 1000
    assert {m["done"] for m in large_api.json()["members"]} == {2 - 1}
    assert large_api_n == small_api_n
    assert CohortMember.objects.filter(cohort=large_cohort).count() == 1000
