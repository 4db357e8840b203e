"""Training figures of a cohort, computed once into a snapshot the dashboard reads.

Every learner's state comes from the rules of `pathways.progress.rules` (the one
definition of phases, due dates, overdue items, current skill levels and learner
status); this module only counts. A snapshot costs a fixed number of queries and
time linear in the cohort's size, in a task; the cohort dashboard then reads one row.
"""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q

from org.models import Membership
from pathways.models import (
    Cohort,
    CohortMember,
    Enrollment,
    Progress,
    RoleSkill,
    SkillRating,
)
from pathways.progress import rules
from pathways.progress.selectors import schedule_for, schedules_for_pathways

from .compute import MEDIAN, duration_us, percentile_cont, summarize_durations

AT_RISK_KEPT = 200  # the snapshot keeps this many at-risk learners, lowest completion first
PHASES = tuple((phase, *phase.days) for phase in rules.PROGRAM_PHASES)


@dataclass(slots=True)
class _RoleCounts:
    name: str
    learners: int = 0
    enrolled: int = 0
    completed: int = 0
    completion_sum: int = 0
    status: dict[str, int] = field(
        default_factory=lambda: {s.value: 0 for s in rules.LearnerStatus}
    )


@dataclass(slots=True)
class _Cell:
    learners: int = 0
    level_sum: int = 0
    meeting: int = 0
    no_evidence: int = 0


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _durations_us(rows: Any) -> list[int]:
    """Ascending microseconds from (id, start, end) rows."""
    return sorted(
        d for _pk, start, end in rows if (d := duration_us(end, start)) is not None and d >= 0
    )


