"""A learner's attempt: start, save answers and artifacts, check one answer, submit.

Submitting enqueues scoring by task name after commit (`config.tasks`).
"""

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from config.tasks import enqueue_on_commit
from org.models import User
from pathways.models import Lab

from .. import artifacts, opaque, post_check, scoring, xapi
from ..exceptions import AssessmentError
from ..models import Assessment, Attempt, Question, QuestionType, Response
from ._common import DEADLINE_GRACE, MAX_ANSWER_CHARS, MAX_SUBMISSION_CHARS, Kind, Status, _clean


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
    questions_by_id = {q.id: q for q in questions}
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
        # What the page and the API call each choice or item (assessments.opaque).
        "public": {
            qid: opaque.public_ids(order)
            for qid, order in choices.items()
            if questions_by_id[int(qid)].qtype != QuestionType.MATCHING
        },
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
        with transaction.atomic():
            _hold(current)
            if current.status == Status.IN_PROGRESS:
                _submit(current, now=now)
            else:
                # Submitted meanwhile, by a start pressed twice: that one started the next.
                following = Attempt.objects.filter(
                    assessment=assessment, user=user, status=Status.IN_PROGRESS
                ).first()
                if following is not None:
                    return following
    previous = Attempt.objects.filter(assessment=assessment, user=user)
    used = previous.count()
    left = attempts_left(assessment=assessment, used=used)
    if left == 0:
        raise AssessmentError(
            f"You have used all {assessment.attempts_allowed} attempt(s) at this assessment."
        )
    closed = post_check.post_check_closed(user=user, assessment=assessment, now=now)
    if closed:
        raise AssessmentError(closed)
    questions = [aq.question for aq in assessment.items.select_related("question")]
    if assessment.uses_questions and not questions and assessment.kind != Kind.LAB_CHECK:
        raise AssessmentError("This assessment has no questions yet.")
    phase = post_check.next_phase(user=user, assessment=assessment)
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
    xapi.attempt_started(attempt=attempt)
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
    *, attempt: Attempt, user: User, answers: Mapping[str | int, Any] | None = None, **parts: Any
) -> Attempt:
    """Save answers (autosave), and a lab's checklist and artifact or a rubric review's
    submission (`parts`, as `_save_parts` takes them). Refused once the attempt is
    submitted or time is up."""
    _own_attempt(attempt, user)
    now = timezone.now()
    with transaction.atomic():
        late = _hold_open(attempt, now)
        if not late:
            _save_parts(attempt, now, answers=answers, **parts)
    if late:
        raise AssessmentError(_late_message(attempt))
    return attempt


def _hold_open(attempt: Attempt, now: datetime) -> bool:
    """Hold the attempt (`_hold`) and refuse it once submitted. True when its time is up:
    then it is submitted here, with what was saved before."""
    _hold(attempt)
    if attempt.status != Status.IN_PROGRESS:
        raise AssessmentError("This attempt has been submitted; answers can no longer change.")
    if _is_late(attempt, now):
        _submit(attempt, now=now)
        return True
    return False


def _hold(attempt: Attempt) -> None:
    """Lock the attempt's row until the transaction ends and read its status again.

    A learner's requests on one attempt overlap: an autosave still on its way when
    they check an answer or submit. Held, they run one after another, each seeing
    what the one before saved (and a save after the submit is refused).
    """
    fields = ("status", "submitted_at", "enqueued_at", "submission_text", "submission_url")
    values = Attempt.objects.select_for_update().filter(pk=attempt.pk).values_list(*fields).get()
    for field, value in zip(fields, values, strict=True):
        setattr(attempt, field, value)


def _save_parts(
    attempt: Attempt,
    now: datetime,
    *,
    answers: Mapping[str | int, Any] | None = None,
    checklist: Iterable[int] | None = None,
    artifact: ArtifactUpload | None = None,
    submission_text: str | None = None,
    submission_url: str | None = None,
) -> None:
    if answers:
        _save_answers(attempt, answers, now)
    if checklist is not None:
        _save_checklist(attempt, checklist, now)
    if artifact is not None:
        _save_artifact(attempt, artifact, now)
    if submission_text is not None or submission_url is not None:
        _save_submission(attempt, submission_text, submission_url)


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
        attempt=attempt, kind=Response.Kind.CHECKLIST, defaults={"answer": ticked, "saved_at": now}
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
    if Question.objects.filter(
        pk=question_id, qtype__in=scoring.REVIEWED | scoring.UNSCORED
    ).exists():
        raise AssessmentError("This question is scored by a reviewer: it has no instant check.")
    _own_attempt(attempt, user)
    now = timezone.now()
    with transaction.atomic():
        late = _hold_open(attempt, now)
        if not late:
            _save_answers(attempt, {question_id: answer}, now)
            response = Response.objects.select_related("question").get(
                attempt=attempt, question_id=question_id
            )
            if response.checked_at is None:
                response.checked_at = now
                response.save(update_fields=["checked_at"])
    if late:
        raise AssessmentError(_late_message(attempt))
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
    now = timezone.now()
    with transaction.atomic():
        _hold(attempt)
        if attempt.status != Status.IN_PROGRESS:
            return attempt
        late = _is_late(attempt, now)
        if not late:
            _save_parts(attempt, now, answers=answers, **parts)
            if attempt.assessment.kind == Kind.RUBRIC and not (
                attempt.submission_text.strip() or attempt.submission_url
            ):
                raise AssessmentError(
                    "Write your submission (or give a link to it) before submitting."
                )
        _submit(attempt, now=now)
    if late and (answers or any(v is not None for v in parts.values())):
        raise AssessmentError(_late_message(attempt))
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
            if attempt.assessment.kind == Kind.LAB_CHECK:
                xapi.lab_submitted(attempt=attempt)
    if moved:
        attempt.status, attempt.submitted_at, attempt.enqueued_at = (
            Status.SUBMITTED,
            submitted_at,
            now,
        )
    return bool(moved)


def _enqueue_scoring(attempt_id: int) -> None:
    enqueue_on_commit("assessments.tasks.score_attempt", attempt_id)
