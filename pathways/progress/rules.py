"""The rules of skill evidence, the 90-day programme and learner status.

Pure functions over plain values: no database, no clock (callers pass `today`).
Each rule is documented in docs/skills-and-progress.md and table-tested in
tests/cohorts/test_rules.py; selectors feed them rows and views show the results.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Protocol

# --- skill evidence -----------------------------------------------------------------

# Most trusted first. Scored or checked work beats judgement; judgement from real
# work (incidents, code) beats a general opinion; opinions rank manager > peer > self.
SOURCE_TRUST: tuple[str, ...] = (
    "assessment",
    "certification",
    "lab",
    "incident_review",
    "code_review",
    "manager",
    "peer",
    "self",
)
TRUST_RANK: dict[str, int] = {s: len(SOURCE_TRUST) - i for i, s in enumerate(SOURCE_TRUST)}
# A rating older than this only counts when a skill has no fresher evidence at all.
STALE_AFTER_DAYS = 365
# "No evidence" is level 0: below every requirement and every minimum.
NO_EVIDENCE = 0
HIGH_CRITICALITY = 4


class RatingLike(Protocol):
    """What the rule reads from a rating (a `SkillRating` row satisfies it)."""

    id: int
    level: int
    source: str
    rated_at: datetime


@dataclass(frozen=True)
class CurrentLevel:
    level: int  # 0 when there is no evidence
    chosen: RatingLike | None  # the rating the level comes from
    sources: tuple[RatingLike, ...]  # the latest rating of each source, most trusted first
    stale: bool  # the chosen rating is older than STALE_AFTER_DAYS

    @property
    def source(self) -> str:
        return self.chosen.source if self.chosen is not None else ""


def _is_fresh(rating: RatingLike, today: date) -> bool:
    return (today - rating.rated_at.date()).days <= STALE_AFTER_DAYS


def _recency(rating: RatingLike) -> tuple[datetime, int]:
    return (rating.rated_at, rating.id or 0)


def current_level(ratings: Iterable[RatingLike], *, today: date) -> CurrentLevel:
    """A person's current level in one skill from all their ratings in it.

    1. Only ratings from the last STALE_AFTER_DAYS count, unless there are none:
       then all ratings count (and the result is flagged stale).
    2. Of those, the most trusted source wins (SOURCE_TRUST).
    3. Within that source, the most recent rating wins (ties: the later-recorded row).
    No ratings at all: level 0 (no evidence).
    """
    ratings = [r for r in ratings if r.source in TRUST_RANK]
    if not ratings:
        return CurrentLevel(NO_EVIDENCE, None, (), False)
    fresh = [r for r in ratings if _is_fresh(r, today)]
    pool = fresh or ratings
    chosen = max(pool, key=lambda r: (TRUST_RANK[r.source], *_recency(r)))
    latest: dict[str, RatingLike] = {}
    for rating in ratings:
        if rating.source not in latest or _recency(rating) > _recency(latest[rating.source]):
            latest[rating.source] = rating
    sources = tuple(sorted(latest.values(), key=lambda r: -TRUST_RANK[r.source]))
    return CurrentLevel(chosen.level, chosen, sources, stale=not fresh)


def skill_gap(*, required: int, current: int) -> int:
    return max(0, required - current)


def priority_score(cells: Iterable[tuple[int, int, int]]) -> int:
    """Σ criticality × gap over (criticality, required, current) cells.

    High criticality and low competence weigh most: a gap of 3 on a criticality-5
    skill scores 15, the same gap on a criticality-1 skill scores 3.
    """
    return sum(crit * skill_gap(required=req, current=cur) for crit, req, cur in cells)


class Severity(StrEnum):
    MET = "met"
    GAP = "gap"
    CRITICAL_GAP = "critical-gap"


def cell_severity(*, criticality: int, required: int, current: int) -> Severity:
    """How a heatmap cell is flagged: a gap of 2+ on a high-criticality skill is critical."""
    gap = skill_gap(required=required, current=current)
    if gap == 0:
        return Severity.MET
    if gap >= 2 and criticality >= HIGH_CRITICALITY:
        return Severity.CRITICAL_GAP
    return Severity.GAP


@dataclass(frozen=True)
class Candidate:
    """A person considered for a cohort."""

    person_id: int
    name: str
    score: int  # priority_score over their role's skills
    role_weight: int  # the role's exposure × influence (1–25)


def rank_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Highest need first: priority score, then the role's exposure × influence, then name."""
    return sorted(candidates, key=lambda c: (-c.score, -c.role_weight, c.name.lower()))


