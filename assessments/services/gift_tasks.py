"""GIFT files above the caps read while the author waits (and within the task's hard caps)
are imported by a background task, in committed chunks, with the progress on a page."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.tasks import enqueue_on_commit
from org.models import User

from .. import gift
from ..exceptions import AssessmentError
from ..models import GiftImport, QuestionBank
from .gift_import import GiftImportReport, GiftWriter, _gift_check_size, _gift_check_tags

logger = logging.getLogger(__name__)


def gift_import_start(*, bank: QuestionBank, text: str, user: User | None) -> GiftImport:
    """Keep the text and queue its import (after the commit; a message the broker refuses
    waits in the task outbox); the caps are checked first."""
    _gift_check_size(text, in_task=True)
    job = GiftImport.objects.create(
        bank=bank, created_by=user, text=text, size_bytes=len(text.encode())
    )
    enqueue_on_commit("assessments.tasks.gift_import_run", job.pk)
    return job


def gift_import_run(*, import_id: int) -> GiftImport:
    """Run a queued import once (a second delivery finds it taken and does nothing): every
    valid question is written, `ASSESSMENTS_GIFT_TASK_CHUNK` per transaction, and every
    question left out is kept in `errors` with its line and the reason."""
    taken = GiftImport.objects.filter(pk=import_id, status=GiftImport.Status.PENDING).update(
        status=GiftImport.Status.RUNNING
    )
    job = GiftImport.objects.select_related("bank").get(pk=import_id)
    if not taken:
        return job
    try:
        _run(job)
    except AssessmentError as exc:
        _finish(job, GiftImport.Status.FAILED, message=str(exc))
    except Exception:
        logger.exception("GIFT import %s failed", import_id)
        _finish(
            job, GiftImport.Status.FAILED, message="The import failed; nothing more was written."
        )
        raise
    return job


def _run(job: GiftImport) -> None:
    _gift_check_size(job.text, in_task=True)
    parsed = _gift_check_tags(gift.parse_gift(job.text))
    if not parsed.questions and not parsed.errors:
        raise AssessmentError("The file holds no questions.")
    job.total_count = len(parsed.questions)
    job.errors = [str(e) for e in parsed.errors]
    job.save(update_fields=["total_count", "errors"])
    report = GiftImportReport(parsed.questions, parsed.errors)
    writer = GiftWriter(job.bank, report)
    chunk = settings.ASSESSMENTS_GIFT_TASK_CHUNK
    for start in range(0, len(parsed.questions), chunk):
        with transaction.atomic():
            for question in parsed.questions[start : start + chunk]:
                try:
                    with transaction.atomic():
                        writer.write(question)
                except AssessmentError as exc:
                    error = gift.GiftError(question.line, str(exc), question.title)
                    job.errors.append(str(error))
            job.processed_count = min(start + chunk, len(parsed.questions))
            job.created_count, job.updated_count = len(report.created), len(report.updated)
            job.save(update_fields=["processed_count", "created_count", "updated_count", "errors"])
    _finish(job, GiftImport.Status.DONE)


def _finish(job: GiftImport, status: str, message: str = "") -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    # The text has been read: the results and errors are what the author needs now.
    job.text = ""
    job.save(update_fields=["status", "message", "finished_at", "text"])
