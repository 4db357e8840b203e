"""The pure rules: current level, phases, due dates, item states and learner status."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from pathways.progress import rules
from pathways.progress.rules import (
    Candidate,
    ItemInput,
    ItemState,
    LearnerStatus,
    Phase,
    SkillInput,
)

TODAY = date(2026, 6, 30)


@dataclass(frozen=True)
class R:
    id: int
    level: int
    source: str
    rated_at: datetime


def at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)


# --- current level ------------------------------------------------------------------


def test_no_ratings_is_no_evidence():
    result = rules.current_level([], today=TODAY)
    assert (result.level, result.chosen, result.sources, result.stale) == (0, None, (), False)


def test_more_trusted_source_beats_a_more_recent_one():
    # given an assessment 200 days ago and a newer manager and self rating
    assessment = R(1, 2, "assessment", at(200))
    manager = R(2, 4, "manager", at(10))
    self_rating = R(3, 5, "self", at(1))
    # when
    result = rules.current_level([self_rating, manager, assessment], today=TODAY)
    # then the assessment counts and every source is listed, most trusted first
    assert result.level == 2
    assert result.chosen is assessment
    assert result.sources == (assessment, manager, self_rating)
    assert result.stale is False


def test_within_one_source_the_most_recent_rating_wins():
    older = R(1, 4, "manager", at(90))
    newer = R(2, 2, "manager", at(5))
    result = rules.current_level([newer, older], today=TODAY)
    assert (result.level, result.chosen) == (2, newer)
    assert result.sources == (newer,)


def test_same_moment_same_source_the_later_recorded_row_wins():
    first = R(7, 3, "peer", at(3))
    second = R(8, 1, "peer", at(3))
    assert rules.current_level([second, first], today=TODAY).chosen is second


def test_stale_trusted_evidence_gives_way_to_fresh_weaker_evidence():
    # an assessment 366 days old is stale; a 30-day-old peer rating is fresh
    stale_assessment = R(1, 5, "assessment", at(366))
    fresh_peer = R(2, 2, "peer", at(30))
    result = rules.current_level([stale_assessment, fresh_peer], today=TODAY)
    assert (result.level, result.source, result.stale) == (2, "peer", False)
    # and the stale one is still shown as a source
    assert result.sources == (stale_assessment, fresh_peer)


def test_exactly_365_days_old_is_still_fresh():
    boundary = R(1, 4, "certification", at(365))
    fresh_self = R(2, 1, "self", at(1))
    assert rules.current_level([boundary, fresh_self], today=TODAY).level == 4


def test_only_stale_ratings_still_count_and_are_flagged():
    old_manager = R(1, 3, "manager", at(500))
    old_self = R(2, 5, "self", at(400))
    result = rules.current_level([old_manager, old_self], today=TODAY)
    assert (result.level, result.source, result.stale) == (3, "manager", True)


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    list(zip(rules.SOURCE_TRUST, rules.SOURCE_TRUST[1:], strict=False)),
)
def test_each_source_outranks_the_next_in_the_documented_order(stronger, weaker):
    result = rules.current_level([R(1, 1, stronger, at(100)), R(2, 5, weaker, at(1))], today=TODAY)
    assert (result.level, result.source) == (1, stronger)


def test_documented_trust_order():
    assert rules.SOURCE_TRUST == (
        "assessment",
        "certification",
        "lab",
        "incident_review",
        "code_review",
        "manager",
        "peer",
        "self",
    )


# --- gaps and ranking ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("criticality", "required", "current", "severity"),
    [
        (5, 3, 3, "met"),
        (5, 3, 4, "met"),
        (5, 3, 2, "gap"),
        (5, 3, 1, "critical-gap"),
        (4, 3, 0, "critical-gap"),
        (3, 4, 0, "gap"),
    ],
)
def test_cell_severity(criticality, required, current, severity):
    assert (
        rules.cell_severity(criticality=criticality, required=required, current=current).value
        == severity
    )


def test_priority_score_weights_gaps_by_criticality():
    # (criticality, required, current): gaps 3, 1, 0 (over-qualified counts as 0)
    assert rules.priority_score([(5, 4, 1), (2, 3, 2), (4, 2, 5)]) == 5 * 3 + 2 * 1 + 0


def test_rank_candidates_need_first_then_role_weight_then_name():
    ranked = rules.rank_candidates(
        [
            Candidate(1, "bea", score=6, role_weight=4),
            Candidate(2, "Ann", score=6, role_weight=4),
            Candidate(3, "cy", score=6, role_weight=20),
            Candidate(4, "dee", score=15, role_weight=1),
            Candidate(5, "eve", score=0, role_weight=25),
        ]
    )
    assert [c.person_id for c in ranked] == [4, 3, 2, 1, 5]


# --- phases, weeks and due dates ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "phase", "week"),
    [
        (-3, Phase.UPCOMING, 0),
        (0, Phase.UPCOMING, 0),
        (1, Phase.BASELINE, 1),
        (7, Phase.BASELINE, 1),
        (8, Phase.BASELINE, 2),
        (30, Phase.BASELINE, 5),
        (31, Phase.HANDS_ON, 5),
        (60, Phase.HANDS_ON, 9),
        (61, Phase.CAPSTONE, 9),
        (90, Phase.CAPSTONE, 13),
        (91, Phase.FINISHED, 13),
    ],
)
def test_phase_and_week_of_a_programme_day(day, phase, week):
    assert rules.phase_for_day(day) is phase
    assert rules.week_for_day(day) == week


def test_programme_day_counts_the_start_date_as_day_one():
    start = date(2026, 3, 1)
    assert rules.program_day(start=start, today=date(2026, 3, 1)) == 1
    assert rules.program_day(start=start, today=date(2026, 3, 31)) == 31
    assert rules.program_day(start=start, today=date(2026, 2, 28)) == 0


def test_phase_dates_from_a_start_date():
    assert rules.phase_dates(date(2026, 1, 1)) == [
        (Phase.BASELINE, date(2026, 1, 1), date(2026, 1, 30)),
        (Phase.HANDS_ON, date(2026, 1, 31), date(2026, 3, 1)),
        (Phase.CAPSTONE, date(2026, 3, 2), date(2026, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("week_end", "day", "on"),
    [(1, 7, date(2026, 1, 7)), (4, 28, date(2026, 1, 28)), (12, 84, date(2026, 3, 25))],
)
def test_an_item_is_due_on_the_last_day_of_its_modules_last_week(week_end, day, on):
    assert rules.due_day(week_end) == day
    assert rules.due_date(start=date(2026, 1, 1), week_end=week_end) == on


@pytest.mark.parametrize(
    ("status", "due", "day", "state"),
    [
        ("not_started", 28, 28, ItemState.NOT_STARTED),
        ("not_started", 28, 29, ItemState.OVERDUE),
        ("in_progress", 28, 28, ItemState.IN_PROGRESS),
        ("in_progress", 28, 29, ItemState.OVERDUE),
        ("done", 28, 200, ItemState.DONE),
    ],
)
def test_item_state_is_overdue_only_after_its_due_day(status, due, day, state):
    assert rules.item_state(status=status, due=due, day=day) is state


@pytest.mark.parametrize(
    ("day", "in_force", "upcoming"),
    [
        (1, None, 30),
        (30, None, 30),
        (31, 30, 60),
        (60, 30, 60),
        (61, 60, 90),
        (90, 60, 90),
        (91, 90, None),
    ],
)
def test_checkpoint_minimums_apply_from_the_day_after(day, in_force, upcoming):
    assert rules.checkpoint_in_force(day) == in_force
    assert rules.next_checkpoint(day) == upcoming


@pytest.mark.parametrize(
    ("done", "total", "pct"), [(0, 0, 0), (0, 12, 0), (1, 3, 33), (2, 3, 66), (12, 12, 100)]
)
def test_completion_rounds_down(done, total, pct):
    assert rules.completion_pct(done=done, total=total) == pct


# --- learner status -----------------------------------------------------------------

CRITICAL = SkillInput("SLOs", criticality=5, current=1, minimums=(2, 3, 4))
MINOR = SkillInput("Prompt review", criticality=2, current=1, minimums=(2, 2, 3))
MET = SkillInput("Rollback", criticality=5, current=4, minimums=(2, 3, 4))


def status(day, items=(), skills=()):
    return rules.learner_status(day=day, items=list(items), skills=list(skills))


def test_before_the_start_everyone_is_on_track():
    verdict = status(0, [ItemInput(7, "not_started")], [CRITICAL])
    assert (verdict.status, verdict.reasons, verdict.overdue) == (LearnerStatus.ON_TRACK, (), 0)


def test_nothing_started_is_fine_until_something_is_due():
    verdict = status(7, [ItemInput(7, "not_started"), ItemInput(14, "not_started")])
    assert verdict.status is LearnerStatus.ON_TRACK


def test_nothing_started_with_an_item_overdue_is_behind_up_to_day_14():
    verdict = status(14, [ItemInput(7, "not_started"), ItemInput(21, "not_started")])
    assert verdict.status is LearnerStatus.BEHIND
    assert verdict.reasons == ("1 item(s) overdue",)


def test_nothing_started_after_day_14_is_at_risk_even_with_nothing_overdue():
    verdict = status(15, [ItemInput(28, "not_started")])
    assert verdict.status is LearnerStatus.AT_RISK
    assert verdict.reasons == ("nothing started after 14 days",)


def test_something_in_progress_is_not_nothing_started():
    verdict = status(15, [ItemInput(28, "in_progress")])
    assert verdict.status is LearnerStatus.ON_TRACK


def test_day_30_work_overdue_in_the_same_phase_is_behind():
    verdict = status(30, [ItemInput(28, "done"), ItemInput(28, "not_started")])
    assert (verdict.status, verdict.overdue) == (LearnerStatus.BEHIND, 1)


def test_day_31_the_same_work_carried_into_the_next_phase_is_at_risk():
    verdict = status(31, [ItemInput(28, "done"), ItemInput(28, "in_progress")])
    assert verdict.status is LearnerStatus.AT_RISK
    assert verdict.reasons == ("1 item(s) from an earlier phase not done",)


def test_day_30_skill_minimums_are_not_yet_in_force():
    verdict = status(30, [ItemInput(28, "done")], [CRITICAL, MINOR])
    assert (verdict.status, verdict.below_minimum) == (LearnerStatus.ON_TRACK, ())


def test_day_31_below_the_day_30_minimum_in_a_critical_skill_is_at_risk():
    verdict = status(31, [ItemInput(28, "done")], [CRITICAL, MET])
    assert verdict.status is LearnerStatus.AT_RISK
    assert verdict.reasons == ("below the day-30 minimum in critical skill(s): SLOs",)
    assert verdict.below_minimum == ("SLOs",)


def test_day_31_below_the_day_30_minimum_in_a_minor_skill_is_behind():
    verdict = status(31, [ItemInput(28, "done")], [MINOR, MET])
    assert verdict.status is LearnerStatus.BEHIND
    assert verdict.reasons == ("below the day-30 minimum in: Prompt review",)


def test_no_evidence_counts_as_below_any_minimum():
    unrated = SkillInput("Observability", criticality=3, current=0, minimums=(1, 1, 1))
    assert status(31, [ItemInput(28, "done")], [unrated]).status is LearnerStatus.BEHIND


def test_day_60_and_61_switch_from_the_day_30_to_the_day_60_minimum():
    # current 2 meets the day-30 minimum (2) but not the day-60 one (3)
    skill = SkillInput("SLOs", criticality=5, current=2, minimums=(2, 3, 4))
    items = [ItemInput(56, "done")]
    assert status(60, items, [skill]).status is LearnerStatus.ON_TRACK
    day_61 = status(61, items, [skill])
    assert day_61.status is LearnerStatus.AT_RISK
    assert day_61.reasons == ("below the day-60 minimum in critical skill(s): SLOs",)


def test_day_60_and_61_with_hands_on_work_unfinished():
    items = [ItemInput(56, "in_progress")]
    assert status(60, items).status is LearnerStatus.BEHIND
    assert status(61, items).status is LearnerStatus.AT_RISK


def test_day_90_last_capstone_work_late_is_behind_and_day_91_at_risk():
    items = [ItemInput(56, "done"), ItemInput(84, "not_started")]
    skill = SkillInput("SLOs", criticality=5, current=3, minimums=(2, 3, 4))
    day_90 = status(90, items, [skill])
    assert (day_90.status, day_90.reasons) == (LearnerStatus.BEHIND, ("1 item(s) overdue",))
    day_91 = status(91, items, [skill])
    assert day_91.status is LearnerStatus.AT_RISK
    assert day_91.reasons == (
        "1 item(s) from an earlier phase not done",
        "below the day-90 minimum in critical skill(s): SLOs",
    )


def test_everything_done_and_minimums_met_on_day_91_is_on_track():
    items = [ItemInput(7 * w, "done") for w in range(1, 13)]
    verdict = status(91, items, [MET])
    assert (verdict.status, verdict.reasons, verdict.overdue) == (LearnerStatus.ON_TRACK, (), 0)
