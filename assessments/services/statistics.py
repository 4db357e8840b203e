"""Item statistics (facility, discrimination) per assessment question."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.tasks import enqueue_on_commit

from ..models import Assessment, AssessmentQuestion, ItemStatistic, Response
from ._common import Status


def item_statistics_recompute(*, assessment_id: int) -> list[ItemStatistic]:
    """Facility and discrimination of each question over every scored attempt.

    facility = mean share of the points earned; discrimination = Pearson
    correlation between the item's share and the attempt's score on the *other*
    items (corrected item-total correlation; for right/wrong items this is the
    point-biserial). Undefined (None) with fewer than 3 attempts or no variance.
    """
    import numpy as np  # only here: web processes import this module without needing it

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
    ids = list(Assessment.objects.filter(stats_dirty=True).values_list("pk", flat=True)[:limit])
    for assessment_id in ids:
        enqueue_on_commit("assessments.tasks.item_statistics_recompute", assessment_id)
    return len(ids)


def item_statistics_request(*, assessment: Assessment) -> None:
    enqueue_on_commit("assessments.tasks.item_statistics_recompute", assessment.pk)
