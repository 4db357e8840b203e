"""Question banks, questions and assessments: create, update, delete, choose questions."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from org.models import User
from pathways.models import Skill

from .. import artifacts, scoring
from ..exceptions import AssessmentError
from ..models import Assessment, AssessmentQuestion, Question, QuestionBank
from ._common import Kind, _clean


def question_bank_create(
    *, name: str, slug: str, description: str = "", created_by: User | None = None
) -> QuestionBank:
    bank = QuestionBank(name=name, slug=slug, description=description, created_by=created_by)
    _clean(bank)
    bank.save()
    return bank


def question_bank_update(*, bank: QuestionBank, **fields: Any) -> QuestionBank:
    for name in ("name", "slug", "description"):
        if name in fields:
            setattr(bank, name, fields[name])
    _clean(bank)
    bank.save()
    return bank


def _skills_by_slug(slugs: Iterable[str]) -> list[Skill]:
    wanted = sorted(set(slugs))
    found = {s.slug: s for s in Skill.objects.filter(slug__in=wanted)}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise AssessmentError(f"No skill with slug {', '.join(missing)}.")
    return [found[s] for s in wanted]


def _validated_spec(qtype: str, spec: Any) -> dict[str, Any]:
    try:
        return scoring.dump_spec(scoring.parse_spec(qtype, spec))
    except scoring.SpecError as exc:
        raise AssessmentError(
            f"The {qtype.replace('_', ' ')} question is not valid: {exc}"
        ) from exc


def question_create(
    *,
    bank: QuestionBank,
    qtype: str,
    text: str,
    spec: Mapping[str, Any],
    title: str = "",
    points: Decimal | int | str = 1,
    category: str = "",
    general_feedback: str = "",
    notes: str = "",
    skills: Iterable[Skill] = (),
) -> Question:
    question = Question(
        bank=bank,
        qtype=qtype,
        text=text,
        spec=_validated_spec(qtype, spec),
        title=title,
        points=Decimal(str(points)),
        category=category,
        general_feedback=general_feedback,
        notes=notes,
    )
    _clean(question)
    question.save()
    question.skills.set(list(skills))
    return question


def question_update(*, question: Question, **fields: Any) -> Question:
    """Change a question. Its type and answers are frozen once learners have answered it,
    so earlier scores stay reproducible: copy it into a new question instead."""
    changes_scoring = ("qtype" in fields and fields["qtype"] != question.qtype) or (
        "spec" in fields
        and _validated_spec(fields.get("qtype", question.qtype), fields["spec"])
        != _validated_spec(question.qtype, question.spec)
    )
    if changes_scoring and question.responses.exists():
        raise AssessmentError(
            "Learners have answered this question, so its type and answers cannot change. "
            "Create a new question instead."
        )
    skills = fields.pop("skills", None)
    for name in ("qtype", "text", "title", "points", "category", "general_feedback", "notes"):
        if name in fields:
            setattr(question, name, fields[name])
    if "spec" in fields:
        question.spec = _validated_spec(question.qtype, fields["spec"])
    _clean(question)
    question.save()
    if skills is not None:
        question.skills.set(list(skills))
    return question


def question_delete(*, question: Question) -> None:
    if question.responses.exists():
        raise AssessmentError("Learners have answered this question; it cannot be deleted.")
    AssessmentQuestion.objects.filter(question=question).delete()
    question.delete()


# --- assessments -----------------------------------------------------------------------

_ASSESSMENT_FIELDS = (
    "slug", "title", "description", "kind", "module", "pathway", "lab", "capstone",
    "check_phase", "post_opens", "post_min_days", "pass_mark", "attempts_allowed",
    "time_limit_seconds", "shuffle_questions",
    "shuffle_choices", "feedback_timing", "answers_timing", "rubric", "reviewers_required",
    "artifact_points", "is_published",
)  # fmt: skip


def _assessment_check(assessment: Assessment) -> None:
    kind = assessment.kind
    if kind == Kind.SKILL_CHECK and not assessment.check_phase:
        raise AssessmentError("A skill check needs a phase: pre, post or both.")
    if kind != Kind.SKILL_CHECK or assessment.check_phase == Assessment.Phase.PRE:
        assessment.post_opens, assessment.post_min_days = "", 0
    if kind != Kind.SKILL_CHECK:
        assessment.check_phase = ""
    if assessment.post_opens == Assessment.PostOpens.MODULES_DONE and not assessment.pathway:
        raise AssessmentError(
            "A post check that opens when the modules are done needs its pathway."
        )
    if (
        assessment.post_opens == Assessment.PostOpens.DAYS_AFTER_PRE
        and (assessment.post_min_days or 0) < 1
    ):
        raise AssessmentError(
            "A post check that opens some days after the pre check needs at least 1 day."
        )
    if kind == Kind.LAB_CHECK:
        if assessment.lab is None:
            raise AssessmentError("A lab check needs a lab.")
        schema = assessment.lab.artifact_schema
        if schema and schema not in artifacts.SCHEMAS:
            raise AssessmentError(
                f"The lab names artifact schema {schema!r}, which is not registered "
                f"(known: {', '.join(artifacts.SCHEMAS)})."
            )
    if kind == Kind.RUBRIC:
        if not assessment.rubric and assessment.capstone is not None:
            assessment.rubric = assessment.capstone.rubric
        try:
            scoring.parse_rubric(assessment.rubric)
        except scoring.SpecError as exc:
            raise AssessmentError(f"The rubric is not valid: {exc}") from exc


def assessment_create(
    *,
    created_by: User | None,
    question_ids: Iterable[int] = (),
    skills: Iterable[Skill] = (),
    **fields: Any,
) -> Assessment:
    unknown = set(fields) - set(_ASSESSMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown assessment fields: {sorted(unknown)}")
    with transaction.atomic():
        assessment = Assessment(created_by=created_by, **fields)
        _assessment_check(assessment)
        _clean(assessment)
        assessment.save()
        assessment.skills.set(list(skills))
        assessment_set_questions(assessment=assessment, question_ids=list(question_ids))
    return assessment


def assessment_update(
    *, assessment: Assessment, skills: Iterable[Skill] | None = None, **fields: Any
) -> Assessment:
    unknown = set(fields) - set(_ASSESSMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown assessment fields: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] != assessment.kind and assessment.attempts.exists():
        raise AssessmentError("Learners have attempted this assessment; its kind cannot change.")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(assessment, name, value)
        _assessment_check(assessment)
        _clean(assessment)
        assessment.save()
        if skills is not None:
            assessment.skills.set(list(skills))
    return assessment


def assessment_set_questions(*, assessment: Assessment, question_ids: list[int]) -> None:
    """Make these questions, in this order, the assessment's questions."""
    if len(set(question_ids)) != len(question_ids):
        raise AssessmentError("A question is listed twice.")
    found = set(Question.objects.filter(pk__in=question_ids).values_list("pk", flat=True))
    missing = [q for q in question_ids if q not in found]
    if missing:
        raise AssessmentError(f"No question with id {', '.join(map(str, missing))}.")
    if question_ids and assessment.kind == Kind.RUBRIC:
        raise AssessmentError("Rubric reviews are scored by reviewers and take no questions.")
    with transaction.atomic():
        AssessmentQuestion.objects.filter(assessment=assessment).exclude(
            question_id__in=question_ids
        ).delete()
        existing = {
            aq.question_id: aq for aq in AssessmentQuestion.objects.filter(assessment=assessment)
        }
        for order, qid in enumerate(question_ids):
            item = existing.get(qid) or AssessmentQuestion(assessment=assessment, question_id=qid)
            item.order = order
            item.save()
