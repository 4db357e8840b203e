"""Writes for question banks, assessments, attempts, scoring, reviews and statistics.

HTML views, the API and Celery tasks all call these. Each raises AssessmentError
for a request that cannot be carried out; the API makes that a 400, the HTML
views a message.
"""

import json
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Max, Q
from django.utils import timezone

from config.celery_app import enqueue_on_commit
from org import access
from org.models import User
from pathways.models import (
    Certification,
    CertificationAward,
    Lab,
    Progress,
    Skill,
    SkillRating,
)
from pathways.progress.services import progress_mark_many

from . import artifacts, gift, scoring
from .exceptions import AssessmentError
from .models import (
    Assessment,
    AssessmentQuestion,
    Attempt,
    ItemStatistic,
    Question,
    QuestionBank,
    QuestionType,
    Response,
    Review,
    Score,
)

logger = logging.getLogger(__name__)

Status = Attempt.Status
Kind = Assessment.Kind
MAX_ANSWER_CHARS = 4000
MAX_SUBMISSION_CHARS = 50_000
# Answers that arrive this soon after the deadline still count (request latency).
DEADLINE_GRACE = timedelta(seconds=2)
CENT = Decimal("0.01")
# Database errors worth retrying: the connection dropped, a lock timed out.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise AssessmentError(
            "; ".join(
                f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                for k, v in exc.message_dict.items()
            )
        ) from exc


# --- banks and questions ---------------------------------------------------------------


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


# --- assessments -----------------------------------------------------------------------

_ASSESSMENT_FIELDS = (
    "slug", "title", "description", "kind", "module", "pathway", "lab", "capstone",
    "check_phase", "pass_mark", "attempts_allowed", "time_limit_seconds", "shuffle_questions",
    "shuffle_choices", "feedback_timing", "answers_timing", "rubric", "reviewers_required",
    "artifact_points", "is_published",
)  # fmt: skip


def _assessment_check(assessment: Assessment) -> None:
    kind = assessment.kind
    if kind == Kind.SKILL_CHECK and not assessment.check_phase:
        raise AssessmentError("A skill check needs a phase: pre, post or both.")
    if kind != Kind.SKILL_CHECK:
        assessment.check_phase = ""
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


# --- attempts ----------------------------------------------------------------------------


def _rubric_of(assessment: Assessment) -> list[dict[str, Any]]:
    return assessment.rubric or (assessment.capstone.rubric if assessment.capstone else [])


def lab_checklist(lab: Lab | None) -> list[str]:
    """The lab's checklist as text items (entries may be strings or {"item"/"text": …})."""
    if lab is None:
        return []
    items = []
    for entry in lab.checklist or []:
        if isinstance(entry, str):
            items.append(entry)
        elif isinstance(entry, dict):
            text = entry.get("item") or entry.get("text") or entry.get("label") or ""
            if text:
                items.append(str(text))
    return items


def _layout(assessment: Assessment, questions: list[Question], rng: random.Random) -> dict:
    ids = [q.id for q in questions]
    if assessment.shuffle_questions:
        rng.shuffle(ids)
    choices: dict[str, list[str]] = {}
    for q in questions:
        spec = q.spec
        if q.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            order = [c["id"] for c in spec["choices"]]
            if assessment.shuffle_choices:
                rng.shuffle(order)
        elif q.qtype == QuestionType.ORDERING:
            # Shown in the right order, the question would answer itself.
            right = [i["id"] for i in spec["items"]]
            order = list(right)
            while order == right:
                rng.shuffle(order)
        elif q.qtype == QuestionType.MATCHING:
            order = scoring.MatchingSpec.model_validate(spec).options
            rng.shuffle(order)
        else:
            continue
        choices[str(q.id)] = order
    layout: dict[str, Any] = {
        "questions": ids,
        "choices": choices,
        **_skill_snapshot(assessment, ids),
    }
    if assessment.kind == Kind.LAB_CHECK:
        layout["checklist"] = lab_checklist(assessment.lab)
        layout["artifact_schema"] = assessment.lab.artifact_schema if assessment.lab else ""
    if assessment.kind == Kind.RUBRIC:
        layout["rubric"] = _rubric_of(assessment)
    return layout


def _skill_snapshot(assessment: Assessment, question_ids: list[int]) -> dict[str, Any]:
    """The skills the attempt gives evidence for, fixed when it starts: per question, and
    for the whole (assessment, lab, capstone)."""
    per_question: dict[str, list[int]] = defaultdict(list)
    for qid, sid in Question.skills.through.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "skill_id"):
        per_question[str(qid)].append(sid)
    overall = set(assessment.skills.values_list("pk", flat=True)) if assessment.pk else set()
    if assessment.lab_id:
        overall |= set(
            Lab.skills.through.objects.filter(lab_id=assessment.lab_id).values_list(
                "skill_id", flat=True
            )
        )
    if assessment.capstone_id:
        overall |= set(assessment.capstone.skills.values_list("pk", flat=True))
    return {"skills": dict(per_question), "overall_skills": sorted(overall)}


def attempts_left(*, assessment: Assessment, used: int) -> int | None:
    """None when unlimited."""
    if not assessment.attempts_allowed:
        return None
    return max(0, assessment.attempts_allowed - used)


