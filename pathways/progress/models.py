"""Cohorts, schedules and progress (imported by pathways.models; app label `pathways`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    checklist = models.JSONField(
        default=list,
        blank=True,
        help_text="Labs: the checklist items (0-based) the learner ticked; self-reported.",
    )

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


class Cohort(models.Model):
    """A group of people who run the 90-day programme together from one start date.

    Day 1 is `start_date`; the phases, due dates and day-30/60/90 minimums all count
    from it (pathways.progress.rules). Members follow the cohort pathway of their role.
    """

    name = models.CharField(max_length=200)
    start_date = models.DateField()
    pathways = models.ManyToManyField("pathways.Pathway", related_name="cohorts", blank=True)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_cohorts",
        help_text="The manager who sponsors the cohort.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enrolled_at = models.DateTimeField(
        null=True, blank=True, help_text="When members were last enrolled on their pathways."
    )

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name


class CohortMember(models.Model):
    """A person in a cohort, the role they train for there and the pathway they follow.

    `role` and `pathway` are fixed when the person joins, so later changes to their
    team membership do not move them between tracks mid-programme.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    role = models.ForeignKey(
        "pathways.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pathway = models.ForeignKey(
        "pathways.Pathway", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_champion = models.BooleanField(default=False, help_text="A change champion.")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cohort", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohort_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"
