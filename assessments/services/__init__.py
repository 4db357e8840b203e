"""Writes for question banks, assessments, attempts, scoring, reviews and statistics.

HTML views, the API and Celery tasks all call these (`from assessments.services import
attempt_submit`). Each raises AssessmentError for a request that cannot be carried
out; the API makes that a 400, the HTML views a message.

One module per concern:

- `authoring`: question banks, questions, assessments;
- `gift_import`: GIFT text in and out;
- `attempts`: start, save, check, submit (enqueues scoring);
- `scoring_runs`: claim and score submitted attempts (the pure scorer per question
  type is `assessments.scoring`);
- `certifications`: awards after scoring;
- `reviews`: reviewer scores for rubric-scored work;
- `sweeping`: expired attempts and lost claims;
- `statistics`: item statistics.
"""

from .attempts import (
    ArtifactUpload,
    CheckedAnswer,
    attempt_check,
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_left,
    lab_checklist,
)
from .authoring import (
    assessment_create,
    assessment_set_questions,
    assessment_update,
    question_bank_create,
    question_bank_update,
    question_create,
    question_delete,
    question_update,
)
from .certifications import certifications_update
from .gift_import import (
    GiftImportReport,
    gift_import,
    gift_preview,
    question_as_gift,
    question_from_gift,
)
from .reviews import review_submit
from .scoring_runs import ScoringRun, _score_batch, attempt_score
from .statistics import (
    item_statistics_recompute,
    item_statistics_recompute_dirty,
    item_statistics_request,
)
from .sweeping import SweepReport, attempt_requeue, attempts_sweep

__all__ = [
    "ArtifactUpload",
    "CheckedAnswer",
    "GiftImportReport",
    "ScoringRun",
    "SweepReport",
    "_score_batch",
    "assessment_create",
    "assessment_set_questions",
    "assessment_update",
    "attempt_check",
    "attempt_requeue",
    "attempt_save",
    "attempt_score",
    "attempt_start",
    "attempt_submit",
    "attempts_left",
    "attempts_sweep",
    "certifications_update",
    "gift_import",
    "gift_preview",
    "item_statistics_recompute",
    "item_statistics_recompute_dirty",
    "item_statistics_request",
    "lab_checklist",
    "question_as_gift",
    "question_bank_create",
    "question_bank_update",
    "question_create",
    "question_delete",
    "question_from_gift",
    "question_update",
    "review_submit",
]
