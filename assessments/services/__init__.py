"""Writes for question banks, assessments, attempts, scoring, reviews and statistics.

HTML views, the API and Celery tasks all call these (`from assessments.services import
attempt_submit`). Each raises AssessmentError for a request that cannot be carried
out; the API makes that a 400, the HTML views a message.

One module per concern:

- `authoring`: question banks, questions, assessments;
- `gift_import`: GIFT text in and out;
- `qti_import`: QTI items and packages in, QTI 3.0 packages out;
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
    gift_needs_task,
    gift_preview,
    question_as_gift,
    question_from_gift,
)
from .gift_tasks import gift_import_run, gift_import_start
from .qti_import import QtiImportReport, qti_export, qti_import
from .reviews import essay_review_submit, essays_awaiting_review, review_submit, score_override
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
    "QtiImportReport",
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
    "essay_review_submit",
    "essays_awaiting_review",
    "gift_import",
    "gift_import_run",
    "gift_import_start",
    "gift_needs_task",
    "gift_preview",
    "item_statistics_recompute",
    "item_statistics_recompute_dirty",
    "item_statistics_request",
    "lab_checklist",
    "qti_export",
    "qti_import",
    "question_as_gift",
    "question_bank_create",
    "question_bank_update",
    "question_create",
    "question_delete",
    "question_from_gift",
    "question_update",
    "review_submit",
    "score_override",
]
