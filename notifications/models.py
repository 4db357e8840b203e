"""Notification kinds, per-person preferences, the sent-log and the in-app inbox.

The sent-log's unique key (person, kind, subject, period) is what makes every
notification at-most-once: a retried or duplicated job finds the row and sends nothing.
"""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    LEARNER_DIGEST = "learner_digest", "Weekly digest of what is due"
    OVERDUE = "overdue", "Overdue work"
    REVIEW_RESULT = "review_result", "Results of reviewed work"
    AT_RISK = "at_risk", "Learners at risk in my cohorts"
    COHORT_SUMMARY = "cohort_summary", "Weekly cohort summary"
    REVIEW_QUEUE = "review_queue", "Submissions waiting for my review"
    NUDGE = "nudge", "Nudges from my manager"


class Preference(models.Model):
    """A person's choice for one kind. No row means both channels are on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)
    in_app = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class SentLog(models.Model):
    """One row per notification ever sent; its unique key is the at-most-once guard."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(
        max_length=120, help_text='What it is about, e.g. "cohort:4:learner:17".'
    )
    period = models.CharField(
        max_length=32, blank=True, help_text='The period it covers, e.g. "2026-W49"; blank: once.'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "subject", "period"], name="notification_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.period} → {self.user}"


class Notification(models.Model):
    """An entry in a person's in-app list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's private calendar address. Regenerating replaces the token, so the old
    address stops working; deleting the row revokes the feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
