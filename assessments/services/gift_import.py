"""GIFT text in and out of a question bank: preview, import, one question each way."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from pathways.models import Skill

from .. import gift
from ..exceptions import AssessmentError
from ..models import Question, QuestionBank
from .authoring import _skills_by_slug, _validated_spec, question_create, question_update


@dataclass
class GiftImportReport:
    questions: list[gift.ParsedQuestion]
    errors: list[gift.GiftError]
    created: list[Question] = field(default_factory=list)
    # Questions of the bank that a re-import rewrote (same ::name::, or same content).
    updated: list[Question] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return bool(self.created or self.updated)


def gift_content_hash(*, qtype: str, text: str, spec: dict[str, Any]) -> str:
    """What identifies an unnamed question across imports: its type, text and answers."""
    body = json.dumps([qtype, text.strip(), spec], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


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


def _gift_check_size(text: str, *, in_task: bool = False) -> None:
    """Refuse, before parsing, GIFT text over `ASSESSMENTS_GIFT_MAX_BYTES` or with more than
    `ASSESSMENTS_GIFT_MAX_QUESTIONS` blank-line separated blocks (questions); in a background
    task, over `ASSESSMENTS_GIFT_TASK_MAX_BYTES` or `…_TASK_MAX_QUESTIONS`."""
    if in_task:
        max_bytes = settings.ASSESSMENTS_GIFT_TASK_MAX_BYTES
        max_questions = settings.ASSESSMENTS_GIFT_TASK_MAX_QUESTIONS
        how = "imported, in the background"
    else:
        max_bytes = settings.ASSESSMENTS_GIFT_MAX_BYTES
        max_questions = settings.ASSESSMENTS_GIFT_MAX_QUESTIONS
        how = "read at once"
    size = len(text.encode())
    if size > max_bytes:
        raise AssessmentError(
            f"The GIFT text is {size / 1000:,.0f} kB; at most {max_bytes / 1000:,.0f} kB is "
            f"{how}. Split it into smaller files."
        )
    blocks = sum(1 for block in re.split(r"\n[ \t]*\n", text) if block.strip())
    if blocks > max_questions:
        raise AssessmentError(
            f"The GIFT text holds {blocks:,} questions; at most {max_questions:,} are "
            f"{how}. Split it into smaller files."
        )


def gift_needs_task(*, text: str) -> bool:
    """Whether `text` is over the caps read while the author waits (then the upload page
    imports it with a background task); AssessmentError over the task's own hard caps."""
    try:
        _gift_check_size(text)
    except AssessmentError:
        _gift_check_size(text, in_task=True)
        return True
    return False


def gift_preview(*, text: str) -> GiftImportReport:
    _gift_check_size(text)
    parsed = _gift_check_tags(gift.parse_gift(text))
    return GiftImportReport(parsed.questions, parsed.errors)


@transaction.atomic
def gift_import(*, bank: QuestionBank, text: str, import_valid: bool = False) -> GiftImportReport:
    """Import GIFT text into `bank`.

    With errors and `import_valid=False`, nothing is written and the report lists
    every error with its line; with `import_valid=True` the valid questions are
    written and the errors reported all the same. A question the bank already holds
    (same ::name::, or for an unnamed one the same type, text and answers) is updated in
    place, so importing a file twice leaves the bank as it was.
    """
    report = gift_preview(text=text)
    if not report.questions and not report.errors:
        raise AssessmentError("The file holds no questions.")
    if report.errors and not import_valid:
        return report
    writer = GiftWriter(bank, report)
    for q in report.questions:
        writer.write(q)
    return report


class GiftWriter:
    """Writes parsed questions into a bank: a question the bank already holds (same
    ::name::, or for an unnamed one the same type, text and answers) is updated in place."""

    def __init__(self, bank: QuestionBank, report: GiftImportReport) -> None:
        self.bank, self.report = bank, report
        slugs = {t for q in report.questions for t in q.tags}
        self.skills = {s.slug: s for s in Skill.objects.filter(slug__in=slugs)}
        existing = list(Question.objects.filter(bank=bank).order_by("pk"))
        self.by_title: dict[str, Question] = {}
        for question in existing:
            if question.title:
                self.by_title.setdefault(question.title, question)
        self.by_hash = {
            gift_content_hash(qtype=q.qtype, text=q.text, spec=q.spec): q
            for q in reversed(existing)
        }
        self.updated_pks: set[int] = set()

    def write(self, q: gift.ParsedQuestion) -> None:
        report, bank, skills = self.report, self.bank, self.skills
        by_title, by_hash = self.by_title, self.by_hash
        fields = {
            "qtype": q.qtype,
            "text": q.text,
            "spec": q.spec,
            "title": q.title[:200],
            "points": q.points,
            "category": q.category[:200],
            "general_feedback": q.general_feedback,
            "notes": q.notes,
            "skills": [skills[t] for t in q.tags],
        }
        content = gift_content_hash(
            qtype=q.qtype, text=q.text, spec=_validated_spec(q.qtype, q.spec)
        )
        match = by_title.get(q.title[:200]) if q.title else by_hash.get(content)
        if match is not None and match.pk not in self.updated_pks:
            self.updated_pks.add(match.pk)
            report.updated.append(question_update(question=match, **fields))
        else:
            report.created.append(question_create(bank=bank, **fields))


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
