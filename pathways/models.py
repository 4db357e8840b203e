"""Curriculum (roles, skills, pathways, modules, labs, capstones, certifications),
enrollments and skill evidence.

A pathway is versioned: each version is its own row (same `slug`, rising `version`),
with its own modules and labs. Publishing freezes a version; an enrollment points at
the version the learner started, so later versions never change what they see.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from config import text_limits

Level = [MinValueValidator(1), MaxValueValidator(5)]
MIN_WEEKS, MAX_WEEKS = 10, 12


class Pillar(models.TextChoices):
    PROMPT_ENGINEERING = "prompt-engineering", "Prompt engineering"
    TESTING = "testing", "Testing"
    OBSERVABILITY = "observability", "Observability"
    GOVERNANCE = "governance", "Governance"
    MODEL_OPERATIONS = "model-operations", "Model operations"
    DATA_QUALITY = "data-quality", "Data quality"
    SECURITY = "security", "Security"
    INCIDENT_RESPONSE = "incident-response", "Incident response"
    AI_FUNDAMENTALS = "ai-fundamentals", "AI fundamentals"
    DELIVERY = "delivery", "Delivery and MLOps"
    COLLABORATION = "collaboration", "Collaboration and change"


class Role(models.Model):
    """A job role. `exposure` and `influence` (1–5) rank roles by risk for cohort picking."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    cluster = models.CharField(max_length=80, blank=True, help_text="Role cluster, e.g. Builders.")
    exposure = models.PositiveSmallIntegerField(validators=Level, default=3)
    influence = models.PositiveSmallIntegerField(validators=Level, default=3)
    career_ladder = models.JSONField(
        default=list,
        blank=True,
        help_text="Steps of the career ladder: [{career_level, title, summary, expectations}].",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exposure__gte=1, exposure__lte=5), name="role_exposure_1_5"
            ),
            models.CheckConstraint(
                condition=Q(influence__gte=1, influence__lte=5), name="role_influence_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    class Kind(models.TextChoices):
        KNOWLEDGE = "knowledge", "Knowledge"
        SKILL = "skill", "Skill"
        BEHAVIOUR = "behaviour", "Behaviour"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=160)
    pillar = models.CharField(max_length=32, choices=Pillar.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SKILL)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)

    class Meta:
        ordering = ["pillar", "name"]

    def __str__(self) -> str:
        return self.name


class RoleSkill(models.Model):
    """Role × skill: how critical the skill is and what level each career level needs."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="role_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="role_skills")
    criticality = models.PositiveSmallIntegerField(validators=Level, default=3)
    level_junior = models.PositiveSmallIntegerField(validators=Level, default=2)
    level_mid = models.PositiveSmallIntegerField(validators=Level, default=3)
    level_senior = models.PositiveSmallIntegerField(validators=Level, default=4)
    level_principal = models.PositiveSmallIntegerField(validators=Level, default=5)
    min_day30 = models.PositiveSmallIntegerField(validators=Level, default=1)
    min_day60 = models.PositiveSmallIntegerField(validators=Level, default=2)
    min_day90 = models.PositiveSmallIntegerField(validators=Level, default=3)

    class Meta:
        ordering = ["role", "-criticality", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["role", "skill"], name="roleskill_unique"),
            models.CheckConstraint(
                condition=Q(criticality__gte=1, criticality__lte=5), name="roleskill_crit_1_5"
            ),
            models.CheckConstraint(
                condition=Q(min_day30__lte=models.F("min_day60"))
                & Q(min_day60__lte=models.F("min_day90")),
                name="roleskill_minimums_rise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} × {self.skill}"

    def level_for(self, career_level: str) -> int:
        return getattr(self, f"level_{career_level}")


class Pathway(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Kind(models.TextChoices):
        TRACK = "track", "Role track (10–12 weeks)"
        LIBRARY = "library", "Module library"

    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TRACK)
    title = models.CharField(max_length=200)
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.PROTECT, related_name="pathways"
    )
    duration_weeks = models.PositiveSmallIntegerField(default=MIN_WEEKS)
    primary_goal = models.TextField(blank=True, max_length=text_limits.SUMMARY)
    summary = models.TextField(blank=True, max_length=text_limits.SUMMARY)
    change_note = models.CharField(
        max_length=300, blank=True, help_text="What this version changes, for the history."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="pathway_slug_version"),
            # At most one draft per slug: editing a published pathway makes the draft.
            models.UniqueConstraint(
                fields=["slug"], condition=Q(status="draft"), name="pathway_one_draft"
            ),
            models.CheckConstraint(
                condition=~Q(kind="track")
                | Q(duration_weeks__gte=MIN_WEEKS, duration_weeks__lte=MAX_WEEKS),
                name="pathway_track_10_12_weeks",
            ),
        ]
        indexes = [models.Index(fields=["status", "slug"])]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class PathwayOutcome(models.Model):
    """An outcome KPI: e.g. MTTM for hallucination incidents −40 % within 90 days."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="outcomes")
    order = models.PositiveSmallIntegerField(default=0)
    kpi_key = models.SlugField(max_length=64, help_text="Key in the KPI registry, e.g. mttm.")
    description = models.CharField(max_length=300)
    target_change_pct = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Relative change wanted, in percent (negative = reduce). Blank: set locally.",
    )
    target_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    window_days = models.PositiveIntegerField(default=90)
    filters = models.JSONField(
        default=dict, blank=True, help_text='KPI filters, e.g. {"failure_mode": "hallucination"}.'
    )

    class Meta:
        ordering = ["pathway", "order"]

    def __str__(self) -> str:
        return self.description


