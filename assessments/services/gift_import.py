"""GIFT text in and out of a question bank: preview, import, one question each way."""

from dataclasses import dataclass, field

from django.db import transaction

from pathways.models import Skill

from .. import gift
from ..exceptions import AssessmentError
from ..models import Question, QuestionBank
from .authoring import _skills_by_slug, question_create, question_update


@dataclass
class GiftImportReport:
    questions: list[gift.ParsedQuestion]
    errors: list[gift.GiftError]
    created: list[Question] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return bool(self.created)


def _gift_check_tags(parsed: gift.GiftResult) -> gift.GiftResult:
    """Move questions tagged with unknown skills into the errors."""
    tags = {t for q in parsed.questions for t in q.tags}
    known = set(Skill.objects.filter(slug__in=tags).values_list("slug", flat=True))
    kept, errors = [], list(parsed.errors)
    for q in parsed.questions:
        unknown = [t for t in q.tags if t not in known]
        if unknown:
            errors.append(gift.GiftError(q.line, f"no skill {', '.join(unknown)}", q.title))
        else:
            kept.append(q)
    errors.sort(key=lambda e: e.line)
    return gift.GiftResult(kept, errors)


def gift_preview(*, text: str) -> GiftImportReport:
    parsed = _gift_check_tags(gift.parse_gift(text))
    return GiftImportReport(parsed.questions, parsed.errors)


@transaction.atomic
def gift_import(*, bank: QuestionBank, text: str, import_valid: bool = False) -> GiftImportReport:
    """Import GIFT text into `bank`.

    With errors and `import_valid=False`, nothing is written and the report lists
    every error with its line; with `import_valid=True` the valid questions are
    written and the errors reported all the same.
    """
    report = gift_preview(text=text)
    if not report.questions and not report.errors:
        raise AssessmentError("The file holds no questions.")
    if report.errors and not import_valid:
        return report
    skills = {
        s.slug: s
        for s in Skill.objects.filter(slug__in={t for q in report.questions for t in q.tags})
    }
    for q in report.questions:
        report.created.append(
            question_create(
                bank=bank,
                qtype=q.qtype,
                text=q.text,
                spec=q.spec,
                title=q.title[:200],
                points=q.points,
                category=q.category[:200],
                general_feedback=q.general_feedback,
                notes=q.notes,
                skills=[skills[t] for t in q.tags],
            )
        )
    return report


def question_from_gift(
    *, bank: QuestionBank, text: str, question: Question | None = None
) -> Question:
    """Create (or, given `question`, rewrite) one question written in GIFT."""
    report = gift_preview(text=text)
    if report.errors:
        raise AssessmentError("; ".join(str(e) for e in report.errors))
    if len(report.questions) != 1:
        raise AssessmentError(f"Write exactly one question, not {len(report.questions)}.")
    parsed = report.questions[0]
    fields = {
        "qtype": parsed.qtype,
        "text": parsed.text,
        "spec": parsed.spec,
        "title": parsed.title[:200],
        "points": parsed.points,
        "category": parsed.category[:200] or (question.category if question else ""),
        "general_feedback": parsed.general_feedback,
        "notes": parsed.notes,
        "skills": _skills_by_slug(parsed.tags),
    }
    if question is None:
        return question_create(bank=bank, **fields)
    return question_update(question=question, **fields)


def question_as_gift(*, question: Question) -> str:
    return gift.dump_question(
        qtype=question.qtype,
        text=question.text,
        spec=question.spec,
        title=question.title,
        general_feedback=question.general_feedback,
        notes=question.notes,
        tags=[s.slug for s in question.skills.all()],
        points=question.points,
    )
