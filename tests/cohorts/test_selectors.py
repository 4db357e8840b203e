"""Reads: skill profiles, heatmaps, cohort proposals, cohort progress and My learning."""

from datetime import UTC, date, datetime, timedelta

import pytest

from pathways.progress import selectors, services
from tests.cohorts.factories import (
    CohortFactory,
    CohortMemberFactory,
    EnrollmentFactory,
    ProgressFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
    pathway_with_schedule,
)
from tests.factories import MembershipFactory, TeamFactory, UserFactory

TODAY = date(2026, 6, 30)


def ago(days: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), tzinfo=UTC)


@pytest.fixture
def matrix(db):
    """Role `sre` needs: slo (crit 5), observability (crit 4), docs (crit 1)."""
    role = RoleFactory(slug="sre", exposure=5, influence=4)
    skills = {
        slug: SkillFactory(slug=slug, name=name)
        for slug, name in [("slo", "SLOs"), ("observability", "Observability"), ("docs", "Docs")]
    }
    for slug, crit in [("slo", 5), ("observability", 4), ("docs", 1)]:
        RoleSkillFactory(
            role=role,
            skill=skills[slug],
            criticality=crit,
            level_junior=2,
            level_mid=3,
            level_senior=4,
            level_principal=5,
            min_day30=2,
            min_day60=3,
            min_day90=3,
        )
    return role, skills


def rate(person, skill, level, source="manager", days_ago=10):
    return SkillRatingFactory(
        person=person, skill=skill, level=level, source=source, rated_at=ago(days_ago)
    )


# --- profile ------------------------------------------------------------------------


def test_skill_profile_shows_level_requirement_and_sources(matrix):
    _role, skills = matrix
    person = MembershipFactory(job_role="sre", career_level="senior").user
    assessment = rate(person, skills["slo"], 2, "assessment", days_ago=100)
    rate(person, skills["slo"], 4, "self", days_ago=1)
    extra = SkillFactory(slug="python", name="Python")
    rate(person, extra, 3, "peer")

    profile = selectors.skill_profile(person=person, today=TODAY)

    rows = [
        (r.skill.slug, r.criticality, r.required, r.current.level, r.current.source, r.gap)
        for r in profile.rows
    ]
    assert rows == [
        ("slo", 5, 4, 2, "assessment", 2),
        ("observability", 4, 4, 0, "", 4),
        ("docs", 1, 4, 0, "", 4),
        ("python", None, None, 3, "peer", 0),
    ]
    assert [r.source for r in profile.rows[0].current.sources] == ["assessment", "self"]
    assert profile.rows[0].current.chosen == assessment
    assert profile.rows[0].severity == "critical-gap"


# --- heatmap ------------------------------------------------------------------------


def test_team_heatmap_puts_the_largest_critical_gaps_first(matrix):
    _role, skills = matrix
    team = TeamFactory()
    strong = MembershipFactory(team=team, job_role="sre", user__full_name="Strong").user
    weak_critical = MembershipFactory(team=team, job_role="sre", user__full_name="Weak").user
    weak_docs = MembershipFactory(team=team, job_role="sre", user__full_name="Docs").user
    other_role = MembershipFactory(team=team, job_role="designer", user__full_name="Des").user
    for person, levels in [
        (strong, {"slo": 3, "observability": 3, "docs": 3}),
        (weak_critical, {"slo": 1, "observability": 2, "docs": 3}),
        (weak_docs, {"slo": 3, "observability": 3, "docs": 1}),
    ]:
        for slug, level in levels.items():
            rate(person, skills[slug], level)

    heatmap = selectors.team_heatmap(team=team, today=TODAY)

    assert [s.slug for s in heatmap.columns] == ["slo", "observability", "docs"]
    assert [(r.person.full_name, r.score) for r in heatmap.rows] == [
        ("Weak", 5 * 2 + 4 * 1),
        ("Docs", 1 * 2),
        ("Des", 0),
        ("Strong", 0),
    ]
    weak_cells = heatmap.rows[0].cells_for(heatmap.columns)
    assert [(c.current.level, c.required, c.gap, c.severity) for c in weak_cells] == [
        (1, 3, 2, "critical-gap"),
        (2, 3, 1, "gap"),
        (3, 3, 0, "met"),
    ]
    assert heatmap.rows[2].cells_for(heatmap.columns) == [None, None, None]
    assert other_role.pk == heatmap.rows[2].person.pk


# --- cohort proposal (acceptance 2) ---------------------------------------------------