def attempt_start(
    *, user: User, assessment: Assessment, rng: random.Random | None = None
) -> Attempt:
    """Start an attempt, or return the one already in progress (within its time limit).

    An in-progress attempt whose time is up is submitted first, and counts.
    """
    if not assessment.is_published:
        raise AssessmentError("This assessment is not published yet.")
    now = timezone.now()
    current = Attempt.objects.filter(
        assessment=assessment, user=user, status=Status.IN_PROGRESS
    ).first()
    if current is not None:
        if not _is_late(current, now):
            return current
        _submit(current, now=now)
    previous = Attempt.objects.filter(assessment=assessment, user=user)
    used = previous.count()
    left = attempts_left(assessment=assessment, used=used)
    if left == 0:
        raise AssessmentError(
            f"You have used all {assessment.attempts_allowed} attempt(s) at this assessment."
        )
    questions = [aq.question for aq in assessment.items.select_related("question")]
    if assessment.uses_questions and not questions and assessment.kind != Kind.LAB_CHECK:
        raise AssessmentError("This assessment has no questions yet.")
    phase = ""
    if assessment.kind == Kind.SKILL_CHECK:
        if assessment.check_phase == Assessment.Phase.BOTH:
            phase = "post" if previous.filter(phase="pre").exists() else "pre"
        else:
            phase = assessment.check_phase
    number = (previous.aggregate(n=Max("number"))["n"] or 0) + 1
    attempt = Attempt(
        assessment=assessment,
        user=user,
        number=number,
        phase=phase,
        started_at=now,
        deadline_at=(
            now + timedelta(seconds=assessment.time_limit_seconds)
            if assessment.time_limit_seconds
            else None
        ),
        layout=_layout(assessment, questions, rng or random.Random()),
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        # Another request started one at the same moment; use that one.
        existing = Attempt.objects.filter(
            assessment=assessment, user=user, status=Status.IN_PROGRESS
        ).first()
        if existing is None:
            raise
        return existing
    return attempt


def _is_late(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE


def _late_message(attempt: Attempt) -> str:
    minutes = attempt.assessment.time_limit_seconds // 60
    limit = f"{minutes}-minute" if minutes else f"{attempt.assessment.time_limit_seconds}-second"
    ended = timezone.localtime(attempt.deadline_at).strftime("%H:%M:%S")
    return (
        f"Time is up: the {limit} limit ended at {ended}. Answers sent after that are not "
        "accepted; the attempt was submitted with the answers saved before the limit."
    )


def _own_attempt(attempt: Attempt, user: User) -> None:
    if attempt.user_id != user.pk:
        raise AssessmentError("This is not your attempt.")


@dataclass(frozen=True)
class ArtifactUpload:
    filename: str
    text: str


def _json_size(value: Any) -> int:
    return len(json.dumps(value, default=str))


def attempt_save(
    *,
    attempt: Attempt,
    user: User,
    answers: Mapping[str | int, Any] | None = None,
    checklist: Iterable[int] | None = None,
    artifact: ArtifactUpload | None = None,
    submission_text: str | None = None,
    submission_url: str | None = None,
) -> Attempt:
    """Save answers (autosave). Refused once the attempt is submitted or time is up."""
    _own_attempt(attempt, user)
    now = timezone.now()
    if attempt.status != Status.IN_PROGRESS:
        raise AssessmentError("This attempt has been submitted; answers can no longer change.")
    if _is_late(attempt, now):
        _submit(attempt, now=now)
        raise AssessmentError(_late_message(attempt))
    with transaction.atomic():
        if answers:
            _save_answers(attempt, answers, now)
        if checklist is not None:
            _save_checklist(attempt, checklist, now)
        if artifact is not None:
            _save_artifact(attempt, artifact, now)
        if submission_text is not None or submission_url is not None:
            _save_submission(attempt, submission_text, submission_url)
    return attempt


def _save_answers(attempt: Attempt, answers: Mapping[str | int, Any], now: datetime) -> None:
    allowed = {int(q) for q in attempt.layout.get("questions", [])}
    clean: dict[int, Any] = {}
    for key, answer in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            raise AssessmentError(f"{key!r} is not a question of this attempt.") from None
        if qid not in allowed:
            raise AssessmentError(f"Question {qid} is not part of this attempt.")
        if _json_size(answer) > MAX_ANSWER_CHARS:
            raise AssessmentError(f"The answer to question {qid} is too long.")
        clean[qid] = answer
    existing = {r.question_id: r for r in attempt.responses.filter(question_id__in=clean)}
    locked = [qid for qid, r in existing.items() if r.checked_at and r.answer != clean[qid]]
    if locked:
        raise AssessmentError(
            "An answer you have already checked cannot change (question "
            f"{', '.join(str(attempt.layout['questions'].index(q) + 1) for q in sorted(locked))})."
        )
    new, changed = [], []
    for qid, answer in clean.items():
        response = existing.get(qid)
        if response is None:
            new.append(Response(attempt=attempt, question_id=qid, answer=answer, saved_at=now))
        elif response.answer != answer:
            response.answer, response.saved_at = answer, now
            changed.append(response)
    Response.objects.bulk_create(new)
    Response.objects.bulk_update(changed, ["answer", "saved_at"])


def _save_checklist(attempt: Attempt, checklist: Iterable[int], now: datetime) -> None:
    items = attempt.layout.get("checklist", [])
    ticked = sorted(set(checklist))
    if any(
        not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(items) for i in ticked
    ):
        raise AssessmentError("A ticked checklist item does not exist.")
    Response.objects.update_or_create(
        attempt=attempt,
        kind=Response.Kind.CHECKLIST,
        defaults={"answer": ticked, "saved_at": now},
    )


def _save_artifact(attempt: Attempt, upload: ArtifactUpload, now: datetime) -> None:
    if not attempt.layout.get("artifact_schema"):
        raise AssessmentError("This lab takes no artifact.")
    if len(upload.text.encode()) > artifacts.MAX_ARTIFACT_BYTES:
        raise AssessmentError(
            f"The artifact is larger than {artifacts.MAX_ARTIFACT_BYTES // 1000} kB."
        )
    Response.objects.update_or_create(
        attempt=attempt,
        kind=Response.Kind.ARTIFACT,
        defaults={
            "answer": {"filename": upload.filename[:200], "text": upload.text},
            "saved_at": now,
        },
    )


def _save_submission(attempt: Attempt, text: str | None, url: str | None) -> None:
    if attempt.assessment.kind != Kind.RUBRIC:
        raise AssessmentError("Only rubric reviews take a written submission.")
    if text is not None:
        if len(text) > MAX_SUBMISSION_CHARS:
            raise AssessmentError(
                f"The submission is longer than {MAX_SUBMISSION_CHARS} characters."
            )
        attempt.submission_text = text
    if url is not None:
        attempt.submission_url = url.strip()
    _clean(attempt)
    attempt.save(update_fields=["submission_text", "submission_url"])


@dataclass(frozen=True)
class CheckedAnswer:
    response: Response
    result: scoring.Result


def attempt_check(*, attempt: Attempt, user: User, question_id: int, answer: Any) -> CheckedAnswer:
    """Instant feedback for one question: save the answer, lock it and score it here.

    Only for assessments whose feedback comes after each question. The attempt's
    score is still computed once, by the scoring task, after submission.
    """
    if attempt.assessment.feedback_timing != Assessment.FeedbackTiming.IMMEDIATE:
        raise AssessmentError("This assessment gives feedback only after it is submitted.")
    if _json_size(answer) > MAX_ANSWER_CHARS:
        raise AssessmentError("The answer is too long.")
    if scoring._is_empty(answer):
        raise AssessmentError("Answer the question before checking it.")
    attempt_save(attempt=attempt, user=user, answers={question_id: answer})
    now = timezone.now()
    response = Response.objects.select_related("question").get(
        attempt=attempt, question_id=question_id
    )
    if response.checked_at is None:
        Response.objects.filter(pk=response.pk, checked_at__isnull=True).update(checked_at=now)
        response.checked_at = now
    question = response.question
    return CheckedAnswer(response, scoring.score(question.qtype, question.spec, response.answer))


def attempt_submit(
    *, attempt: Attempt, user: User, answers: Mapping[str | int, Any] | None = None, **parts: Any
) -> Attempt:
    """Save the last answers and submit; scoring starts once the transaction commits.

    Submitting an attempt that is already submitted changes nothing. Answers sent
    after the time limit are refused (AssessmentError) and the attempt is submitted
    with what was saved before.
    """
    _own_attempt(attempt, user)
    if attempt.status != Status.IN_PROGRESS:
        return attempt
    now = timezone.now()
    if _is_late(attempt, now):
        _submit(attempt, now=now)
        if answers or any(v is not None for v in parts.values()):
            raise AssessmentError(_late_message(attempt))
        return attempt
    if answers or parts:
        attempt_save(attempt=attempt, user=user, answers=answers, **parts)
    if attempt.assessment.kind == Kind.RUBRIC and not (
        attempt.submission_text.strip() or attempt.submission_url
    ):
        raise AssessmentError("Write your submission (or give a link to it) before submitting.")
    _submit(attempt, now=now)
    return attempt


def _submit(attempt: Attempt, *, now: datetime) -> bool:
    """IN_PROGRESS → SUBMITTED and enqueue scoring on commit; False if it was not in progress."""
    submitted_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    with transaction.atomic():
        moved = Attempt.objects.filter(pk=attempt.pk, status=Status.IN_PROGRESS).update(
            status=Status.SUBMITTED, submitted_at=submitted_at, enqueued_at=now
        )
        if moved:
            _enqueue_scoring(attempt.pk)
    if moved:
        attempt.status, attempt.submitted_at, attempt.enqueued_at = (
            Status.SUBMITTED,
            submitted_at,
            now,
        )
    return bool(moved)


def _enqueue_scoring(attempt_id: int) -> None:
    from .tasks import score_attempt

    enqueue_on_commit(score_attempt, attempt_id)


# --- scoring ---------------------------------------------------------------------------


@dataclass
class ScoringRun:
    """What one call of `attempt_score` did."""

    claimed: list[int] = field(default_factory=list)
    scored: dict[int, Score] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)

    def score_of(self, attempt_id: int) -> Score | None:
        return self.scored.get(attempt_id)


def attempt_score(*, attempt_id: int, worker: str = "", batch: int | None = None) -> ScoringRun:
    """Score a submitted attempt exactly once, together with up to `batch - 1` others
    that have waited longest. Safe to call any number of times.

    1. Claim: SUBMITTED → SCORING with a fresh claim token, by a conditional update
       (rows another worker claimed first are not taken). Nothing claimed: another
       delivery has them, or they are done; return.
    2. In one transaction: lock the claimed attempts that still hold this token (if
       the sweeper handed one to someone else meanwhile, it is not written), score
       every response with the pure scorers, move them to SCORED and store points
       and feedback, one Score each (one-to-one: a second cannot be stored), skill
       evidence, progress and certification awards.

    After a deadline, when everyone submits at once, a backlog drains a few
    statements per batch instead of per attempt; the tasks of the attempts taken
    along find nothing to claim. A transient database error hands the claims back
    (SUBMITTED) and re-raises for the task to retry; an attempt that cannot be
    scored (a broken question, a bug) is marked FAILED with the reason without
    holding up the others.
    """
    size = batch or getattr(settings, "ASSESSMENTS_SCORING_BATCH", 100)
    token = uuid.uuid4()
    ids = _claim(attempt_id, token, worker, size)
    if not ids:
        return ScoringRun()
    mine = Attempt.objects.filter(pk__in=ids, status=Status.SCORING, claim_token=token)
    try:
        run = _score_batch(ids, token, worker)
    except TRANSIENT_ERRORS:
        try:
            mine.update(status=Status.SUBMITTED, claim_token=None, claimed_at=None)
        except TRANSIENT_ERRORS:
            logger.warning("attempts %s stay claimed; the sweeper will hand them back", ids)
        raise
    except Exception as exc:
        mine.update(status=Status.FAILED, scoring_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    for failed_id, reason in run.failed.items():
        logger.error("attempt %s could not be scored: %s", failed_id, reason)
    return run


def _claim(attempt_id: int, token: uuid.UUID, worker: str, size: int) -> list[int]:
    """SUBMITTED → SCORING for this attempt (if still waiting) and the longest-waiting
    others, up to `size`."""
    # Every scoring task runs this, most of them (once a backlog is taken) to find
    # nothing: one query on the status index, written out to spare building it each time.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')} FROM {quote(Attempt._meta.db_table)} "
            f"WHERE {quote('status')} = %s "
            f"ORDER BY ({quote('id')} = %s) DESC, {quote('submitted_at')}, {quote('id')} "
            "LIMIT %s",
            [Status.SUBMITTED.value, attempt_id, size],
        )
        candidates = [row[0] for row in cursor.fetchall()]
    if not candidates:
        return []
    # The conditional update is the claim: of two workers that picked the same
    # candidates, the second finds them no longer SUBMITTED and gets none of them.
    claimed = Attempt.objects.filter(pk__in=candidates, status=Status.SUBMITTED).update(
        status=Status.SCORING, claimed_at=timezone.now(), claim_token=token, claimed_by=worker
    )
    return candidates if claimed else []


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _score_batch(ids: list[int], token: uuid.UUID, worker: str) -> ScoringRun:
    run = ScoringRun(claimed=ids)
    with transaction.atomic():
        held = list(
            Attempt.objects.filter(pk__in=ids, status=Status.SCORING, claim_token=token)
            .select_for_update(of=("self",))
            .select_related(
                "assessment",
                "assessment__module",
                "assessment__lab__module",
                "assessment__capstone",
            )
            .order_by("pk")
        )
        held_ids = [a.pk for a in held]
        run.claimed = [pk for pk in ids if pk in set(held_ids)]
        if not held:
            return run
        responses: dict[int, list[_Row]] = defaultdict(list)
        questions: dict[int, Question] = {}
        if any(a.assessment.kind != Kind.RUBRIC for a in held):
            for pk, attempt_id, question_id, kind, answer in Response.objects.filter(
                attempt_id__in=held_ids
            ).values_list("id", "attempt_id", "question_id", "kind", "answer"):
                responses[attempt_id].append(_Row(pk, question_id, kind, answer))
            # Attempts of one assessment share their questions: load each once.
            questions = Question.objects.only(
                "id", "qtype", "spec", "points", "updated_at"
            ).in_bulk({int(q) for a in held for q in a.layout.get("questions", [])})
        reviews: dict[int, list[Review]] = defaultdict(list)
        rubric_ids = [a.pk for a in held if a.assessment.kind == Kind.RUBRIC]
        if rubric_ids:
            for review in Review.objects.filter(attempt_id__in=rubric_ids).order_by(
                "created_at", "pk"
            ):
                reviews[review.attempt_id].append(review)
        # Scored before (only if someone forced the status back): keep that one result.
        already = set(
            Score.objects.filter(attempt_id__in=held_ids).values_list("attempt_id", flat=True)
        )
        outcomes: dict[int, _Outcome] = {}
        awaiting: list[int] = []
        for attempt in held:
            if attempt.pk in already:
                continue
            try:
                if attempt.assessment.kind == Kind.RUBRIC:
                    outcome = _rubric_outcome(attempt, reviews[attempt.pk])
                else:
                    outcome = _response_outcome(attempt, responses[attempt.pk], questions)
            except DatabaseError:
                raise
            except Exception as exc:  # this attempt cannot be scored; the others can
                run.failed[attempt.pk] = f"{type(exc).__name__}: {exc}"[:2000]
                continue
            if outcome is None:
                awaiting.append(attempt.pk)
            else:
                outcomes[attempt.pk] = outcome
        done = list(outcomes) + sorted(already)
        if done:
            Attempt.objects.filter(pk__in=done).update(status=Status.SCORED)
        if awaiting:
            Attempt.objects.filter(pk__in=awaiting).update(
                status=Status.AWAITING_REVIEW, claim_token=None, claimed_at=None
            )
        for failed_id, reason in run.failed.items():
            Attempt.objects.filter(pk=failed_id).update(status=Status.FAILED, scoring_error=reason)
        if outcomes:
            run.scored = _store(held, outcomes, token, worker)
    return run


def _store(
    held: list[Attempt], outcomes: dict[int, "_Outcome"], token: uuid.UUID, worker: str
) -> dict[int, Score]:
    """Write the results of the attempts in `outcomes` (all locked, all now SCORED)."""
    now = timezone.now()
    attempts = [a for a in held if a.pk in outcomes]
    changed = [r for a in attempts for r in outcomes[a.pk].changed]
    if changed:
        _write_results(changed)
    missing = [r for a in attempts for r in outcomes[a.pk].missing]
    if missing:
        Response.objects.bulk_create(missing)
    scores = []
    for attempt in attempts:
        outcome = outcomes[attempt.pk]
        percent = (
            _q(outcome.points * 100 / outcome.max_points) if outcome.max_points else Decimal(0)
        )
        scores.append(
            Score(
                attempt=attempt,
                points=_q(outcome.points),
                max_points=_q(outcome.max_points),
                percent=min(percent, Decimal(100)),
                passed=percent >= attempt.assessment.pass_mark and outcome.requirement_met,
                scored_at=now,
                claim_token=token,
                scored_by=worker,
                breakdown=outcome.breakdown,
            )
        )
        attempt.status = Status.SCORED
    Score.objects.bulk_create(scores)
    ratings = [
        rating
        for attempt, score in zip(attempts, scores, strict=True)
        for rating in _skill_ratings(attempt, score, outcomes[attempt.pk])
    ]
    if ratings:
        SkillRating.objects.bulk_create(ratings, ignore_conflicts=True)
    _record_progress(attempts, scores)
    _award_certifications(triggers=attempts)
    # Item statistics need recomputing for assessments with questions.
    clean = {
        a.assessment_id
        for a in attempts
        if not a.assessment.stats_dirty and a.assessment.uses_questions
    }
    if clean:
        Assessment.objects.filter(pk__in=clean).update(stats_dirty=True)
    return {score.attempt_id: score for score in scores}


@dataclass(slots=True)
class _Row:
    """A saved response, as much of it as scoring reads and writes."""

    pk: int
    question_id: int | None
    kind: str
    answer: Any
    points: Decimal | None = None
    max_points: Decimal | None = None
    fraction: Decimal | None = None
    outcome: str = ""
    feedback: list[str] = field(default_factory=list)


@dataclass
class _Outcome:
    points: Decimal
    max_points: Decimal
    changed: list[_Row] = field(default_factory=list)
    missing: list[Response] = field(default_factory=list)
    # skill id → (points, max points) from the questions tagged with it
    per_skill: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)
    requirement_met: bool = True


