"""Scoring submitted attempts exactly once, in batches: claim, score every response
with the pure scorers of `assessments.scoring`, store the score, skill evidence and
progress, award certifications.
"""

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from config.tasks import enqueue_on_commit
from pathways import page_cache
from pathways.models import Progress, SkillRating
from pathways.progress.services import progress_mark_many

from .. import artifacts, scoring, xapi
from ..claims import claim_heartbeat, claim_take_over
from ..exceptions import AssessmentError
from ..models import Assessment, Attempt, Question, Response, ResponseReview, Review, Score
from ._common import CENT, TRANSIENT_ERRORS, Kind, Status
from .attempts import _rubric_of
from .certifications import _award_certifications

logger = logging.getLogger("assessments.services")


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
    if not ids and claim_take_over(attempt_id=attempt_id):
        # A redelivery after its worker died: take its claims over now.
        ids = _claim(attempt_id, token, worker, size)
    if not ids:
        return ScoringRun()
    mine = Attempt.objects.filter(pk__in=ids, status=Status.SCORING, claim_token=token)
    try:
        with claim_heartbeat(token):
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
    now = timezone.now()
    claimed = Attempt.objects.filter(pk__in=candidates, status=Status.SUBMITTED).update(
        status=Status.SCORING,
        claimed_at=now,
        heartbeat_at=now,
        claim_token=token,
        claimed_by=worker,
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
        # Essays are scored from their reviewer's rubric levels (loaded only when asked).
        essay_levels: dict[int, list[int]] = {}
        if any(q.qtype in scoring.REVIEWED for q in questions.values()):
            essay_levels = dict(
                ResponseReview.objects.filter(response__attempt_id__in=held_ids).values_list(
                    "response_id", "levels"
                )
            )
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
                    outcome = _response_outcome(
                        attempt, responses[attempt.pk], questions, essay_levels
                    )
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
    for attempt, score in zip(attempts, scores, strict=True):
        xapi.attempt_scored(attempt=attempt, score=score)
    ratings = [
        rating
        for attempt, score in zip(attempts, scores, strict=True)
        for rating in _skill_ratings(attempt, score, outcomes[attempt.pk])
    ]
    if ratings:
        SkillRating.objects.bulk_create(ratings, ignore_conflicts=True)
        page_cache.learners_changed(r.person_id for r in ratings)
    _record_progress(attempts, scores)
    _award_certifications(triggers=attempts)
    # Item statistics need recomputing for assessments with questions.
    clean = {
        a.assessment_id
        for a in attempts
        if not a.assessment.stats_dirty and a.assessment.uses_questions
    }
    if clean:
        # Debounced: only the attempt that turns an assessment's statistics dirty
        # schedules a recompute; attempts scored before it runs find them dirty
        # already. The recompute clears the flag first, so later scores schedule again.
        Assessment.objects.filter(pk__in=clean).update(stats_dirty=True)
        delay = settings.ITEM_STATISTICS_DEBOUNCE_SECONDS
        for assessment_id in sorted(clean):
            enqueue_on_commit(
                "assessments.tasks.item_statistics_recompute", assessment_id, countdown=delay
            )
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
    attempt: Attempt,
    responses: list[_Row],
    questions: dict[int, Question],
    essay_levels: dict[int, list[int]] | None = None,
) -> _Outcome | None:
    """The attempt's result from its answers; None while an answered essay awaits review."""
    layout = attempt.layout
    qids = [int(q) for q in layout.get("questions", [])]
    by_question = {r.question_id: r for r in responses if r.question_id}
    skill_links = {int(q): sids for q, sids in layout.get("skills", {}).items()}
    outcome = _Outcome(Decimal(0), Decimal(0))
    per_skill: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    now = timezone.now()
    for qid in qids:
        question = questions.get(qid)
        if question is None or question.qtype in scoring.UNSCORED:
            continue
        response = by_question.get(qid)
        if response is None:
            response = Response(attempt=attempt, question=question, answer=None, saved_at=now)
            outcome.missing.append(response)
        else:
            outcome.changed.append(response)
        result = scoring.score(question.qtype, _parsed_spec(question), response.answer)
        if result.outcome == scoring.Outcome.AWAITING_REVIEW:
            levels = (essay_levels or {}).get(getattr(response, "pk", None) or 0)
            if levels is None:
                return None
            result = scoring.score_essay_review(_parsed_spec(question), response.answer, levels)
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
                scoring.level_from_fraction(points / max_points, passed=score.passed),
                f"{_q(points)}/{_q(max_points)} points on the questions for this skill",
            )
    overall = score.points / score.max_points if score.max_points else Decimal(0)
    skill_ids = set(attempt.layout.get("overall_skills", []))
    for sid in skill_ids - levels.keys():
        levels[sid] = (
            scoring.level_from_fraction(overall, passed=score.passed),
            f"{score.percent}% overall" + ("" if score.passed else ", not passed"),
        )
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
