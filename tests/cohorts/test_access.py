"""Who may see and change skills, heatmaps and cohorts: HTML and API."""

import pytest
from django.urls import reverse

from pathways.models import CohortMember, Enrollment, RoleSkill, SkillRating
from tests.cohorts.factories import (
    CohortFactory,
    CohortMemberFactory,
    PathwayFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
)
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def org(manager):
    """The manager runs `mine`; `theirs` belongs to someone else."""
    mine, theirs = TeamFactory(slug="mine", managers=[manager]), TeamFactory(slug="theirs")
    colleague = MembershipFactory(team=mine, job_role="sre").user
    stranger = MembershipFactory(team=theirs, job_role="sre").user
    skill = SkillFactory(slug="slo")
    RoleSkillFactory(role__slug="sre", skill=skill)
    SkillRatingFactory(person=stranger, skill=skill, level=2, source="self", note="secret")
    return {
        "mine": mine,
        "theirs": theirs,
        "colleague": colleague,
        "stranger": stranger,
        "skill": skill,
    }


def rating_rows():
    return sorted(SkillRating.objects.values_list("person_id", "level", "source", "note"))


# --- a manager and people outside their teams ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda o: reverse("pathways:person_skills", args=[o["stranger"].pk]),
        lambda o: reverse("pathways:team_heatmap", args=["theirs"]),
        lambda o: reverse("pathways:team_heatmap_csv", args=["theirs"]),
    ],
    ids=["person-page", "heatmap", "heatmap-csv"],
)
def test_manager_gets_404_for_pages_outside_their_teams(client, manager, org, url):
    client.force_login(manager)
    assert client.get(url(org)).status_code == 404


def test_manager_can_open_their_own_teams_pages(client, manager, org):
    client.force_login(manager)
    assert (
        client.get(reverse("pathways:person_skills", args=[org["colleague"].pk])).status_code == 200
    )
    assert client.get(reverse("pathways:team_heatmap", args=["mine"])).status_code == 200


def test_manager_cannot_rate_someone_outside_their_teams(client, manager, org):
    client.force_login(manager)
    before = rating_rows()
    response = client.post(
        reverse("pathways:person_rate", args=[org["stranger"].pk]),
        {"skill": org["skill"].pk, "level": 5, "source": "manager", "note": "seen it"},
    )
    assert response.status_code == 404
    assert rating_rows() == before


def test_manager_cannot_enrol_a_team_they_do_not_run(client, manager, org):
    client.force_login(manager)
    pathway = PathwayFactory()
    response = client.post(
        reverse("pathways:team_enrol", args=["theirs"]),
        {"pathway": pathway.pk, "started_on": "2026-01-05"},
    )
    assert response.status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        lambda o: f"/api/v1/people/{o['stranger'].pk}/skills/",
        lambda o: f"/api/v1/people/{o['stranger'].pk}/ratings/",
        lambda o: "/api/v1/teams/theirs/heatmap/",
    ],
    ids=["skills", "ratings", "heatmap"],
)
def test_manager_api_404_outside_their_teams(api_client, manager, org, path):
    api_client.force_authenticate(manager)
    response = api_client.get(path(org))
    assert response.status_code == 404
    assert "secret" not in response.content.decode()


def test_manager_api_rating_outside_their_teams_is_404_and_records_nothing(
    api_client, manager, org
):
    api_client.force_authenticate(manager)
    before = rating_rows()
    response = api_client.post(
        "/api/v1/ratings/",
        {
            "person": org["stranger"].pk,
            "skill": "slo",
            "level": 5,
            "source": "manager",
            "note": "x",
        },
        format="json",
    )
    assert response.status_code == 404
    assert rating_rows() == before


def test_manager_api_reads_their_own_team(api_client, manager, org):
    SkillRatingFactory(person=org["colleague"], skill=org["skill"], level=3, source="peer")
    api_client.force_authenticate(manager)
    skills = api_client.get(f"/api/v1/people/{org['colleague'].pk}/skills/").json()
    assert [(s["skill"], s["current"], s["source"]) for s in skills["skills"]] == [
        ("slo", 3, "peer")
    ]
    heatmap = api_client.get("/api/v1/teams/mine/heatmap/").json()
    assert [r["email"] for r in heatmap["rows"]] == [org["colleague"].email]


# --- a learner and other learners ---------------------------------------------------


def test_learner_cannot_read_another_learners_ratings_html(client, learner, org):
    client.force_login(learner)
    response = client.get(reverse("pathways:person_skills", args=[org["stranger"].pk]))
    assert response.status_code == 404
    assert "secret" not in response.content.decode()


@pytest.mark.parametrize("what", ["skills", "ratings"])
def test_learner_cannot_read_another_learners_ratings_api(api_client, learner, org, what):
    api_client.force_authenticate(learner)
    response = api_client.get(f"/api/v1/people/{org['stranger'].pk}/{what}/")
    assert response.status_code == 404
    assert "secret" not in response.content.decode()