# --- the 90-day programme -----------------------------------------------------------

PROGRAM_DAYS = 90
PHASE_DAYS = 30
CHECKPOINTS = (30, 60, 90)


class Phase(IntEnum):
    UPCOMING = 0
    BASELINE = 1  # days 1–30
    HANDS_ON = 2  # days 31–60
    CAPSTONE = 3  # days 61–90
    FINISHED = 4  # day 91 on

    @property
    def title(self) -> str:
        return PHASE_TITLES[self]

    @property
    def days(self) -> tuple[int, int] | None:
        if self in (Phase.UPCOMING, Phase.FINISHED):
            return None
        return ((self - 1) * PHASE_DAYS + 1, self * PHASE_DAYS)


PHASE_TITLES = {
    Phase.UPCOMING: "Not started yet",
    Phase.BASELINE: "Baseline literacy and guardrails",
    Phase.HANDS_ON: "Hands-on role tracks",
    Phase.CAPSTONE: "Capstones and launch readiness",
    Phase.FINISHED: "Programme finished",
}
PROGRAM_PHASES = (Phase.BASELINE, Phase.HANDS_ON, Phase.CAPSTONE)


def program_day(*, start: date, today: date) -> int:
    """Day 1 is the start date; days before it are 0 or negative."""
    return (today - start).days + 1