def test_proposal_puts_high_criticality_low_competence_people_first(matrix, manager):
    # given five people in a team the manager runs, on the same role and level (mid: 3)
    _role, skills = matrix
    team = TeamFactory(managers=[manager])
    names = ["Critical gap", "Two small gaps", "Docs gap only", "All met", "No evidence"]
    people = {
        name: MembershipFactory(team=team, job_role="sre", user__full_name=name).user
        for name in names
    }
    levels = {
        "Critical gap": {"slo": 1, "observability": 3, "docs": 3},  # 5*2 = 10
        "Two small gaps": {"slo": 2, "observability": 2, "docs": 3},  # 5 + 4 = 9
        "Docs gap only": {"slo": 3, "observability": 3, "docs": 1},  # 1*2 = 2
        "All met": {"slo": 4, "observability": 3, "docs": 3},  # 0
    }
    for name, by_skill in levels.items():
        for slug, level in by_skill.items():
            rate(people[name], skills[slug], level)
    # and someone in a team the manager does not run, with the worst gaps of all
    MembershipFactory(job_role="sre", user__full_name="Outsider")

    # when
    proposal = selectors.cohort_proposal(viewer=manager, today=TODAY, size=3)

    # then: no evidence (3*(5+4+1) = 30) first, then by criticality-weighted gap
    ranked = [(c.person.full_name, c.score, c.critical_gaps) for c in proposal.candidates]
    assert ranked == [
        ("No evidence", 30, 2),
        ("Critical gap", 10, 1),
        ("Two small gaps", 9, 0),
        ("Docs gap only", 2, 0),
        ("All met", 0, 0),
    ]
    assert proposal.proposed_ids == [
        people["No evidence"].pk,
        people["Critical gap"].pk,
        people["Two small gaps"].pk,
    ]
    assert proposal.shows_scores is True
    assert [(n.role.slug, n.people, n.mean_score, n.priority) for n in proposal.roles] == [
        ("sre", 5, 51 / 5, round(20 * 51 / 5, 1))
    ]


def test_proposal_breaks_ties_by_role_exposure_and_influence(manager):
    team = TeamFactory(managers=[manager])
    skill = SkillFactory()
    for slug, exposure, influence in [("low", 1, 2), ("high", 5, 5)]:
        RoleSkillFactory(
            role=RoleFactory(slug=slug, exposure=exposure, influence=influence),
            skill=skill,
            criticality=3,
            level_mid=3,
        )
    low = MembershipFactory(team=team, job_role="low", user__full_name="A low").user
    high = MembershipFactory(team=team, job_role="high", user__full_name="B high").user
    proposal = selectors.cohort_proposal(viewer=manager, today=TODAY)
    assert [c.person for c in proposal.candidates] == [high, low]
    assert [n.role.slug for n in proposal.roles] == ["high", "low"]


def test_author_sees_people_by_role_priority_without_scores(matrix, author):
    _role, _skills = matrix
    RoleSkillFactory(role=RoleFactory(slug="writer", exposure=1, influence=1), criticality=1)
    team = TeamFactory()
    writer = MembershipFactory(team=team, job_role="writer", user__full_name="A writer").user
    sre = MembershipFactory(team=team, job_role="sre", user__full_name="Z sre").user
    proposal = selectors.cohort_proposal(viewer=author, today=TODAY)
    assert [(c.person, c.score, c.critical_gaps) for c in proposal.candidates] == [
        (sre, None, None),
        (writer, None, None),
    ]
    assert proposal.shows_scores is False
    assert proposal.proposed_ids == [sre.pk, writer.pk]


# --- cohort progress ----------------------------------------------------------------


@pytest.fixture
def running_cohort(matrix, manager):
    """Day 45 of a cohort on a six-module SRE pathway (weeks 1–2, 3–4, … 11–12)."""
    role, skills = matrix
    pathway = pathway_with_schedule(role, [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)])
    team = TeamFactory(managers=[manager])
    cohort = CohortFactory(start_date=TODAY - timedelta(days=44), pathways=[pathway])
    return cohort, pathway, team, skills


def _member(cohort, pathway, team, name, *, done_weeks=(), in_progress_weeks=()):
    person = MembershipFactory(team=team, job_role="sre", user__full_name=name).user
    CohortMemberFactory(cohort=cohort, user=person, role=pathway.role, pathway=pathway)
    enrollment = EnrollmentFactory(user=person, pathway=pathway, started_on=cohort.start_date)
    for module in pathway.modules.all():
        status = (
            "done"
            if module.week_end in done_weeks
            else "in_progress"
            if module.week_end in in_progress_weeks
            else None
        )
        if status:
            ProgressFactory(enrollment=enrollment, module=module, status=status)
            for lab in module.labs.all():
                ProgressFactory(enrollment=enrollment, lab=lab, status=status)
    return person


def test_cohort_progress_on_day_45(running_cohort, manager):
    cohort, pathway, team, skills = running_cohort
    on_track = _member(cohort, pathway, team, "On track", done_weeks=(2, 4, 6))
    behind = _member(cohort, pathway, team, "Behind", done_weeks=(2, 4), in_progress_weeks=(6,))
    at_risk = _member(cohort, pathway, team, "At risk", done_weeks=(2,))
    nothing = _member(cohort, pathway, team, "Nothing")
    for person in (on_track, behind, at_risk, nothing):
        for skill in skills.values():
            rate(person, skill, 2)

    result = selectors.cohort_progress(cohort=cohort, viewer=manager, today=TODAY)

    assert (result.day, result.phase.name, result.week) == (45, "HANDS_ON", 7)
    summary = [
        (
            r.person.full_name,
            r.progress.done,
            r.progress.total,
            r.progress.completion,
            r.progress.verdict.overdue,
            r.progress.status.value,
        )
        for r in result.rows
    ]
    # 12 items (6 modules + 6 labs); on day 45 items of weeks 2, 4 and 6 (days 14, 28, 42) are due
    assert summary == [
        ("At risk", 2, 12, 16, 4, "at_risk"),
        ("Nothing", 0, 12, 0, 6, "at_risk"),
        ("Behind", 4, 12, 33, 2, "behind"),
        ("On track", 6, 12, 50, 0, "on_track"),
    ]
    assert result.counts == {"on_track": 1, "behind": 1, "at_risk": 2}
    assert result.rows[0].progress.verdict.reasons == ("2 item(s) from an earlier phase not done",)