def test_learner_reads_only_their_own_ratings_api(api_client, learner, org):
    SkillRatingFactory(person=learner, skill=org["skill"], level=4, source="self", note="mine")
    api_client.force_authenticate(learner)
    mine = api_client.get("/api/v1/me/ratings/").json()["results"]
    assert [(r["person"], r["level"], r["note"]) for r in mine] == [(learner.pk, 4, "mine")]
    own = api_client.get(f"/api/v1/people/{learner.pk}/ratings/").json()["results"]
    assert [r["note"] for r in own] == ["mine"]


def test_learner_cannot_rate_others_or_give_themselves_manager_ratings(api_client, learner, org):
    api_client.force_authenticate(learner)
    before = rating_rows()
    other = api_client.post(
        "/api/v1/ratings/",
        {"person": org["stranger"].pk, "skill": "slo", "level": 1, "source": "peer", "note": "x"},
        format="json",
    )
    boost = api_client.post(
        "/api/v1/ratings/",
        {"skill": "slo", "level": 5, "source": "manager", "note": "me"},
        format="json",
    )
    assert (other.status_code, boost.status_code) == (404, 400)
    assert boost.json() == {
        "detail": "You can record these sources for this person: Self-assessment."
    }
    assert rating_rows() == before


def test_learner_gets_403_on_manager_and_author_pages(client, learner, org):
    client.force_login(learner)
    cohort = CohortFactory()
    for name, args in [
        ("pathways:team_heatmap", ["mine"]),
        ("pathways:matrix", []),
        ("pathways:matrix_csv", []),
        ("pathways:cohort_list", []),
        ("pathways:cohort_propose", []),
        ("pathways:cohort_detail", [cohort.pk]),
        ("pathways:cohort_csv", [cohort.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    api_client_response = client.get(f"/api/v1/cohorts/{cohort.pk}/progress/")
    assert api_client_response.status_code == 403


def test_learner_cannot_mark_progress_on_a_pathway_they_do_not_follow(client, learner):
    from tests.cohorts.factories import ModuleFactory

    module = ModuleFactory()
    client.force_login(learner)
    response = client.post(
        reverse("pathways:progress_mark"), {"kind": "module", "item": module.pk, "status": "done"}
    )
    assert response.status_code == 404


# --- cohorts ------------------------------------------------------------------------


def test_manager_gets_404_for_a_cohort_with_nobody_from_their_teams(client, manager, org):
    cohort = CohortFactory()
    CohortMemberFactory(cohort=cohort, user=org["stranger"])
    client.force_login(manager)
    assert client.get(reverse("pathways:cohort_detail", args=[cohort.pk])).status_code == 404
    assert client.get(reverse("pathways:cohort_csv", args=[cohort.pk])).status_code == 404
    assert client.get(f"/api/v1/cohorts/{cohort.pk}/progress/").status_code == 404


def test_manager_who_is_not_sponsor_cannot_change_a_cohort(client, manager, org):
    cohort = CohortFactory(sponsor=UserFactory(personas=["manager"]))
    CohortMemberFactory(cohort=cohort, user=org["colleague"])
    CohortMemberFactory(cohort=cohort, user=org["stranger"])
    client.force_login(manager)
    assert client.get(reverse("pathways:cohort_detail", args=[cohort.pk])).status_code == 200
    removed = client.post(
        reverse("pathways:cohort_members", args=[cohort.pk]),
        {"action": "remove", "user": org["stranger"].pk},
    )
    assert removed.status_code == 403
    assert client.post(reverse("pathways:cohort_enrol", args=[cohort.pk])).status_code == 403
    assert CohortMember.objects.filter(cohort=cohort).count() == 2
    assert not Enrollment.objects.exists()


def test_cohort_page_withholds_progress_of_people_outside_the_viewers_teams(client, manager, org):
    cohort = CohortFactory(sponsor=manager)
    CohortMemberFactory(cohort=cohort, user=org["colleague"])
    CohortMemberFactory(cohort=cohort, user=org["stranger"])
    client.force_login(manager)
    html = client.get(reverse("pathways:cohort_detail", args=[cohort.pk])).content.decode()
    assert html.count("Progress visible to the managers of their team.") == 1
    stranger_link = reverse("pathways:person_skills", args=[org["stranger"].pk])
    assert stranger_link not in html


def test_manager_cannot_edit_the_role_skill_matrix(client, manager, org):
    client.force_login(manager)
    cell = RoleSkill.objects.get()
    assert client.get(reverse("pathways:matrix_role", args=[cell.role.slug])).status_code == 403


def test_api_answers_for_people_without_a_team_role_or_enrolment(api_client, platform_admin):
    cohort = CohortFactory()
    loner = UserFactory(email="loner@example.test")
    CohortMemberFactory(cohort=cohort, user=loner)
    api_client.force_authenticate(platform_admin)
    me = api_client.get("/api/v1/me/skills/")
    assert me.status_code == 200
    assert (me.json()["role"], me.json()["career_level"], me.json()["skills"]) == ("", "", [])
    progress = api_client.get(f"/api/v1/cohorts/{cohort.pk}/progress/").json()
    assert progress["members"] == [
        {
            "person": loner.pk,
            "email": "loner@example.test",
            "role": "",
            "pathway": "",
            "champion": False,
            "visible": True,
            "enrolled": False,
            "done": None,
            "total": None,
            "completion_pct": None,
            "overdue": None,
            "status": None,
            "reasons": None,
        }
    ]