def phase_for_day(day: int) -> Phase:
    if day < 1:
        return Phase.UPCOMING
    if day > PROGRAM_DAYS:
        return Phase.FINISHED
    return Phase((day - 1) // PHASE_DAYS + 1)


def week_for_day(day: int) -> int:
    """Week 1 is days 1–7; 0 before the start."""
    return (day - 1) // 7 + 1 if day >= 1 else 0


def phase_dates(start: date) -> list[tuple[Phase, date, date]]:
    return [
        (phase, day_date(start, phase.days[0]), day_date(start, phase.days[1]))  # type: ignore[index]
        for phase in PROGRAM_PHASES
    ]


def day_date(start: date, day: int) -> date:
    return start + timedelta(days=day - 1)


def due_day(week_end: int) -> int:
    """An item is due on the last day of its module's last week."""
    return 7 * week_end


def due_date(*, start: date, week_end: int) -> date:
    return day_date(start, due_day(week_end))


class ItemState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return ITEM_STATE_LABELS[self]


ITEM_STATE_LABELS = {
    ItemState.NOT_STARTED: "Not started",
    ItemState.IN_PROGRESS: "In progress",
    ItemState.DONE: "Done",
    ItemState.OVERDUE: "Overdue",
}


def item_state(*, status: str, due: int, day: int) -> ItemState:
    """Overdue: not done and the programme day is past the due day (due day itself is fine)."""
    if status == ItemState.DONE:
        return ItemState.DONE
    if day > due:
        return ItemState.OVERDUE
    return ItemState(status)


def checkpoint_in_force(day: int) -> int | None:
    """The latest checkpoint already passed: its minimums apply from the next day on."""
    passed = [c for c in CHECKPOINTS if day > c]
    return passed[-1] if passed else None


def next_checkpoint(day: int) -> int | None:
    upcoming = [c for c in CHECKPOINTS if day <= c]
    return upcoming[0] if upcoming else None


def minimum_at(checkpoint: int | None, minimums: tuple[int, int, int]) -> int | None:
    """The minimum level of a (min_day30, min_day60, min_day90) triple at a checkpoint."""
    if checkpoint is None:
        return None
    return minimums[CHECKPOINTS.index(checkpoint)]


def completion_pct(*, done: int, total: int) -> int:
    """Whole percent, rounded down so 100 means everything is done."""
    return done * 100 // total if total else 0


class LearnerStatus(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "behind": "Behind", "at_risk": "At risk"}[self.value]


# Two full weeks with nothing opened is a warning sign on its own.
NOTHING_STARTED_GRACE_DAYS = 14


@dataclass(frozen=True)
class ItemInput:
    due: int  # programme day the item is due
    status: str  # not_started / in_progress / done


@dataclass(frozen=True)
class SkillInput:
    name: str
    criticality: int
    current: int  # 0 = no evidence
    minimums: tuple[int, int, int]  # min_day30, min_day60, min_day90


@dataclass(frozen=True)
class StatusVerdict:
    status: LearnerStatus
    reasons: tuple[str, ...]
    overdue: int
    below_minimum: tuple[str, ...]


def learner_status(
    *, day: int, items: Sequence[ItemInput], skills: Sequence[SkillInput]
) -> StatusVerdict:
    """On track, behind or at risk on a programme day.

    At risk, when any of:
      - an item due in an earlier phase than today's is still not done;
      - a skill of criticality ≥ 4 is below the minimum of the checkpoint in force;
      - nothing is started or done after the first NOTHING_STARTED_GRACE_DAYS days.
    Behind, when not at risk but an item is overdue or a skill is below the minimum
    in force. On track otherwise (always, before the start).
    """
    if day < 1:
        return StatusVerdict(LearnerStatus.ON_TRACK, (), 0, ())
    today_phase = phase_for_day(day)
    overdue = [
        i for i in items if item_state(status=i.status, due=i.due, day=day) is ItemState.OVERDUE
    ]
    carried = [i for i in overdue if phase_for_day(i.due) < today_phase]
    checkpoint = checkpoint_in_force(day)
    below = [
        s
        for s in skills
        if (minimum := minimum_at(checkpoint, s.minimums)) is not None and s.current < minimum
    ]
    below_critical = [s for s in below if s.criticality >= HIGH_CRITICALITY]
    started = any(i.status in (ItemState.IN_PROGRESS, ItemState.DONE) for i in items)

    at_risk: list[str] = []
    if carried:
        at_risk.append(f"{len(carried)} item(s) from an earlier phase not done")
    if below_critical:
        names = ", ".join(s.name for s in below_critical)
        at_risk.append(f"below the day-{checkpoint} minimum in critical skill(s): {names}")
    if items and not started and day > NOTHING_STARTED_GRACE_DAYS:
        at_risk.append(f"nothing started after {NOTHING_STARTED_GRACE_DAYS} days")
    behind: list[str] = []
    if overdue and not carried:
        behind.append(f"{len(overdue)} item(s) overdue")
    below_other = [s for s in below if s.criticality < HIGH_CRITICALITY]
    if below_other:
        names = ", ".join(s.name for s in below_other)
        behind.append(f"below the day-{checkpoint} minimum in: {names}")

    if at_risk:
        status = LearnerStatus.AT_RISK
    elif behind:
        status = LearnerStatus.BEHIND
    else:
        status = LearnerStatus.ON_TRACK
    return StatusVerdict(
        status, tuple(at_risk + behind), len(overdue), tuple(s.name for s in below)
    )


# What each level of the 1–5 scale means, shown next to every rating form.
LEVEL_LABELS = {
    0: "No evidence",
    1: "Aware: knows the terms and where the guardrails are",
    2: "Guided: does it with help or a checklist",
    3: "Independent: does it unaided in everyday work",
    4: "Proficient: handles the hard cases and reviews others",
    5: "Expert: sets the standard and teaches it",
}
