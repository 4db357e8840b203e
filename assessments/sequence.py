"""What the learner's sequence (pathways.progress.sequence) asks of assessments: which modules and
labs are completed by passing a check, and the state of the learner's checks on a
module page or lab page (named by settings.LEARNING_CHECKS_PROVIDER)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from org.models import User
from pathways.models import Lab, Module

from .models import Assessment, Attempt
from .post_check import post_check_closed

Kind = Assessment.Kind
Status = Attempt.Status
PENDING = (Status.SUBMITTED, Status.SCORING, Status.AWAITING_REVIEW)


def checked_items(*, module_ids: Iterable[int], lab_ids: Iterable[int]) -> set[tuple[str, int]]:
    """Modules with a published quiz and labs with a published lab check (one query)."""
    rows = Assessment.objects.filter(is_published=True).filter(
        Q(kind=Kind.QUIZ, module_id__in=list(module_ids))
        | Q(kind=Kind.LAB_CHECK, lab_id__in=list(lab_ids))
    )
    return {
        ("module", module_id) if kind == Kind.QUIZ else ("lab", lab_id)
        for kind, module_id, lab_id in rows.values_list("kind", "module_id", "lab_id")
    }


@dataclass
class CheckStep:
    """One check on the learner's path and where they are in it."""

    assessment: Assessment
    attempts: list[Attempt] = field(default_factory=list)  # oldest first
    template: str = "assessments/_step.html"
    closed: str | None = None  # a post skill check that is not open yet: why

    @property
    def current(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == Status.IN_PROGRESS), None)

    @property
    def pending(self) -> Attempt | None:
        return next((a for a in reversed(self.attempts) if a.status in PENDING), None)

    @property
    def scored(self) -> Attempt | None:
        """The best scored attempt (the latest of equals)."""
        scored = [a for a in self.attempts if a.status == Status.SCORED]
        return max(scored, key=lambda a: (a.score.percent, a.number), default=None)

    @property
    def passed(self) -> bool:
        best = self.scored
        return bool(best and best.score.passed)

    @property
    def attempts_left(self) -> int | None:
        if not self.assessment.attempts_allowed:
            return None
        return max(0, self.assessment.attempts_allowed - len(self.attempts))

    @property
    def can_start(self) -> bool:
        left = self.attempts_left
        return self.current is None and not self.passed and (left is None or left > 0)


def _steps(user: User, assessments: list[Assessment]) -> list[CheckStep]:
    steps = {a.pk: CheckStep(a) for a in assessments}
    if steps and user.is_authenticated:
        for attempt in (
            Attempt.objects.filter(user=user, assessment_id__in=steps)
            .select_related("score")
            .order_by("number")
        ):
            steps[attempt.assessment_id].attempts.append(attempt)
        for step in steps.values():
            if step.assessment.kind == Kind.SKILL_CHECK and step.current is None:
                step.closed = post_check_closed(user=user, assessment=step.assessment)
    return list(steps.values())


def module_checks(*, module: Module) -> list[Assessment]:
    """The module's published quizzes and skill checks, the same for every learner (one
    query; the module page keeps them with its fragments, under the catalogue stamp that
    every saved or deleted assessment bumps)."""
    return list(
        Assessment.objects.filter(module=module, is_published=True)
        .exclude(kind__in=[Kind.LAB_CHECK, Kind.RUBRIC])
        .order_by("kind", "title")
    )


def module_steps(
    *, user: User, module: Module, checks: list[Assessment] | None = None
) -> list[CheckStep]:
    """The module's published quizzes and skill checks (`checks`, as `module_checks`
    returned them, or read now), with the learner's attempts (one query when any)."""
    assessments = list(checks) if checks is not None else module_checks(module=module)
    return _steps(user, assessments)


def lab_step(*, user: User, lab: Lab) -> CheckStep | None:
    """The lab's published lab check with the learner's attempts, or None (2 queries)."""
    assessment = (
        Assessment.objects.filter(lab=lab, kind=Kind.LAB_CHECK, is_published=True)
        .order_by("pk")
        .first()
    )
    if assessment is None:
        return None
    step = _steps(user, [assessment])[0]
    step.template = "assessments/_lab_step.html"
    return step
