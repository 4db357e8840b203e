"""Writes: ratings, the role × skill matrix, cohorts, enrolment and progress."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from org.models import Membership, User
from pathways.models import CohortMember, Enrollment, Progress, RoleSkill, SkillRating
from pathways.progress import services
from pathways.progress.exceptions import ProgressError
from tests.cohorts.factories import (
    CohortFactory,
    EnrollmentFactory,
    PathwayFactory,
    ProgressFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    pathway_with_schedule,
)
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.utils import count_queries

# --- ratings ------------------------------------------------------------------------


def test_self_assessment_is_recorded_without_a_note(learner):
    skill = SkillFactory()
    rating = services.rating_create(
        person=learner, skill=skill, level=2, source="self", rated_by=learner
    )
    assert (rating.person, rating.level, rating.source, rating.rated_by) == (
        learner,
        2,
        "self",
        learner,
    )


def test_a_learner_cannot_give_themselves_a_manager_rating(learner):
    skill = SkillFactory()
    with pytest.raises(ProgressError, match="Self-assessment"):
        services.rating_create(
            person=learner, skill=skill, level=5, source="manager", rated_by=learner, note="x"
        )
    assert SkillRating.objects.count() == 0


def test_manager_rates_someone_in_their_team_with_evidence(manager):
    team = TeamFactory(managers=[manager])
    person = MembershipFactory(team=team).user
    skill = SkillFactory()
    rating = services.rating_create(
        person=person,
        skill=skill,
        level=4,
        source="incident_review",
        rated_by=manager,
        note=" Led the rollback in INC-42 ",
        evidence_url="https://wiki.example.test/inc-42",
    )
    assert (rating.level, rating.source, rating.note, rating.evidence_url) == (
        4,
        "incident_review",
        "Led the rollback in INC-42",
        "https://wiki.example.test/inc-42",
    )


def test_manager_rating_without_evidence_is_refused(manager):
    person = MembershipFactory(team=TeamFactory(managers=[manager])).user
    with pytest.raises(ProgressError, match="evidence"):
        services.rating_create(
            person=person, skill=SkillFactory(), level=4, source="manager", rated_by=manager
        )
    assert SkillRating.objects.count() == 0


def test_manager_cannot_rate_someone_outside_their_teams(manager):
    stranger = MembershipFactory().user
    with pytest.raises(PermissionDenied):
        services.rating_create(
            person=stranger,
            skill=SkillFactory(),
            level=4,
            source="manager",
            rated_by=manager,
            note="seen it",
        )
    assert SkillRating.objects.count() == 0


def test_system_sources_only_without_a_rater(manager):
    person = MembershipFactory(team=TeamFactory(managers=[manager])).user
    skill = SkillFactory()
    with pytest.raises(ProgressError):
        services.rating_create(
            person=person, skill=skill, level=4, source="assessment", rated_by=manager, note="n"
        )
    rating = services.rating_create(
        person=person, skill=skill, level=4, source="assessment", source_ref="attempt:7"
    )
    assert (rating.source, rating.rated_by) == ("assessment", None)


def test_rating_with_a_source_ref_is_recorded_once(learner):
    skill = SkillFactory()
    first = services.rating_create(
        person=learner, skill=skill, level=3, source="lab", source_ref="lab:9"
    )
    again = services.rating_create(
        person=learner, skill=skill, level=5, source="lab", source_ref="lab:9"
    )
    assert again.pk == first.pk
    assert list(SkillRating.objects.values_list("level", flat=True)) == [3]


def test_rating_level_outside_1_to_5_is_refused(learner):
    with pytest.raises(ProgressError):
        services.rating_create(
            person=learner, skill=SkillFactory(), level=6, source="self", rated_by=learner
        )
    assert SkillRating.objects.count() == 0


# --- matrix -------------------------------------------------------------------------


def test_role_skill_save_creates_then_updates_the_cell(db):
    role, skill = RoleFactory(), SkillFactory()
    services.role_skill_save(role=role, skill=skill, criticality=5, min_day30=2, min_day60=3)
    services.role_skill_save(role=role, skill=skill, level_mid=4)
    cell = RoleSkill.objects.get()
    assert (cell.criticality, cell.level_mid, cell.min_day30, cell.min_day60, cell.min_day90) == (
        5,
        4,
        2,
        3,
        3,
    )


def test_falling_minimums_are_refused_and_nothing_changes(db):
    cell = RoleSkillFactory(min_day30=1, min_day60=2, min_day90=3)
    with pytest.raises(ProgressError):
        services.role_skill_save(role=cell.role, skill=cell.skill, min_day30=4)
    cell.refresh_from_db()
    assert (cell.min_day30, cell.min_day60, cell.min_day90) == (1, 2, 3)


def test_role_weights_must_be_1_to_5(db):
    role = RoleFactory(exposure=2, influence=2)
    services.role_weights_update(role=role, exposure=5, influence=4)
    with pytest.raises(ProgressError):
        services.role_weights_update(role=role, exposure=6, influence=4)
    role.refresh_from_db()
    assert (role.exposure, role.influence) == (5, 4)


# --- cohorts ------------------------------------------------------------------------


@pytest.fixture
def tracks(db):
    sre = RoleFactory(slug="sre")
    mlops = RoleFactory(slug="ml-engineer")
    return {
        "sre": PathwayFactory(role=sre, slug="sre-track", title="B SRE track"),
        "ml": PathwayFactory(role=mlops, slug="ml-track", title="A ML track"),
    }


@pytest.mark.parametrize(
    ("order", "default"), [(["sre", "ml"], "sre-track"), (["ml", "sre"], "ml-track")]
)
def test_members_follow_the_cohort_pathway_of_their_role_else_the_first_added(
    tracks, order, default
):
    team = TeamFactory()
    sre = MembershipFactory(team=team, job_role="sre").user
    ml = MembershipFactory(team=team, job_role="ml-engineer").user
    other = MembershipFactory(team=team, job_role="support-admin").user
    cohort = services.cohort_create(
        name="Cohort 1",
        start_date=date(2026, 1, 5),
        pathways=[tracks[key] for key in order],
        member_ids=[sre.pk, ml.pk, other.pk],
        champion_ids=[ml.pk],
    )
    members = {
        m.user_id: (m.pathway.slug, m.role.slug if m.role else None, m.is_champion)
        for m in cohort.members.select_related("pathway", "role")
    }
    # someone with no pathway of their own trains for the role of the pathway they get
    assert members == {
        sre.pk: ("sre-track", "sre", False),
        ml.pk: ("ml-track", "ml-engineer", True),
        other.pk: (default, {"sre-track": "sre", "ml-track": "ml-engineer"}[default], False),
    }


def test_an_ml_engineer_in_an_sre_cohort_is_judged_against_the_sre_matrix(tracks):
    """Heatmap, at-risk and gaps read the member's cohort role: the SRE track's role."""
    from metrics.training import cohort_snapshot_data

    sre_skill = RoleSkillFactory(role=tracks["sre"].role, skill=SkillFactory(name="On-call"))
    RoleSkillFactory(role=tracks["ml"].role, skill=SkillFactory(name="Model evaluation"))
    team = TeamFactory()
    sre = MembershipFactory(team=team, job_role="sre").user
    ml = MembershipFactory(team=team, job_role="ml-engineer").user
    cohort = services.cohort_create(
        name="SRE cohort",
        start_date=date(2026, 1, 5),
        pathways=[tracks["sre"]],
        member_ids=[sre.pk, ml.pk],
    )
    roles = dict(CohortMember.objects.values_list("user_id", "role__slug"))
    assert roles == {sre.pk: "sre", ml.pk: "sre"}
    data = cohort_snapshot_data(cohort=cohort, today=date(2026, 2, 1))
    assert [(row["role"], [c["skill"] for c in row["cells"]]) for row in data["heatmap"]] == [
        (tracks["sre"].role.name, [sre_skill.skill.name])
    ]
    assert data["heatmap"][0]["cells"][0]["learners"] == 2


def test_champions_must_be_members(tracks):
    outsider = UserFactory()
    with pytest.raises(ProgressError, match="champions"):
        services.cohort_create(
            name="C",
            start_date=date(2026, 1, 5),
            pathways=[tracks["sre"]],
            member_ids=[],
            champion_ids=[outsider.pk],
        )
    assert not CohortMember.objects.exists()


def test_add_teams_adds_everyone_once_with_their_team_role(tracks):
    first, second = TeamFactory(), TeamFactory()
    both = UserFactory()
    MembershipFactory(team=first, user=both, job_role="sre")
    MembershipFactory(team=second, user=both, job_role="sre")
    only_second = MembershipFactory(team=second, job_role="ml-engineer").user
    cohort = CohortFactory(pathways=[tracks["sre"], tracks["ml"]])
    added = services.cohort_add_teams(cohort=cohort, teams=[first, second])
    again = services.cohort_add_teams(cohort=cohort, teams=[first, second])
    assert (added, again) == (2, 0)
    rows = sorted(
        CohortMember.objects.values_list(
            "cohort_id", "user_id", "role__slug", "pathway__slug", "is_champion"
        )
    )
    assert rows == sorted(
        [
            (cohort.pk, both.pk, "sre", "sre-track", False),
            (cohort.pk, only_second.pk, "ml-engineer", "ml-track", False),
        ]
    )
    assert all(m.added_at is not None for m in CohortMember.objects.all())


def test_cohort_enrol_creates_each_enrolment_with_every_column(tracks):
    team = TeamFactory()
    sre, ml = (MembershipFactory(team=team, job_role=r).user for r in ("sre", "ml-engineer"))
    cohort = services.cohort_create(
        name="C",
        start_date=date(2026, 2, 2),
        pathways=list(tracks.values()),
        member_ids=[sre.pk, ml.pk],
    )
    before = timezone.now()
    created = services.cohort_enrol(cohort=cohort)
    assert created == 2
    rows = sorted(
        Enrollment.objects.values_list(
            "user_id", "pathway_id", "pathway_slug", "status", "started_on", "completed_at"
        )
    )
    assert rows == sorted(
        [
            (sre.pk, tracks["sre"].pk, "sre-track", "active", date(2026, 2, 2), None),
            (ml.pk, tracks["ml"].pk, "ml-track", "active", date(2026, 2, 2), None),
        ]
    )
    assert all(e.enrolled_at >= before - timedelta(seconds=1) for e in Enrollment.objects.all())
    cohort.refresh_from_db()
    assert cohort.enrolled_at is not None


def test_enrolling_again_keeps_existing_enrolments_and_their_progress(db):
    track = pathway_with_schedule(RoleFactory(slug="sre"), [(1, 2)], labs=0, slug="sre-track")
    person = MembershipFactory(job_role="sre").user
    existing = EnrollmentFactory(user=person, pathway=track, started_on=date(2025, 1, 1))
    ProgressFactory(enrollment=existing, module=track.modules.get(), status="done")
    cohort = services.cohort_create(
        name="C", start_date=date(2026, 2, 2), pathways=[track], member_ids=[person.pk]
    )
    assert services.cohort_enrol(cohort=cohort) == 0
    assert services.cohort_enrol(cohort=cohort) == 0
    assert list(Enrollment.objects.values_list("pk", "started_on")) == [
        (existing.pk, date(2025, 1, 1))
    ]
    assert list(Progress.objects.values_list("enrollment_id", "status")) == [(existing.pk, "done")]


def test_cohort_without_pathways_cannot_be_enrolled(db):
    cohort = CohortFactory()
    with pytest.raises(ProgressError, match="pathway"):
        services.cohort_enrol(cohort=cohort)
    assert not Enrollment.objects.exists()


def test_team_enrol_enrols_the_whole_team_once(tracks):
    team = TeamFactory()
    people = [MembershipFactory(team=team).user for _ in range(3)]
    MembershipFactory()  # someone in another team
    assert services.team_enrol(team=team, pathway=tracks["sre"], started_on=date(2026, 3, 2)) == 3
    assert services.team_enrol(team=team, pathway=tracks["sre"], started_on=date(2026, 3, 2)) == 0
    assert sorted(Enrollment.objects.values_list("user_id", "pathway_slug", "started_on")) == [
        (p.pk, "sre-track", date(2026, 3, 2)) for p in people
    ]


def test_team_enrol_refuses_a_draft_pathway(db):
    team = TeamFactory()
    MembershipFactory(team=team)
    draft = PathwayFactory(status="draft")
    with pytest.raises(ProgressError, match="published"):
        services.team_enrol(team=team, pathway=draft, started_on=date(2026, 3, 2))
    assert not Enrollment.objects.exists()


def test_cohort_update_moves_members_off_a_removed_pathway(tracks):
    person = MembershipFactory(job_role="ml-engineer").user
    cohort = services.cohort_create(
        name="C",
        start_date=date(2026, 1, 5),
        pathways=list(tracks.values()),
        member_ids=[person.pk],
    )
    services.cohort_update(
        cohort=cohort,
        name="C2",
        start_date=date(2026, 1, 12),
        pathways=[tracks["sre"]],
        sponsor=None,
    )
    member = CohortMember.objects.get()
    assert (member.pathway, cohort.name, cohort.start_date) == (
        tracks["sre"],
        "C2",
        date(2026, 1, 12),
    )


def test_remove_member_and_champion_toggle(tracks):
    people = [MembershipFactory(job_role="sre").user for _ in range(2)]
    cohort = services.cohort_create(
        name="C",
        start_date=date(2026, 1, 5),
        pathways=[tracks["sre"]],
        member_ids=[p.pk for p in people],
    )
    services.cohort_set_champion(cohort=cohort, user_id=people[0].pk, is_champion=True)
    services.cohort_remove_member(cohort=cohort, user_id=people[1].pk)
    assert list(CohortMember.objects.values_list("user_id", "is_champion")) == [
        (people[0].pk, True)
    ]
    with pytest.raises(ProgressError):
        services.cohort_remove_member(cohort=cohort, user_id=people[1].pk)


# --- enrolment query counts (acceptance: 2,000 cost no more queries than 20) ----------


def _team_of(size: int, role: str = "sre"):
    team = TeamFactory()
    users = User.objects.bulk_create(
        [User(email=f"{team.slug}-{n}@example.test", full_name=f"P {n}") for n in range(size)]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, team=team, job_role=role, career_level="mid") for u in users]
    )
    return team


def test_enrolling_2000_people_costs_no_more_queries_than_20(tracks):
    small_team, large_team = _team_of(20), _team_of(2000)
    small = CohortFactory(pathways=[tracks["sre"]])
    large = CohortFactory(pathways=[tracks["sre"]])

    def add_and_enrol(cohort, team):
        return lambda: (
            services.cohort_add_teams(cohort=cohort, teams=[team]),
            services.cohort_enrol(cohort=cohort),
        )

    small_queries, small_result = count_queries(add_and_enrol(small, small_team))
    large_queries, large_result = count_queries(add_and_enrol(large, large_team))

    assert small_result == (20, 20)
    assert large_result == (2000, 2000)
    assert large_queries == small_queries
    assert Enrollment.objects.filter(pathway=tracks["sre"]).count() == 2020


def test_enrolling_a_team_of_2000_costs_no_more_queries_than_20(tracks):
    small_team, large_team = _team_of(20), _team_of(2000)
    start = date(2026, 4, 6)
    small_queries, small_n = count_queries(
        lambda: services.team_enrol(team=small_team, pathway=tracks["sre"], started_on=start)
    )
    large_queries, large_n = count_queries(
        lambda: services.team_enrol(team=large_team, pathway=tracks["sre"], started_on=start)
    )
    assert (small_n, large_n) == (20, 2000)
    assert large_queries == small_queries == 1


# --- progress -----------------------------------------------------------------------


def test_progress_mark_records_start_then_done_and_never_goes_back(db):
    pathway = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=1)
    module = pathway.modules.get()
    lab = module.labs.get()
    enrollment = EnrollmentFactory(pathway=pathway)
    user_id = enrollment.user_id
    services.progress_mark(user_id=user_id, status="in_progress", module=module)
    services.progress_mark(user_id=user_id, status="done", module=module)
    services.progress_mark(user_id=user_id, status="in_progress", module=module)
    services.progress_mark(user_id=user_id, status="done", lab=lab)
    rows = {
        (p.module_id, p.lab_id): (p.status, p.started_at is not None, p.completed_at is not None)
        for p in Progress.objects.all()
    }
    assert rows == {(module.pk, None): ("done", True, True), (None, lab.pk): ("done", True, True)}


def test_progress_mark_for_a_pathway_not_followed_does_nothing(learner):
    module = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=0).modules.get()
    assert services.progress_mark(user_id=learner.pk, status="done", module=module) is None
    assert not Progress.objects.exists()


def test_progress_mark_many_follows_the_same_rules_in_constant_queries(db):
    # given a module with a lab, and learners enrolled on it (and one who is not)
    pathway = pathway_with_schedule(RoleFactory(), [(1, 2)], labs=1)
    module = pathway.modules.get()
    lab = module.labs.select_related("module").get()

    def marks_for(count: int) -> list:
        users = [EnrollmentFactory(pathway=pathway).user_id for _ in range(count)]
        # each learner: a failed then a passed quiz in the same batch, and a lab started
        return [
            mark
            for user_id in users
            for mark in (
                (user_id, "in_progress", module, None),
                (user_id, "done", module, None),
                (user_id, "in_progress", None, lab),
            )
        ]

    small, large = marks_for(3), marks_for(30)
    stranger = UserFactory().pk

    # when the marks are written at once (twice for the large set: the second is a no-op
    # except for the lab, already started)
    small_queries, written_small = count_queries(
        lambda: services.progress_mark_many([*small, (stranger, "done", module, None)])
    )
    large_queries, written_large = count_queries(lambda: services.progress_mark_many(large))
    again = services.progress_mark_many([(u, "in_progress", m, la) for u, _, m, la in large])

    # then done wins and is never undone, a stranger gets nothing, and the query count
    # does not grow with the number of learners
    assert (written_small, written_large, again) == (6, 60, 0)
    assert small_queries == large_queries <= 5
    states = {
        (p.module_id, p.lab_id, p.status, p.started_at is not None, p.completed_at is not None)
        for p in Progress.objects.all()
    }
    assert states == {
        (module.pk, None, "done", True, True),
        (None, lab.pk, "in_progress", True, False),
    }
    assert Progress.objects.count() == 66
    assert not Progress.objects.filter(enrollment__user_id=stranger).exists()