def assessment_figures(*, cohort: Cohort, member_users: Any) -> dict[str, Any]:
    """Pre/post gain, prompt quality and simulated response time of a cohort's members,
    from scored attempts (three queries and the gains selector of `assessments`)."""
    from assessments.models import Assessment, Attempt, Score
    from assessments.selectors import GainSummary, skill_check_gains
    from incidents.models import IncidentExercise
    from org.models import User
    from pathways.models import Pillar

    checks = Assessment.objects.filter(
        kind=Assessment.Kind.SKILL_CHECK,
        pathway__slug__in=cohort.pathways.values("slug"),
    )
    gains = GainSummary(
        cohort.name,
        skill_check_gains(checks=checks, people=User.objects.filter(pk__in=member_users)),
    )
    learner_gains = sorted(r.gain for r in gains.paired if r.gain is not None)
    scored = Attempt.Status.SCORED
    # Prompt work: rubric reviews of an assessment in the prompt-engineering pillar
    # (through its skills or its module).
    prompt = Q(attempt__assessment__skills__pillar=Pillar.PROMPT_ENGINEERING) | Q(
        attempt__assessment__module__pillar=Pillar.PROMPT_ENGINEERING
    )
    percents = sorted(
        percent
        for _pk, percent in Score.objects.filter(
            attempt__user_id__in=member_users,
            attempt__status=scored,
            attempt__assessment__kind=Assessment.Kind.RUBRIC,
        )
        .filter(prompt)
        .values_list("attempt_id", "percent")
        .distinct()
    )
    # Simulated incidents: attempts on incident-response labs or modules, or on exercises
    # drafted from real incidents; the time is from start to submission.
    simulation = (
        Q(assessment__lab__module__pillar=Pillar.INCIDENT_RESPONSE)
        | Q(assessment__module__pillar=Pillar.INCIDENT_RESPONSE)
        | Q(assessment__lab__in=IncidentExercise.objects.values("lab"))
    )
    response_us = _durations_us(
        Attempt.objects.filter(user_id__in=member_users, status=scored, submitted_at__isnull=False)
        .filter(simulation)
        .values_list("pk", "started_at", "submitted_at")
        .distinct()
    )
    response = summarize_durations(response_us, population=len(response_us))
    return {
        "prepost_gain": {
            "n": gains.n,
            "mean_pre": _float(gains.mean_pre),
            "mean_post": _float(gains.mean_post),
            "gain_of_means": _float(gains.class_gain),
            "mean_gain": _float(gains.mean_gain),
            "median_gain": _float(median_of(learner_gains)),
        },
        "prompt_quality_score": {
            "n": len(percents),
            "mean": _float(mean_of(percents)),
            "median": _float(median_of(percents)),
            "stdev": None if len(percents) < 2 else round(float(statistics.stdev(percents)), 2),
        },
        "simulated_response_time": {
            "n": response.n,
            "median": _float(response.median),
            "p90": _float(response.p90),
            "mean": _float(response.mean),
        },
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def median_of(values: list[Decimal]) -> Decimal | None:
    middle = percentile_cont([Fraction(v) for v in values], MEDIAN)
    return None if middle is None else Decimal(middle.numerator) / Decimal(middle.denominator)


def mean_of(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


def cohort_snapshot_data(*, cohort: Cohort, today: dt.date) -> dict[str, Any]:
    """Counts, shares and the at-risk list of a cohort on `today` (JSON-ready)."""
    member_users = CohortMember.objects.filter(cohort=cohort).values("user_id")
    members = list(
        CohortMember.objects.filter(cohort=cohort)
        .order_by("pk")
        .values(
            "user_id",
            "role_id",
            "role__name",
            "pathway__slug",
            "user__full_name",
            "user__email",
            "is_champion",
        )
    )
    slugs = {m["pathway__slug"] for m in members if m["pathway__slug"]}
    enrollments = {
        (user_id, slug): (pk, pathway_id, status)
        for pk, user_id, slug, pathway_id, status in Enrollment.objects.filter(
            user_id__in=member_users, pathway_slug__in=slugs
        ).values_list("pk", "user_id", "pathway_slug", "pathway_id", "status")
    }
    schedules = {
        pathway_id: schedule_for(modules, labs, start=cohort.start_date)
        for pathway_id, (modules, labs) in schedules_for_pathways(
            {pathway_id for _, pathway_id, _ in enrollments.values()}
        ).items()
    }
    stored: dict[int, dict[tuple[str, int], str]] = defaultdict(dict)
    for enrollment_id, module_id, lab_id, status in Progress.objects.filter(
        enrollment__user_id__in=member_users, enrollment__pathway_slug__in=slugs
    ).values_list("enrollment_id", "module_id", "lab_id", "status"):
        stored[enrollment_id][("module", module_id) if module_id else ("lab", lab_id)] = status
    role_ids = {m["role_id"] for m in members if m["role_id"]}
    cells_by_role: dict[int, list[RoleSkill]] = defaultdict(list)
    for cell in (
        RoleSkill.objects.filter(role_id__in=role_ids)
        .select_related("skill")
        .order_by("-criticality", "skill__name")
    ):
        cells_by_role[cell.role_id].append(cell)
    skill_ids = {c.skill_id for cells in cells_by_role.values() for c in cells}
    ratings: dict[tuple[int, int], list[SkillRating]] = defaultdict(list)
    for rating in SkillRating.objects.filter(
        person_id__in=member_users, skill_id__in=skill_ids
    ).only("id", "person_id", "skill_id", "level", "source", "rated_at"):
        ratings[(rating.person_id, rating.skill_id)].append(rating)
    teams_of: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in Membership.objects.filter(user_id__in=member_users).values_list(
        "user_id", "team_id"
    ):
        teams_of[user_id].add(team_id)
    team_ids = sorted({t for teams in teams_of.values() for t in teams})
    # Per team of the members: learners, at risk, behind and overdue items (the home
    # page's headline numbers for a team; one person counts in each of their teams).
    per_team = {t: {"learners": 0, "at_risk": 0, "behind": 0, "overdue_items": 0} for t in team_ids}

    day = rules.program_day(start=cohort.start_date, today=today)
    checkpoint = rules.checkpoint_in_force(day) or rules.next_checkpoint(day) or 90
    status_counts = {s.value: 0 for s in rules.LearnerStatus}
    roles: dict[int | None, _RoleCounts] = {}
    phase_items = {p: [0, 0] for p, _, _ in PHASES}  # due, done
    phase_learners = {p: [0, 0] for p, _, _ in PHASES}  # with items, all done
    heat: dict[tuple[int, int], _Cell] = defaultdict(_Cell)
    at_risk: list[dict[str, Any]] = []
    overdue_items = 0
    for member in members:
        for team_id in teams_of.get(member["user_id"], ()):
            per_team[team_id]["learners"] += 1
        role = roles.setdefault(member["role_id"], _RoleCounts(member["role__name"] or "No role"))
        role.learners += 1
        levels = {
            c.skill_id: rules.current_level(
                ratings.get((member["user_id"], c.skill_id), ()), today=today
            ).level
            for c in cells_by_role.get(member["role_id"], [])
        }
        for c in cells_by_role.get(member["role_id"], []):
            cell = heat[(member["role_id"], c.skill_id)]
            cell.learners += 1
            cell.level_sum += levels[c.skill_id]
            minimum = rules.minimum_at(checkpoint, (c.min_day30, c.min_day60, c.min_day90))
            cell.meeting += minimum is None or levels[c.skill_id] >= minimum
            cell.no_evidence += levels[c.skill_id] == rules.NO_EVIDENCE
        enrollment = enrollments.get((member["user_id"], member["pathway__slug"]))
        if enrollment is None:
            continue
        enrollment_id, pathway_id, enrollment_status = enrollment
        role.enrolled += 1
        schedule = schedules.get(pathway_id, [])
        statuses = stored.get(enrollment_id, {})
        items = [
            rules.ItemInput(item.due, statuses.get(item.key, rules.ItemState.NOT_STARTED.value))
            for item in schedule
        ]
        skills = [
            rules.SkillInput(
                c.skill.name,
                c.criticality,
                levels[c.skill_id],
                (c.min_day30, c.min_day60, c.min_day90),
            )
            for c in cells_by_role.get(member["role_id"], [])
        ]
        verdict = rules.learner_status(day=day, items=items, skills=skills)
        done = sum(i.status == rules.ItemState.DONE.value for i in items)
        completion = rules.completion_pct(done=done, total=len(items))
        finished = enrollment_status == Enrollment.Status.COMPLETED or (
            items and done == len(items)
        )
        overdue = sum(
            rules.item_state(status=i.status, due=i.due, day=day) is rules.ItemState.OVERDUE
            for i in items
        )
        overdue_items += overdue
        for team_id in teams_of.get(member["user_id"], ()):
            counts = per_team[team_id]
            counts["overdue_items"] += overdue
            if verdict.status is not rules.LearnerStatus.ON_TRACK:
                counts[verdict.status.value] += 1
        status_counts[verdict.status.value] += 1
        role.status[verdict.status.value] += 1
        role.completion_sum += completion
        role.completed += bool(finished)
        for phase, first, last in PHASES:
            in_phase = [i for i in items if first <= i.due <= last]
            if not in_phase:
                continue
            finished_phase = sum(i.status == rules.ItemState.DONE.value for i in in_phase)
            phase_items[phase][0] += len(in_phase)
            phase_items[phase][1] += finished_phase
            phase_learners[phase][0] += 1
            phase_learners[phase][1] += finished_phase == len(in_phase)
        if verdict.status is rules.LearnerStatus.AT_RISK:
            at_risk.append(
                {
                    "user_id": member["user_id"],
                    "name": member["user__full_name"] or member["user__email"],
                    "role": member["role__name"] or "",
                    "completion": completion,
                    "reasons": list(verdict.reasons),
                    "champion": member["is_champion"],
                }
            )

    at_risk.sort(key=lambda r: (r["completion"], r["name"].lower()))
    skill_names = {c.skill_id: c.skill.name for cells in cells_by_role.values() for c in cells}
    heatmap = []
    for role_id, cells in cells_by_role.items():
        row = []
        for c in cells:
            cell = heat[(role_id, c.skill_id)]
            row.append(
                {
                    "skill": skill_names[c.skill_id],
                    "criticality": c.criticality,
                    "minimum": rules.minimum_at(
                        checkpoint, (c.min_day30, c.min_day60, c.min_day90)
                    ),
                    "learners": cell.learners,
                    "mean_level": None
                    if not cell.learners
                    else round(cell.level_sum / cell.learners, 2),
                    "meeting_share": _share(cell.meeting, cell.learners),
                    "no_evidence": cell.no_evidence,
                }
            )
        heatmap.append({"role": roles[role_id].name, "cells": row})
    return {
        "day": day,
        "phase": rules.phase_for_day(day).value,
        "checkpoint": checkpoint,
        "learners": len(members),
        "enrolled": sum(r.enrolled for r in roles.values()),
        "status_counts": status_counts,
        "overdue_items": overdue_items,
        "team_ids": team_ids,
        "teams": {str(t): counts for t, counts in per_team.items()},
        "phases": [
            {
                "phase": phase.value,
                "title": phase.title,
                "days": f"{first}–{last}",
                "items_due": phase_items[phase][0],
                "items_done": phase_items[phase][1],
                "done_share": _share(phase_items[phase][1], phase_items[phase][0]),
                "learners": phase_learners[phase][0],
                "learners_finished": phase_learners[phase][1],
                "finished_share": _share(phase_learners[phase][1], phase_learners[phase][0]),
                "started": day >= first,
            }
            for phase, first, last in PHASES
        ],
        "roles": sorted(
            (
                {
                    "role": r.name,
                    "learners": r.learners,
                    "enrolled": r.enrolled,
                    "completed": r.completed,
                    "completion_share": _share(r.completed, r.learners),
                    "mean_completion_pct": None
                    if not r.enrolled
                    else round(r.completion_sum / r.enrolled, 1),
                    "status_counts": r.status,
                }
                for r in roles.values()
            ),
            key=lambda r: r["role"],
        ),
        "heatmap": heatmap,
        "at_risk_total": len(at_risk),
        "at_risk": at_risk[:AT_RISK_KEPT],
        "assessments": assessment_figures(cohort=cohort, member_users=member_users),
    }
