"""The catalogue file format: pydantic models, one per kind of YAML document.

A file holds one or more YAML documents; each names its `kind`:

- `track` / `library`: one pathway version (a 10–12 week role track, or a module library);
- `skills`: the skills taxonomy;
- `roles`: job roles with their role × skill rows and career ladder;
- `certifications`: micro-certifications and what earns them;
- `assessment`: a check with its question bank (GIFT text or YAML questions), bound to a
  pathway and optionally one of its modules.

docs/curriculum.md describes the format for people; `catalogue.schema.json` (generated
from these models by `manage.py catalogue_schema`) describes it for editors and tools.
Checks that need more than one document (does this skill exist?) live in the importer.
"""

import json
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from config import text_limits
from pathways.models import MAX_WEEKS, MIN_WEEKS, Pillar

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SCHEMA_ID = "https://trellis.example/schemas/catalogue.schema.json"
FORMAT_VERSION = 1

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Text people type, capped as the models cap it (config.text_limits).
Summary = Annotated[str, StringConstraints(max_length=text_limits.SUMMARY)]
Description = Annotated[str, StringConstraints(max_length=text_limits.DESCRIPTION)]
Markdown = Annotated[str, StringConstraints(max_length=text_limits.MARKDOWN)]
Level = Annotated[int, Field(ge=1, le=5)]
# Skills of a lab, capstone or certification are a set: kept sorted so a file and its
# export compare equal.
SkillSet = Annotated[list[Slug], AfterValidator(lambda v: sorted(set(v)))]
PillarName = Literal[tuple(Pillar.values)]  # type: ignore[valid-type]
Status = Literal["draft", "published", "archived"]
CareerLevelName = Literal["junior", "mid", "senior", "principal"]


class Strict(BaseModel):
    # Unknown keys are errors: a typo must not silently drop content.
    model_config = ConfigDict(extra="forbid", frozen=False)


# --- pathways ---------------------------------------------------------------------------


class OutcomeDoc(Strict):
    """An outcome KPI, e.g. MTTM for hallucination incidents −40 % within 90 days."""

    kpi_key: Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    target_change_pct: Annotated[Decimal, Field(max_digits=6, decimal_places=2)] | None = Field(
        default=None, description="Relative change wanted in percent; negative means reduce."
    )
    target_value: Annotated[Decimal, Field(max_digits=14, decimal_places=4)] | None = Field(
        default=None, description="Absolute target; durations in seconds."
    )
    window_days: Annotated[int, Field(ge=1, le=3650)] = 90
    filters: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description='KPI filters, e.g. {"failure_mode": "hallucination"}.'
    )


class LabDoc(Strict):
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    instructions: Markdown = Field(default="", description="Markdown.")
    deliverables: list[Text] = Field(default_factory=list)
    checklist: list[Text] = Field(default_factory=list)
    artifact_schema: (
        Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)] | None
    ) = Field(default=None, description="Name of the artifact schema an upload must satisfy.")
    skills: SkillSet = Field(default_factory=list, description="Skills the lab evidences.")


class ModuleDoc(Strict):
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    week_start: Annotated[int, Field(ge=1)]
    week_end: Annotated[int, Field(ge=1)]
    pillar: PillarName | None = None
    objectives: Annotated[list[Text], Field(min_length=2)] = Field(
        description="Learning objectives; at least two."
    )
    skills: dict[Slug, Level] = Field(
        default_factory=dict, description="Skills taught, with the target level (1–5)."
    )
    content: Markdown = Field(default="", description="Markdown.")
    labs: list[LabDoc] = Field(default_factory=list)


class RubricLevelDoc(Strict):
    label: Text
    points: Annotated[int, Field(ge=0, le=100)]


class RubricCriterionDoc(Strict):
    criterion: Text
    description: Description = ""
    levels: Annotated[list[RubricLevelDoc], Field(min_length=1)]


Rubric = TypeAdapter(list[RubricCriterionDoc])