def test_cohort_progress_hides_people_outside_the_viewers_teams(running_cohort, manager):
    cohort, pathway, team, _skills = running_cohort
    mine = _member(cohort, pathway, team, "Mine", done_weeks=(2, 4, 6))
    theirs = _member(cohort, pathway, TeamFactory(), "Theirs")
    result = selectors.cohort_progress(cohort=cohort, viewer=manager, today=TODAY)
    rows = [(r.person, r.visible, r.progress is not None) for r in result.rows]
    assert rows == [(mine, True, True), (theirs, False, False)]
    # the counts still cover everyone enrolled
    assert result.counts == {"on_track": 0, "behind": 0, "at_risk": 2}


def test_cohort_visibility(running_cohort, manager, author, learner):
    cohort, pathway, team, _ = running_cohort
    unrelated_manager = UserFactory(personas=["learner", "manager"])
    assert list(selectors.cohorts_visible_to(manager)) == []
    _member(cohort, pathway, team, "Mine")
    assert list(selectors.cohorts_visible_to(manager)) == [cohort]
    assert list(selectors.cohorts_visible_to(author)) == [cohort]
    assert list(selectors.cohorts_visible_to(unrelated_manager)) == []
    assert list(selectors.cohorts_visible_to(learner)) == []
    assert not selectors.can_manage_cohort(manager, cohort)
    cohort.sponsor = unrelated_manager
    cohort.save()
    assert list(selectors.cohorts_visible_to(unrelated_manager)) == [cohort]
    assert selectors.can_manage_cohort(unrelated_manager, cohort)


# --- My learning --------------------------------------------------------------------


def test_learner_home_gives_the_week_next_step_and_what_is_due(running_cohort):
    cohort, pathway, team, skills = running_cohort
    person = _member(cohort, pathway, team, "Lee", done_weeks=(2, 4), in_progress_weeks=(6,))
    rate(person, skills["slo"], 1, "self")

    home = selectors.learner_home(user=person, today=TODAY)

    progress = home.current
    assert home.cohort == cohort
    assert (progress.day, progress.week, progress.phase.name) == (45, 7, "HANDS_ON")
    third = pathway.modules.get(order=3)
    assert (progress.next_item.item.kind, progress.next_item.item.pk) == ("module", third.pk)
    assert progress.next_item.state.value == "overdue"
    assert progress.next_item.item.due_on == cohort.start_date + timedelta(days=41)
    assert [i.item.title for i in progress.overdue_items] == [third.title, f"{third.title} lab 1"]
    assert [i.item.due for i in progress.due_soon] == [56, 56]
    assert progress.status.value == "at_risk"  # SLOs (crit 5) at 1, below the day-30 minimum 2
    assert [(r.skill.slug, r.current.level) for r in home.profile.role_rows] == [
        ("slo", 1),
        ("observability", 0),
        ("docs", 0),
    ]


def test_learner_without_cohort_follows_their_latest_enrolment(matrix):
    role, _ = matrix
    pathway = pathway_with_schedule(role, [(1, 1), (2, 2)], labs=0)
    person = MembershipFactory(job_role="sre").user
    EnrollmentFactory(user=person, pathway=pathway, started_on=TODAY - timedelta(days=3))
    home = selectors.learner_home(user=person, today=TODAY)
    assert home.cohort is None
    assert (home.current.day, home.current.next_item.item.title) == (
        4,
        pathway.modules.get(order=1).title,
    )
    assert [i.item.due for i in home.current.due_soon] == [7, 14]


def test_learner_home_without_enrolment(learner):
    home = selectors.learner_home(user=learner, today=TODAY)
    assert (home.current, home.cohort, home.enrollments, home.profile.rows) == (None, None, [], [])


def test_services_and_selectors_agree_on_enrolment(running_cohort, manager):
    cohort, _pathway, team, _ = running_cohort
    person = MembershipFactory(team=team, job_role="sre").user
    services.cohort_add_members(cohort=cohort, user_ids=[person.pk])
    services.cohort_enrol(cohort=cohort)
    row = selectors.cohort_progress(cohort=cohort, viewer=manager, today=TODAY).rows[0]
    assert (row.person, row.progress.total, row.progress.enrollment.started_on) == (
        person,
        12,
        cohort.start_date,
    )