class Module(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    week_start = models.PositiveSmallIntegerField(default=1)
    week_end = models.PositiveSmallIntegerField(default=1)
    pillar = models.CharField(max_length=32, choices=Pillar.choices, blank=True)
    objectives = models.JSONField(default=list, help_text="Learning objectives (list of text).")
    content = models.TextField(blank=True, max_length=text_limits.MARKDOWN, help_text="Markdown.")
    skills = models.ManyToManyField(Skill, through="ModuleSkill", related_name="modules")

    class Meta:
        ordering = ["pathway", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "slug"], name="module_slug_per_pathway"),
            models.UniqueConstraint(fields=["pathway", "order"], name="module_order_per_pathway"),
            models.CheckConstraint(
                condition=Q(week_start__gte=1) & Q(week_end__gte=models.F("week_start")),
                name="module_weeks_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ModuleSkill(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="module_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="module_skills")
    target_level = models.PositiveSmallIntegerField(validators=Level, default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "skill"], name="moduleskill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.module} teaches {self.skill} to {self.target_level}"


class Lab(models.Model):
    """A hands-on exercise in a module.

    `artifact_schema` names a registered pydantic schema the uploaded artifact must
    satisfy (the assessments app owns the registry); blank means checklist only.
    """

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="labs")
    order = models.PositiveSmallIntegerField(default=0)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    instructions = models.TextField(
        blank=True, max_length=text_limits.MARKDOWN, help_text="Markdown."
    )
    deliverables = models.JSONField(default=list, blank=True)
    checklist = models.JSONField(default=list, blank=True)
    artifact_schema = models.CharField(max_length=64, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="labs")

    class Meta:
        ordering = ["module", "order"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="lab_slug_per_module"),
        ]

    def __str__(self) -> str:
        return self.title


class Capstone(models.Model):
    """Pathway-level project. `rubric`: [{criterion, description, levels: [{label, points}]}]."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="capstones")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    brief = models.TextField(blank=True, max_length=text_limits.MARKDOWN, help_text="Markdown.")
    deliverables = models.JSONField(default=list, blank=True)
    rubric = models.JSONField(default=list, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="capstones")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pathway", "slug"], name="capstone_slug_per_pathway"),
        ]

    def __str__(self) -> str:
        return self.title


class Certification(models.Model):
    """A micro-certification. `criteria`:
    {"assessments": [slug…], "labs": [slug…], "capstone": slug, "capstone_min_score": 0–100}.
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=text_limits.DESCRIPTION)
    pathway_slug = models.SlugField(max_length=80, blank=True)
    criteria = models.JSONField(default=dict, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="certifications")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CertificationAward(models.Model):
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="awards"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    awarded_at = models.DateTimeField(auto_now_add=True)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "user"], name="award_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certification} for {self.user}"


class Enrollment(models.Model):
    """A learner on a pathway, pinned to the version they started."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="enrollments")
    pathway_slug = models.SlugField(max_length=80, help_text="Denormalised for uniqueness.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    started_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            # One enrollment per learner per pathway (whatever its version).
            models.UniqueConstraint(fields=["user", "pathway_slug"], name="enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.pathway}"


class SkillRating(models.Model):
    """One piece of evidence of a person's level in a skill, from one source."""

    class Source(models.TextChoices):
        SELF = "self", "Self-assessment"
        PEER = "peer", "Peer"
        MANAGER = "manager", "Manager"
        ASSESSMENT = "assessment", "Assessment"
        CERTIFICATION = "certification", "Certification"
        CODE_REVIEW = "code_review", "Code review"
        INCIDENT_REVIEW = "incident_review", "Incident review"
        LAB = "lab", "Lab"
        XAPI = "xapi", "xAPI"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_ratings"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="ratings")
    level = models.PositiveSmallIntegerField(validators=Level)
    source = models.CharField(max_length=24, choices=Source.choices)
    note = models.TextField(blank=True, max_length=text_limits.COMMENT)
    evidence_url = models.URLField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rated_at = models.DateTimeField()
    # Idempotence for automatic sources: e.g. "attempt:123" so a re-run adds nothing.
    source_ref = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_1_5"),
            models.UniqueConstraint(
                fields=["person", "skill", "source_ref"],
                condition=~Q(source_ref=""),
                name="rating_once_per_source_ref",
            ),
        ]
        indexes = [models.Index(fields=["person", "skill", "-rated_at"])]

    def __str__(self) -> str:
        return f"{self.person} {self.skill}={self.level} ({self.source})"


from .progress.models import Cohort, CohortMember, Progress  # noqa: E402

__all__ = [
    "Capstone",
    "Certification",
    "CertificationAward",
    "Cohort",
    "CohortMember",
    "Enrollment",
    "Lab",
    "Module",
    "ModuleSkill",
    "Pathway",
    "PathwayOutcome",
    "Progress",
    "Role",
    "RoleSkill",
    "Skill",
    "SkillRating",
]


class XAPISkillMapping(models.Model):
    """Statements from outside (a lab platform, a simulator) whose verb is `verb_id` and whose
    activity id matches `activity_pattern` (shell-style: `*` any run, `?` one character)
    count as evidence of `skill` at `level`, source "xAPI"."""

    verb_id = models.URLField(max_length=500)
    activity_pattern = models.CharField(max_length=500)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="xapi_mappings")
    level = models.PositiveSmallIntegerField(validators=Level)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["verb_id", "activity_pattern", "skill"], name="xapi_mapping_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.verb_id} {self.activity_pattern} → {self.skill} {self.level}"
