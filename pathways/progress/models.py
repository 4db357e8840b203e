"""Cohorts, schedules and progress (imported by pathways.models; app label `pathways`)."""

from django.db import models
from django.db.models import Q


class Progress(models.Model):
    """A learner's state on one module or one lab of the pathway version they follow.

    Exactly one of `module` / `lab` is set. "Overdue" is not stored: it is derived
    from the cohort schedule when the item is not done by its due date.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    enrollment = models.ForeignKey(
        "pathways.Enrollment", on_delete=models.CASCADE, related_name="progress"
    )
    module = models.ForeignKey(
        "pathways.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lab = models.ForeignKey(
        "pathways.Lab", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(module__isnull=False) & Q(lab__isnull=True))
                | (Q(module__isnull=True) & Q(lab__isnull=False)),
                name="progress_module_xor_lab",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "module"],
                condition=Q(module__isnull=False),
                name="progress_once_per_module",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "lab"],
                condition=Q(lab__isnull=False),
                name="progress_once_per_lab",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.module or self.lab}: {self.status}"
