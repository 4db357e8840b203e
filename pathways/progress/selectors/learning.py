""" "My learning": what a learner sees on their home page."""

from dataclasses import dataclass
from datetime import date

from org.models import User
from pathways.models import CertificationAward, Cohort, CohortMember, Enrollment

from .. import rules
from .cohorts import (
    LearnerProgress,
    _progress_for,
    _stored_progress,
    schedule_for,
    schedules_for_pathways,
)
from .skills import SkillProfile, skill_profile


@dataclass
class LearnerHome:
    profile: SkillProfile
    enrollments: list[Enrollment]
    current: LearnerProgress | None  # the enrolment the learner is measured on now
    cohort: Cohort | None
    certifications: list[CertificationAward]


def learner_home(*, user: User, today: date) -> LearnerHome:
    """Where the learner is: their current enrolment (the one of their latest cohort,
    else the latest active one) on its schedule, their skills and certifications."""
    profile = skill_profile(person=user, today=today)
    enrollments = list(
        Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE)
        .select_related("pathway")
        .order_by("-enrolled_at", "-pk")
    )
    member = (
        CohortMember.objects.filter(user=user)
        .select_related("cohort", "pathway")
        .order_by("-cohort__start_date", "-pk")
        .first()
    )
    current = None
    cohort = member.cohort if member else None
    if member and member.pathway:
        current = next((e for e in enrollments if e.pathway_slug == member.pathway.slug), None)
    if current is None and enrollments:
        current = enrollments[0]
        cohort = None
    progress = None
    if current is not None:
        start = cohort.start_date if cohort else (current.started_on or current.enrolled_at.date())
        modules, labs = schedules_for_pathways([current.pathway_id])[current.pathway_id]
        skills = [
            rules.SkillInput(
                name=row.skill.name,
                criticality=row.criticality or 0,
                current=row.current.level,
                minimums=row.minimums,  # type: ignore[arg-type]
            )
            for row in profile.role_rows
        ]
        progress = _progress_for(
            enrollment=current,
            start=start,
            schedule=schedule_for(modules, labs, start=start),
            stored=_stored_progress([current.pk]).get(current.pk, {}),
            skills=skills,
            today=today,
        )
    certifications = list(
        CertificationAward.objects.filter(user=user).select_related("certification")
    )
    return LearnerHome(profile, enrollments, progress, cohort, certifications)
