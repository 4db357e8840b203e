"""Question banks, assessments, attempts, responses, reviews, scores and item statistics.

A question's type-specific content (choices, accepted answers, tolerances, pairs…)
lives in `Question.spec`, a JSON document described by the pydantic models in
`assessments.scoring`; services validate it before saving.

Attempt life cycle (see docs/assessments.md):

    in_progress → submitted → scoring → scored
                                  ↘ awaiting_review → submitted → scoring → scored
                                  ↘ failed (a bug, not a transient error)

Only `score_attempt` moves an attempt out of `submitted`, by a conditional update;
the result is written once, guarded by the claim token, into a one-to-one `Score`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config import text_limits

Percent = [MinValueValidator(0), MaxValueValidator(100)]


class QuestionType(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple response"
    TRUE_FALSE = "true_false", "True / false"
    NUMERIC = "numeric", "Numeric"
    SHORT_TEXT = "short_text", "Short text"
    ORDERING = "ordering", "Ordering"
    MATCHING = "matching", "Matching"
    ESSAY = "essay", "Essay (scored by a reviewer with a rubric)"
    DESCRIPTION = "description", "Text block (not scored)"


class QuestionBank(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    qtype = models.CharField("type", max_length=16, choices=QuestionType.choices)
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(max_length=text_limits.MARKDOWN, help_text="Markdown.")
    spec = models.JSONField(
        default=dict, blank=True, help_text="Type-specific content; see scoring.py."
    )
    points = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    category = models.CharField(max_length=200, blank=True, help_text="Path, e.g. MLOps/Drift.")
    general_feedback = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    notes = models.TextField(
        blank=True,
        max_length=text_limits.DESCRIPTION,
        help_text="For authors only (GIFT comments).",
    )
    skills = models.ManyToManyField("pathways.Skill", blank=True, related_name="questions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "category", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="question_points_positive"),
        ]
        indexes = [models.Index(fields=["bank", "category"])]

    def __str__(self) -> str:
        return self.title or self.text[:60]


class Assessment(models.Model):
    class Kind(models.TextChoices):
        QUIZ = "quiz", "Module quiz"
        SKILL_CHECK = "skill_check", "Pre/post skill check"
        LAB_CHECK = "lab_check", "Lab check"
        RUBRIC = "rubric", "Rubric review"
        CERT_EXAM = "cert_exam", "Certification exam"

    class Phase(models.TextChoices):
        NONE = "", "Not a skill check"
        PRE = "pre", "Before the pathway"
        POST = "post", "After the pathway"
        BOTH = "both", "Same form before and after"

    class FeedbackTiming(models.TextChoices):
        IMMEDIATE = "immediate", "After each question"
        ON_SCORED = "on_scored", "When the attempt is scored"
        NEVER = "never", "Never (score only)"

    class PostOpens(models.TextChoices):
        ANY_TIME = "", "Any time after the pre check"
        MODULES_DONE = "modules_done", "When every module of its pathway is done"
        DAYS_AFTER_PRE = "days_after_pre", "A number of days after the pre check"

    class AnswersTiming(models.TextChoices):
        WITH_FEEDBACK = "with_feedback", "With the feedback"
        AFTER_FINAL = "after_final", "Once passed or no attempts are left"
        NEVER = "never", "Never"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, max_length=text_limits.DESCRIPTION, help_text="Markdown."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUIZ)
    module = models.ForeignKey(
        "pathways.Module", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pathway = models.ForeignKey(
        "pathways.Pathway", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lab = models.ForeignKey(
        "pathways.Lab", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    capstone = models.ForeignKey(
        "pathways.Capstone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    check_phase = models.CharField(max_length=8, choices=Phase.choices, blank=True, default="")
    post_opens = models.CharField(
        "post check opens",
        max_length=16,
        choices=PostOpens.choices,
        blank=True,
        default="",
        help_text="Skill checks: when a learner may take the post check.",
    )
    post_min_days = models.PositiveSmallIntegerField(
        "days after the pre check",
        default=0,
        help_text="Skill checks opening a number of days after the pre check: how many.",
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=Percent, help_text="Percent needed to pass."
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=0, help_text="0 means unlimited.")
    time_limit_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Enforced on the server; blank means no limit."
    )
    shuffle_questions = models.BooleanField(default=False)
    shuffle_choices = models.BooleanField(
        default=True, help_text="Each attempt shows choices in its own order; off fixes the order."
    )
    feedback_timing = models.CharField(
        max_length=16, choices=FeedbackTiming.choices, default=FeedbackTiming.ON_SCORED
    )
    answers_timing = models.CharField(
        max_length=16, choices=AnswersTiming.choices, default=AnswersTiming.AFTER_FINAL
    )
    rubric = models.JSONField(
        default=list, blank=True, help_text="[{criterion, description, levels: [{label, points}]}]"
    )
    reviewers_required = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    artifact_points = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(0)],
        help_text="Lab checks: points for an artifact that passes every rule.",
    )
    questions = models.ManyToManyField(
        Question, through="AssessmentQuestion", related_name="assessments", blank=True
    )
    skills = models.ManyToManyField("pathways.Skill", blank=True, related_name="assessments")
    is_published = models.BooleanField(default=False)
    stats_dirty = models.BooleanField(
        default=False, help_text="An attempt was scored since item statistics were computed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="assessment_pass_mark_pct"
            ),
            models.CheckConstraint(
                condition=Q(reviewers_required__gte=1, reviewers_required__lte=2),
                name="assessment_reviewers_1_2",
            ),
            models.CheckConstraint(
                condition=Q(kind="skill_check", check_phase__in=["pre", "post", "both"])
                | (~Q(kind="skill_check") & Q(check_phase="")),
                name="assessment_phase_iff_skill_check",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__isnull=True) | Q(time_limit_seconds__gt=0),
                name="assessment_time_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def uses_questions(self) -> bool:
        return self.kind != self.Kind.RUBRIC


class AssessmentQuestion(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="assessment_question_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: question {self.question_id} at {self.order}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted, waiting to be scored"
        SCORING = "scoring", "Being scored"
        AWAITING_REVIEW = "awaiting_review", "Waiting for review"
        SCORED = "scored", "Scored"
        FAILED = "failed", "Scoring failed"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(default=1)
    phase = models.CharField(
        max_length=8, blank=True, default="", help_text="Skill checks: pre or post."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    layout = models.JSONField(
        default=dict,
        help_text='{"questions": [id…], "choices": {question id: [choice id…]}} as presented.',
    )
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, help_text="worker host:pid")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker holding the claim."
    )
    submission_text = models.TextField(
        blank=True, max_length=text_limits.MARKDOWN, help_text="Rubric reviews: markdown."
    )
    submission_url = models.URLField(blank=True)
    scoring_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["assessment", "user"],
                condition=Q(status="in_progress"),
                name="attempt_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["user", "assessment"]),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} #{self.number} by {self.user}"


class Response(models.Model):
    """A learner's answer to one question (or the checklist / artifact of a lab check)."""

    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        CHECKLIST = "checklist", "Lab checklist"
        ARTIFACT = "artifact", "Lab artifact"

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUESTION)
    answer = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField()
    checked_at = models.DateTimeField(
        null=True, blank=True, help_text="Instant feedback was shown; the answer is locked."
    )
    points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    fraction = models.DecimalField(max_digits=7, decimal_places=6, null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    feedback = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["attempt", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"],
                condition=Q(question__isnull=False),
                name="response_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["attempt", "kind"],
                condition=~Q(kind="question"),
                name="response_once_per_lab_part",
            ),
            models.CheckConstraint(
                condition=(Q(kind="question") & Q(question__isnull=False))
                | (~Q(kind="question") & Q(question__isnull=True)),
                name="response_question_iff_kind_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} {self.kind} {self.question_id or ''}".strip()


class Score(models.Model):
    """The one result of an attempt. One-to-one: a second result cannot be stored."""

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    points = models.DecimalField(max_digits=8, decimal_places=2)
    max_points = models.DecimalField(max_digits=8, decimal_places=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2, validators=Percent)
    passed = models.BooleanField()
    scored_at = models.DateTimeField()
    claim_token = models.UUIDField(help_text="The claim that wrote this result.")
    scored_by = models.CharField(max_length=200, blank=True)
    breakdown = models.JSONField(
        default=dict, blank=True, help_text="Per skill and, for rubric reviews, per criterion."
    )

    class Meta:
        ordering = ["-scored_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="score_percent_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.percent}%"


class Review(models.Model):
    """One reviewer's scoring of a rubric-review attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessment_reviews"
    )
    levels = models.JSONField(help_text="Chosen level index per rubric criterion, in order.")
    points = models.DecimalField(max_digits=8, decimal_places=2)
    comment = models.TextField(blank=True, max_length=text_limits.COMMENT, help_text="Markdown.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempt", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "reviewer"], name="review_once_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.attempt} by {self.reviewer}"


class ResponseReview(models.Model):
    """A reviewer's rubric scoring of one essay response (question type `essay`)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="essay_reviews"
    )
    levels = models.JSONField(help_text="Chosen level index per rubric criterion, in order.")
    points = models.DecimalField(max_digits=8, decimal_places=2, help_text="Rubric points.")
    comment = models.TextField(blank=True, max_length=text_limits.COMMENT, help_text="Markdown.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["response", "created_at"]

    def __str__(self) -> str:
        return f"Review of {self.response_id} by {self.reviewer}"


class ItemStatistic(models.Model):
    """Facility and discrimination of one question within one assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="item_statistics"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="statistics")
    n = models.PositiveIntegerField()
    facility = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    discrimination = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["assessment", "question"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="item_statistic_once"),
        ]

    def __str__(self) -> str:
        return f"{self.question} in {self.assessment}: n={self.n}"


class GiftImport(models.Model):
    """A GIFT file too large to import while the author waits, imported by a task.

    `processed_count` of `total_count` questions are written (committed in chunks), so the
    status page shows the progress; `errors` keeps every question left out, with its line.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="gift_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(help_text="The GIFT text, kept until the import has run.")
    size_bytes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_count = models.PositiveIntegerField(null=True, blank=True)
    processed_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="One line per question.")
    message = models.TextField(blank=True, help_text="Why the import failed, if it did.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"GIFT import {self.pk} into {self.bank_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_count:
            return 0
        return min(100, self.processed_count * 100 // self.total_count)