_RESULT_FIELDS = ("points", "max_points", "fraction", "outcome", "feedback")


def _write_results(responses: list[_Row]) -> None:
    """Store each response's result in one statement.

    Same effect as bulk_update, which builds a CASE expression per row and field and
    then costs more than all the rest of scoring an attempt. PostgreSQL gets a single
    UPDATE … FROM unnest(one array per column); other databases one prepared UPDATE
    run for each row.
    """
    quote = connection.ops.quote_name
    table = quote(Response._meta.db_table)
    if connection.vendor == "postgresql":
        types = {"id": "bigint", "points": "numeric", "max_points": "numeric",
                 "fraction": "numeric", "outcome": "text", "feedback": "jsonb"}  # fmt: skip
        arrays = ", ".join(f"%s::{t}[]" for t in types.values())
        assignments = ", ".join(f"{quote(c)} = v.{c}" for c in list(types)[1:])
        sql = (
            f"UPDATE {table} AS r SET {assignments} FROM unnest({arrays}) "
            f"AS v({', '.join(types)}) WHERE r.id = v.id"
        )
        params = [
            [r.pk for r in responses],
            [r.points for r in responses],
            [r.max_points for r in responses],
            [r.fraction for r in responses],
            [r.outcome for r in responses],
            [json.dumps(r.feedback) for r in responses],
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    fields = [Response._meta.get_field(name) for name in _RESULT_FIELDS]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"
    rows = [
        [f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields] + [r.pk]
        for r in responses
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply(response: "_Row | Response", result: scoring.Result, max_points: Decimal) -> None:
    response.points = result.points(max_points)
    response.max_points = max_points
    response.fraction = result.fraction.quantize(Decimal("0.000001"))
    response.outcome = result.outcome.value
    response.feedback = list(result.feedback)


_SPECS: dict[tuple[int, datetime], Any] = {}


def _parsed_spec(question: Question) -> Any:
    """The question's validated spec, kept per process until the question changes."""
    key = (question.pk, question.updated_at)
    spec = _SPECS.get(key)
    if spec is None:
        try:
            spec = scoring.parse_spec(question.qtype, question.spec)
        except scoring.SpecError as exc:
            raise AssessmentError(f"question {question.pk} has an invalid spec: {exc}") from exc
        if len(_SPECS) > 5000:
            _SPECS.clear()
        _SPECS[key] = spec
    return spec


def _response_outcome(
    attempt: Attempt, responses: list[_Row], questions: dict[int, Question]
) -> _Outcome:
    layout = attempt.layout
    qids = [int(q) for q in layout.get("questions", [])]
    by_question = {r.question_id: r for r in responses if r.question_id}
    skill_links = {int(q): sids for q, sids in layout.get("skills", {}).items()}
    outcome = _Outcome(Decimal(0), Decimal(0))
    per_skill: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    now = timezone.now()
    for qid in qids:
        question = questions.get(qid)
        if question is None:
            continue
        response = by_question.get(qid)
        if response is None:
            response = Response(attempt=attempt, question=question, answer=None, saved_at=now)
            outcome.missing.append(response)
        else:
            outcome.changed.append(response)
        result = scoring.score(question.qtype, _parsed_spec(question), response.answer)
        _apply(response, result, question.points)
        outcome.points += response.points
        outcome.max_points += question.points
        for sid in skill_links.get(qid, ()):
            per_skill[sid][0] += response.points
            per_skill[sid][1] += question.points
    if attempt.assessment.kind == Kind.LAB_CHECK:
        _lab_parts(attempt, responses, outcome, now)
    outcome.per_skill = {sid: (p, m) for sid, (p, m) in per_skill.items()}
    outcome.breakdown = {
        "skills": {
            str(sid): {"points": str(_q(p)), "max": str(_q(m))}
            for sid, (p, m) in outcome.per_skill.items()
        }
    }
    return outcome


def _lab_parts(attempt: Attempt, responses: list[_Row], outcome: _Outcome, now: datetime) -> None:
    layout = attempt.layout
    items = layout.get("checklist", [])
    by_kind = {r.kind: r for r in responses if r.kind != Response.Kind.QUESTION}
    if items:
        response = by_kind.get(Response.Kind.CHECKLIST)
        if response is None:
            response = Response(
                attempt=attempt, kind=Response.Kind.CHECKLIST, answer=[], saved_at=now
            )
            outcome.missing.append(response)
        else:
            outcome.changed.append(response)
        ticked = {i for i in (response.answer or []) if isinstance(i, int)}
        done = sum(1 for i in range(len(items)) if i in ticked)
        fraction = Decimal(done) / Decimal(len(items))
        feedback = tuple(
            ("✓ " if i in ticked else "✗ not done: ") + text for i, text in enumerate(items)
        )
        result = scoring.Result(fraction, scoring._outcome(fraction), feedback)
        _apply(response, result, Decimal(len(items)))
        outcome.points += response.points
        outcome.max_points += Decimal(len(items))
    schema = layout.get("artifact_schema")
    if schema:
        max_points = attempt.assessment.artifact_points
        response = by_kind.get(Response.Kind.ARTIFACT)
        if response is None or not response.answer:
            if response is None:
                response = Response(
                    attempt=attempt, kind=Response.Kind.ARTIFACT, answer=None, saved_at=now
                )
                outcome.missing.append(response)
            else:
                outcome.changed.append(response)
            _apply(response, scoring.EMPTY, max_points)
            accepted = False
        else:
            outcome.changed.append(response)
            report = artifacts.validate_artifact(
                schema, response.answer.get("text", ""), response.answer.get("filename", "")
            )
            fraction = (
                Decimal(report.rules_passed) / Decimal(len(report.rules))
                if (report.valid and report.rules)
                else Decimal(0)
            )
            result = scoring.Result(
                fraction, scoring._outcome(fraction), tuple(report.as_feedback())
            )
            _apply(response, result, max_points)
            accepted = report.accepted
        outcome.points += response.points
        outcome.max_points += max_points
        # A lab with an artifact is passed only with an artifact that passes every rule.
        outcome.requirement_met = accepted


def _rubric_outcome(attempt: Attempt, reviews: list[Review]) -> _Outcome | None:
    required = attempt.assessment.reviewers_required
    if len(reviews) < required:
        return None
    rubric = scoring.parse_rubric(attempt.layout.get("rubric") or _rubric_of(attempt.assessment))
    reviews = reviews[:required]
    points = sum((r.points for r in reviews), Decimal(0)) / Decimal(len(reviews))
    criteria = []
    for index, criterion in enumerate(rubric.criteria):
        chosen = [r.levels[index] for r in reviews]
        level_points = [criterion.levels[c].points for c in chosen]
        criteria.append(
            {
                "criterion": criterion.criterion,
                "levels": [criterion.levels[c].label for c in chosen],
                "points": str(_q(sum(level_points, Decimal(0)) / len(level_points))),
                "max": str(max(lv.points for lv in criterion.levels)),
            }
        )
    breakdown: dict[str, Any] = {"criteria": criteria, "reviews": [r.pk for r in reviews]}
    if len(reviews) == 2:
        agreement = scoring.rubric_agreement(rubric, reviews[0].levels, reviews[1].levels)
        breakdown["agreement"] = {
            "same_level": agreement.same_level,
            "criteria": agreement.criteria,
            "points_apart": str(agreement.points_apart),
        }
    return _Outcome(points, rubric.max_points, breakdown=breakdown)


def _skill_ratings(attempt: Attempt, score: Score, outcome: _Outcome) -> list[SkillRating]:
    """One SkillRating (source: assessment) per skill; `source_ref` makes it once only."""
    assessment = attempt.assessment
    levels: dict[int, tuple[int, str]] = {}
    for sid, (points, max_points) in outcome.per_skill.items():
        if max_points:
            levels[sid] = (
                scoring.level_from_fraction(points / max_points),
                f"{_q(points)}/{_q(max_points)} points on the questions for this skill",
            )
    overall = score.points / score.max_points if score.max_points else Decimal(0)
    skill_ids = set(attempt.layout.get("overall_skills", []))
    for sid in skill_ids - levels.keys():
        levels[sid] = (scoring.level_from_fraction(overall), f"{score.percent}% overall")
    return [
        SkillRating(
            person_id=attempt.user_id,
            skill_id=sid,
            level=level,
            source=SkillRating.Source.ASSESSMENT,
            note=f"{assessment.title} (attempt {attempt.number}): {why}"[:1000],
            rated_at=score.scored_at,
            source_ref=f"attempt:{attempt.pk}",
        )
        for sid, (level, why) in sorted(levels.items())
    ]


def _record_progress(attempts: Sequence[Attempt], scores: Sequence[Score]) -> None:
    """A module quiz or lab check moves its module or lab: done when passed."""
    marks = []
    for attempt, score in zip(attempts, scores, strict=True):
        assessment = attempt.assessment
        status = Progress.Status.DONE if score.passed else Progress.Status.IN_PROGRESS
        if assessment.kind == Kind.QUIZ and assessment.module_id:
            marks.append((attempt.user_id, status, assessment.module, None))
        elif assessment.kind == Kind.LAB_CHECK and assessment.lab_id:
            marks.append((attempt.user_id, status, None, assessment.lab))
    progress_mark_many(marks)


# --- certifications ------------------------------------------------------------------------


def _mentions(criteria: Mapping[str, Any], attempt: Attempt) -> bool:
    a = attempt.assessment
    if a.slug in (criteria.get("assessments") or []):
        return True
    if a.lab_id and a.lab.slug in (criteria.get("labs") or []):
        return True
    return bool(a.capstone_id and criteria.get("capstone") == a.capstone.slug)


def certifications_update(*, user_id: int) -> list[CertificationAward]:
    """Award every certification whose criteria the user now meets (each once).

    Criteria: {"assessments": [slug…], "labs": [slug…], "capstone": slug,
    "capstone_min_score": percent}. An assessment counts when passed; a lab when
    its lab check is passed (or, for a lab without a published lab check, when its
    progress is done, which the learner reports themselves, unless the criteria say
    "requires_evidence": true); the capstone when a rubric review of it is scored at or
    above the minimum (default: passed). Scoring calls this for the certifications
    that mention what was just scored; call it after anything else that may
    complete a certification.
    """
    return _award_certifications(user_ids={user_id})


def _award_certifications(
    *, triggers: list[Attempt] | None = None, user_ids: set[int] | None = None
) -> list[CertificationAward]:
    certifications = [
        c
        for c in Certification.objects.all()
        if isinstance(c.criteria, dict)
        and any(c.criteria.get(k) for k in ("assessments", "labs", "capstone"))
    ]
    candidates: dict[int, set[int]] = {}
    for cert in certifications:
        if triggers is None:
            candidates[cert.pk] = set(user_ids or ())
        else:
            users = {t.user_id for t in triggers if _mentions(cert.criteria, t)}
            if users:
                candidates[cert.pk] = users
    everyone = set().union(*candidates.values()) if candidates else set()
    if not everyone:
        return []
    awarded = set(
        CertificationAward.objects.filter(
            certification_id__in=candidates, user_id__in=everyone
        ).values_list("certification_id", "user_id")
    )
    awards = []
    for cert in certifications:
        users = {u for u in candidates.get(cert.pk, ()) if (cert.pk, u) not in awarded}
        for user_id, evidence in _criteria_met(cert, users).items():
            award, created = CertificationAward.objects.get_or_create(
                certification=cert, user_id=user_id, defaults={"evidence": evidence}
            )
            if created:
                awards.append(award)
    return awards


def _criteria_met(cert: Certification, user_ids: set[int]) -> dict[int, dict]:
    """The users (of `user_ids`) who meet every criterion, with the evidence for each."""
    criteria = cert.criteria
    if not user_ids:
        return {}
    scored = Attempt.objects.filter(user_id__in=user_ids, status=Status.SCORED)
    evidence: dict[int, dict[str, Any]] = {u: {"assessments": {}, "labs": {}} for u in user_ids}
    slugs = list(criteria.get("assessments") or [])
    if slugs:
        passed: dict[int, dict[str, int]] = defaultdict(dict)
        for user_id, slug, pk in (
            scored.filter(assessment__slug__in=slugs, score__passed=True)
            .order_by("pk")
            .values_list("user_id", "assessment__slug", "pk")
        ):
            passed[user_id][slug] = pk
        for user_id in list(evidence):
            if any(slug not in passed[user_id] for slug in slugs):
                del evidence[user_id]
            else:
                evidence[user_id]["assessments"] = {slug: passed[user_id][slug] for slug in slugs}
    labs = list(criteria.get("labs") or [])
    if labs and evidence:
        checks = scored.filter(
            assessment__kind=Kind.LAB_CHECK, assessment__lab__slug__in=labs, score__passed=True
        )
        done = Progress.objects.filter(
            enrollment__user_id__in=evidence, lab__slug__in=labs, status=Progress.Status.DONE
        )
        if cert.pathway_slug:
            checks = checks.filter(assessment__lab__module__pathway__slug=cert.pathway_slug)
            done = done.filter(lab__module__pathway__slug=cert.pathway_slug)
        passed_labs = {
            (u, slug): pk
            for u, slug, pk in checks.order_by("pk").values_list(
                "user_id", "assessment__lab__slug", "pk"
            )
        }
        done_labs = set(done.values_list("enrollment__user_id", "lab__slug"))
        checked = set(
            Assessment.objects.filter(
                kind=Kind.LAB_CHECK, lab__slug__in=labs, is_published=True
            ).values_list("lab__slug", flat=True)
        )
        for user_id in list(evidence):
            for slug in labs:
                if (user_id, slug) in passed_labs:
                    evidence[user_id]["labs"][slug] = (
                        f"lab check attempt {passed_labs[user_id, slug]}"
                    )
                elif (
                    slug not in checked
                    and (user_id, slug) in done_labs
                    and not criteria.get("requires_evidence")
                ):
                    evidence[user_id]["labs"][slug] = "progress done"
                else:
                    del evidence[user_id]
                    break
    capstone = criteria.get("capstone")
    if capstone and evidence:
        minimum = criteria.get("capstone_min_score")
        reviews = scored.filter(user_id__in=evidence, assessment__capstone__slug=capstone)
        if cert.pathway_slug:
            reviews = reviews.filter(assessment__capstone__pathway__slug=cert.pathway_slug)
        if minimum is not None:
            reviews = reviews.filter(score__percent__gte=Decimal(str(minimum)))
        else:
            reviews = reviews.filter(score__passed=True)
        best: dict[int, tuple[int, Decimal]] = {}
        for user_id, pk, percent in reviews.order_by("-score__percent", "pk").values_list(
            "user_id", "pk", "score__percent"
        ):
            best.setdefault(user_id, (pk, percent))
        for user_id in list(evidence):
            if user_id not in best:
                del evidence[user_id]
            else:
                pk, percent = best[user_id]
                evidence[user_id]["capstone"] = {
                    "slug": capstone,
                    "attempt": pk,
                    "percent": str(percent),
                }
    return evidence


# --- reviews -------------------------------------------------------------------------------


def review_submit(
    *, attempt: Attempt, reviewer: User, levels: list[int], comment: str = ""
) -> Review:
    """Record one reviewer's rubric scores. When the last required review is in, the
    attempt goes back to SUBMITTED and is scored (once) by the scoring task."""
    if not access.is_author(reviewer):
        raise AssessmentError("Only authors review submissions.")
    if attempt.user_id == reviewer.pk:
        raise AssessmentError("You cannot review your own submission.")
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("assessment").get(pk=attempt.pk)
        if locked.assessment.kind != Kind.RUBRIC:
            raise AssessmentError("Only rubric reviews are reviewed.")
        if locked.status != Status.AWAITING_REVIEW:
            raise AssessmentError("This submission is not waiting for a review.")
        reviews = list(locked.reviews.all())
        if any(r.reviewer_id == reviewer.pk for r in reviews):
            raise AssessmentError("You have already reviewed this submission.")
        if len(reviews) >= locked.assessment.reviewers_required:
            raise AssessmentError("This submission already has all its reviews.")
        rubric = scoring.parse_rubric(locked.layout.get("rubric") or _rubric_of(locked.assessment))
        try:
            points = scoring.rubric_points(rubric, list(levels))
        except ValueError as exc:
            raise AssessmentError(str(exc).capitalize() + ".") from exc
        review = Review.objects.create(
            attempt=locked,
            reviewer=reviewer,
            levels=list(levels),
            points=points,
            comment=comment[:MAX_SUBMISSION_CHARS],
        )
        if len(reviews) + 1 >= locked.assessment.reviewers_required:
            Attempt.objects.filter(pk=locked.pk, status=Status.AWAITING_REVIEW).update(
                status=Status.SUBMITTED, enqueued_at=timezone.now()
            )
            _enqueue_scoring(locked.pk)
    return review


# --- the sweeper ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    expired: int
    released: int
    requeued: int


def attempts_sweep(
    *,
    grace: timedelta | None = None,
    stale_after: timedelta | None = None,
    limit: int = 500,
) -> SweepReport:
    """Keep attempts moving when a message was lost or a worker died.

    - in-progress attempts past their deadline are submitted;
    - SCORING claims older than `stale_after` (longer than any task may run) go
      back to SUBMITTED: their worker is gone, and its late write, if any, would
      fail the claim-token guard;
    - SUBMITTED attempts not (re)enqueued for `grace` are enqueued again, e.g.
      because the broker was down when they were submitted.
    """
    if grace is None:
        grace = timedelta(seconds=getattr(settings, "ASSESSMENTS_SWEEP_GRACE", 120))
    if stale_after is None:
        # No task outlives the hard time limit, so an older claim belongs to a dead worker.
        stale_after = timedelta(
            seconds=getattr(
                settings, "ASSESSMENTS_SCORING_STALE_AFTER", settings.CELERY_TASK_TIME_LIMIT + 60
            )
        )
    now = timezone.now()
    expired = 0
    for attempt in Attempt.objects.filter(
        status=Status.IN_PROGRESS, deadline_at__lt=now - DEADLINE_GRACE
    ).select_related("assessment")[:limit]:
        expired += _submit(attempt, now=now)
    released = Attempt.objects.filter(
        status=Status.SCORING, claimed_at__lt=now - stale_after
    ).update(status=Status.SUBMITTED, claim_token=None, claimed_at=None, enqueued_at=None)
    # enqueued_at is set whenever a task is sent; released claims clear it so they go at once.
    due = list(
        Attempt.objects.filter(status=Status.SUBMITTED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - grace))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
    with transaction.atomic():
        Attempt.objects.filter(pk__in=due, status=Status.SUBMITTED).update(enqueued_at=now)
        for attempt_id in due:
            _enqueue_scoring(attempt_id)
    if expired or released or due:
        logger.info("sweep: %s expired, %s released, %s requeued", expired, released, len(due))
    return SweepReport(expired, released, len(due))


def attempt_requeue(*, attempt: Attempt) -> bool:
    """Send a FAILED attempt back for scoring (after the cause was fixed)."""
    with transaction.atomic():
        moved = Attempt.objects.filter(pk=attempt.pk, status=Status.FAILED).update(
            status=Status.SUBMITTED,
            scoring_error="",
            claim_token=None,
            claimed_at=None,
            enqueued_at=timezone.now(),
        )
        if moved:
            _enqueue_scoring(attempt.pk)
    return bool(moved)


# --- item statistics ---------------------------------------------------------------------


def item_statistics_recompute(*, assessment_id: int) -> list[ItemStatistic]:
    """Facility and discrimination of each question over every scored attempt.

    facility = mean share of the points earned; discrimination = Pearson
    correlation between the item's share and the attempt's score on the *other*
    items (corrected item-total correlation; for right/wrong items this is the
    point-biserial). Undefined (None) with fewer than 3 attempts or no variance.
    """
    Assessment.objects.filter(pk=assessment_id).update(stats_dirty=False)
    rows = list(
        Response.objects.filter(
            attempt__assessment_id=assessment_id,
            attempt__status=Status.SCORED,
            kind=Response.Kind.QUESTION,
            fraction__isnull=False,
        ).values_list("attempt_id", "question_id", "fraction", "points", "attempt__score__points")
    )
    by_question: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for _attempt_id, qid, fraction, points, total in rows:
        by_question[qid].append((float(fraction), float(total - points)))
    question_ids = list(
        AssessmentQuestion.objects.filter(assessment_id=assessment_id).values_list(
            "question_id", flat=True
        )
    )
    now = timezone.now()
    stats = []
    for qid in sorted(set(question_ids) | set(by_question)):
        values = by_question.get(qid, [])
        n = len(values)
        facility = discrimination = None
        if n:
            item = np.array([v[0] for v in values])
            rest = np.array([v[1] for v in values])
            facility = Decimal(str(round(float(item.mean()), 4)))
            if n >= 3 and item.std() > 0 and rest.std() > 0:
                r = float(np.corrcoef(item, rest)[0, 1])
                discrimination = Decimal(str(round(r, 4)))
        stats.append(
            ItemStatistic(
                assessment_id=assessment_id,
                question_id=qid,
                n=n,
                facility=facility,
                discrimination=discrimination,
                computed_at=now,
            )
        )
    with transaction.atomic():
        ItemStatistic.objects.filter(assessment_id=assessment_id).exclude(
            question_id__in=[s.question_id for s in stats]
        ).delete()
        ItemStatistic.objects.bulk_create(
            stats,
            update_conflicts=True,
            unique_fields=["assessment", "question"],
            update_fields=["n", "facility", "discrimination", "computed_at"],
        )
    return stats


def item_statistics_recompute_dirty(*, limit: int = 50) -> int:
    from .tasks import item_statistics_recompute as task

    ids = list(Assessment.objects.filter(stats_dirty=True).values_list("pk", flat=True)[:limit])
    for assessment_id in ids:
        enqueue_on_commit(task, assessment_id)
    return len(ids)


def item_statistics_request(*, assessment: Assessment) -> None:
    from .tasks import item_statistics_recompute as task

    enqueue_on_commit(task, assessment.pk)