def in_field_order(adapter: TypeAdapter, value: list) -> list:
    """JSON from the database in the model's key order (PostgreSQL's jsonb reorders keys);
    returned unchanged if it does not fit the model."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValueError:
        return value


class CapstoneDoc(Strict):
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    brief: Markdown = Field(default="", description="Markdown.")
    deliverables: list[Text] = Field(default_factory=list)
    rubric: list[RubricCriterionDoc] = Field(default_factory=list)
    skills: SkillSet = Field(default_factory=list)


class PathwayDocBase(Strict):
    kind: Literal["track", "library"]
    slug: Slug
    version: Annotated[int, Field(ge=1)] = 1
    status: Status = "draft"
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Slug | None = None
    duration_weeks: int
    primary_goal: Summary = ""
    summary: Summary = ""
    change_note: Annotated[str, StringConstraints(max_length=300)] = ""
    outcomes: list[OutcomeDoc] = Field(default_factory=list)
    modules: list[ModuleDoc] = Field(default_factory=list)
    capstones: list[CapstoneDoc] = Field(default_factory=list)


class TrackDoc(PathwayDocBase):
    """A role track: 10–12 weeks."""

    kind: Literal["track"]
    duration_weeks: Annotated[int, Field(ge=MIN_WEEKS, le=MAX_WEEKS)]


class LibraryDoc(PathwayDocBase):
    """A module library: modules to pick from, no fixed length."""

    kind: Literal["library"]
    duration_weeks: Annotated[int, Field(ge=1, le=52)]


PathwayDoc = TrackDoc | LibraryDoc


# --- skills, roles, certifications ------------------------------------------------------


class SkillDoc(Strict):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=160)]
    pillar: PillarName
    kind: Literal["knowledge", "skill", "behaviour"] = "skill"
    description: Description = ""


class SkillsDoc(Strict):
    kind: Literal["skills"]
    skills: list[SkillDoc]


class CareerLevelsDoc(Strict):
    junior: Level = 2
    mid: Level = 3
    senior: Level = 4
    principal: Level = 5


class MinimumsDoc(Strict):
    day30: Level = 1
    day60: Level = 2
    day90: Level = 3

    @model_validator(mode="after")
    def rising(self) -> "MinimumsDoc":
        if not self.day30 <= self.day60 <= self.day90:
            raise ValueError("day-30, day-60 and day-90 minimums must not go down")
        return self


class RoleSkillDoc(Strict):
    skill: Slug
    criticality: Level = 3
    levels: CareerLevelsDoc = Field(default_factory=CareerLevelsDoc)
    minimums: MinimumsDoc = Field(default_factory=MinimumsDoc)


class LadderStepDoc(Strict):
    career_level: CareerLevelName
    title: Text
    summary: Summary = ""
    expectations: list[Text] = Field(default_factory=list)


Ladder = TypeAdapter(list[LadderStepDoc])


class RoleDoc(Strict):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    description: Description = ""
    cluster: Annotated[str, StringConstraints(max_length=80)] = ""
    exposure: Level = Field(default=3, description="How much the role meets AI output (1–5).")
    influence: Level = Field(default=3, description="How much the role shapes others (1–5).")
    career_ladder: list[LadderStepDoc] = Field(default_factory=list)
    skills: list[RoleSkillDoc] = Field(default_factory=list)


class RolesDoc(Strict):
    kind: Literal["roles"]
    roles: list[RoleDoc]


class CriteriaDoc(Strict):
    assessments: list[Slug] = Field(default_factory=list)
    labs: list[Slug] = Field(default_factory=list)
    capstone: Slug | None = None
    capstone_min_score: Annotated[int, Field(ge=0, le=100)] | None = None


class CertificationDoc(Strict):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=160)]
    description: Description = ""
    pathway: Slug | None = None
    skills: SkillSet = Field(default_factory=list)
    criteria: CriteriaDoc = Field(default_factory=CriteriaDoc)


class CertificationsDoc(Strict):
    kind: Literal["certifications"]
    certifications: list[CertificationDoc]


# --- assessments ------------------------------------------------------------------------


class ChoiceDoc(Strict):
    text: Text
    right: bool = False
    feedback: Description = ""


class QuestionDoc(Strict):
    """A question written in YAML rather than GIFT."""

    type: Literal["single", "multiple", "true_false"] = "single"
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    text: Text
    choices: list[ChoiceDoc] = Field(default_factory=list)
    answer: bool | None = Field(default=None, description="For true_false questions.")
    feedback: Description = Field(
        default="", description="General feedback, shown after answering."
    )
    skills: list[Slug] = Field(default_factory=list, description="Skills the question evidences.")

    @model_validator(mode="after")
    def shaped(self) -> "QuestionDoc":
        rights = sum(c.right for c in self.choices)
        if self.type == "true_false":
            if self.answer is None or self.choices:
                raise ValueError("a true_false question has an 'answer' and no choices")
        elif len(self.choices) < 2:
            raise ValueError("a choice question needs at least two choices")
        elif self.type == "single" and rights != 1:
            raise ValueError("a single-choice question has exactly one right choice")
        elif self.type == "multiple" and rights < 1:
            raise ValueError("a multiple-response question has at least one right choice")
        return self


class BankDoc(Strict):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=160)]
    description: Description = ""
    gift: str | None = Field(
        default=None, description="Questions in GIFT; `// [tag:skill]` tags a skill."
    )
    questions: list[QuestionDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def one_form(self) -> "BankDoc":
        if bool(self.gift) == bool(self.questions):
            raise ValueError("give the questions either as 'gift' text or as 'questions'")
        return self


class AssessmentDoc(Strict):
    """A quiz or skill check with its own question bank."""

    kind: Literal["assessment"]
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Description = Field(default="", description="Markdown.")
    assessment_kind: Literal["quiz", "skill_check"] = "quiz"
    check_phase: Literal["", "pre", "post", "both"] = ""
    pathway: Slug = Field(description="The pathway it belongs to (its latest version).")
    module: Slug | None = Field(default=None, description="The module it checks, if one.")
    pass_mark: Annotated[int, Field(ge=0, le=100)] = 70
    attempts_allowed: Annotated[int, Field(ge=0, le=100)] = 0
    shuffle_choices: bool = Field(
        default=True, description="Each attempt shows choices in its own order; false fixes it."
    )
    feedback_timing: Literal["immediate", "on_scored", "never"] = "on_scored"
    answers_timing: Literal["with_feedback", "after_final", "never"] = "with_feedback"
    skills: SkillSet = Field(default_factory=list)
    bank: BankDoc

    @model_validator(mode="after")
    def phase_iff_skill_check(self) -> "AssessmentDoc":
        if (self.assessment_kind == "skill_check") != bool(self.check_phase):
            raise ValueError("a skill check needs check_phase (pre, post or both); a quiz none")
        return self


DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "track": TrackDoc,
    "library": LibraryDoc,
    "skills": SkillsDoc,
    "roles": RolesDoc,
    "certifications": CertificationsDoc,
    "assessment": AssessmentDoc,
}

CatalogueDocument = Annotated[
    TrackDoc | LibraryDoc | SkillsDoc | RolesDoc | CertificationsDoc | AssessmentDoc,
    Field(discriminator="kind"),
]


def json_schema() -> dict:
    """The published JSON schema for one catalogue document."""
    schema = TypeAdapter(CatalogueDocument).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Trellis catalogue document",
        "description": (
            f"Format version {FORMAT_VERSION}. One YAML document: a pathway version "
            "(kind track or library), the skills taxonomy, roles, certifications, or an "
            "assessment with its question bank."
        ),
        **schema,
    }


def json_schema_text() -> str:
    """The schema file's exact contents."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
