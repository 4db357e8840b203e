"""Writes for progress. Other apps (assessments) record completions through here."""

from django.utils import timezone

from pathways.models import Enrollment, Lab, Module, Progress


def progress_mark(
    *, user_id: int, status: str, lab: Lab | None = None, module: Module | None = None
) -> Progress | None:
    """Set the learner's progress on a lab or module of the pathway version they follow.

    Returns None when the learner is not enrolled on that pathway version. Never
    moves an item back from done; safe to call twice.
    """
    item_module = module if module is not None else lab.module  # type: ignore[union-attr]
    enrollment = Enrollment.objects.filter(
        user_id=user_id, pathway_id=item_module.pathway_id
    ).first()
    if enrollment is None:
        return None
    now = timezone.now()
    lookup = {"lab": lab} if lab is not None else {"module": module}
    progress, _ = Progress.objects.get_or_create(enrollment=enrollment, **lookup)
    if progress.status == Progress.Status.DONE or progress.status == status:
        return progress
    progress.status = status
    progress.started_at = progress.started_at or now
    if status == Progress.Status.DONE:
        progress.completed_at = now
    progress.save()
    return progress
