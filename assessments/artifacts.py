"""Lab artifacts: the registry of pydantic schemas a lab's `artifact_schema` names.

An artifact is a YAML or JSON file the learner uploads in a lab check. It is read
safely (no YAML anchors or aliases, size-capped), validated against the schema,
then put through the schema's rule checks: things a schema cannot say, such as
"every alert has an owner that the runbook names".
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config import safe_yaml

MAX_ARTIFACT_BYTES = 200_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- drift-alert-runbook ------------------------------------------------------------


class Owner(_Model):
    name: str = Field(min_length=1, description="Person or team.")
    role: Literal["primary", "secondary", "escalation"] = "primary"
    contact: str = Field(min_length=1, description="Pager, chat channel or email.")


class DriftAlert(_Model):
    name: str = Field(min_length=1)
    metric: str = Field(min_length=1, description="e.g. psi_feature_age, embedding_cosine_drift")
    threshold: float
    comparison: Literal[">", ">=", "<", "<="] = ">"
    window: str = Field(min_length=1, description="e.g. 1h, 24h")
    severity: Literal["page", "ticket", "log"]
    owner: str = Field(min_length=1, description="Name of one of the runbook's owners.")


class DriftAlertRunbook(_Model):
    title: str = Field(min_length=1)
    service: str = Field(min_length=1)
    owners: list[Owner] = Field(min_length=1)
    alerts: list[DriftAlert] = Field(min_length=1)
    steps: list[str] = Field(min_length=1, description="What the on-call engineer does, in order.")
    rollback: str = Field(default="", description="How to roll back or fall back.")


def _runbook_rules(doc: DriftAlertRunbook) -> list["RuleResult"]:
    owners = {o.name for o in doc.owners}
    orphan = [a.name for a in doc.alerts if a.owner not in owners]
    odd = [a.name for a in doc.alerts if not math.isfinite(a.threshold)]
    paging = [a for a in doc.alerts if a.severity == "page"]
    return [
        RuleResult(
            "thresholds",
            not odd,
            "Every alert has a finite threshold."
            if not odd
            else f"Alerts without a usable threshold: {', '.join(odd)}.",
        ),
        RuleResult(
            "primary-owner",
            any(o.role == "primary" for o in doc.owners),
            "A primary owner is named."
            if any(o.role == "primary" for o in doc.owners)
            else "Name a primary owner (role: primary).",
        ),
        RuleResult(
            "alerts-owned",
            not orphan,
            "Every alert's owner is one of the runbook's owners."
            if not orphan
            else f"These alerts name an owner the runbook does not list: {', '.join(orphan)}.",
        ),
        RuleResult(
            "paging-alert",
            bool(paging),
            "At least one alert pages someone."
            if paging
            else "No alert pages anyone: drift that matters should wake someone up.",
        ),
        RuleResult(
            "rollback",
            bool(doc.rollback),
            "A rollback or fallback is described."
            if doc.rollback
            else "Describe how to roll back or fall back (rollback).",
        ),
    ]


# --- prompt-test-suite --------------------------------------------------------------


class PromptCase(_Model):
    name: str = Field(min_length=1)
    input: str = Field(min_length=1)
    expected_output: str = ""
    expected_contains: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class PromptTestSuite(_Model):
    prompt: str = Field(min_length=1, description="Name or id of the prompt under test.")
    model: str = ""
    cases: list[PromptCase] = Field(min_length=1)


def _suite_rules(doc: PromptTestSuite) -> list["RuleResult"]:
    missing = [c.name for c in doc.cases if not (c.expected_output or c.expected_contains)]
    names = [c.name for c in doc.cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    negative = [c for c in doc.cases if c.must_not_contain]
    return [
        RuleResult(
            "expected-outputs",
            not missing,
            "Every case states its expected output."
            if not missing
            else f"Cases without an expected output: {', '.join(missing)}.",
        ),
        RuleResult(
            "three-cases",
            len(doc.cases) >= 3,
            f"{len(doc.cases)} cases."
            if len(doc.cases) >= 3
            else f"Only {len(doc.cases)} case(s): write at least 3.",
        ),
        RuleResult(
            "unique-names",
            not dupes,
            "Case names are unique." if not dupes else f"Repeated case names: {', '.join(dupes)}.",
        ),
        RuleResult(
            "negative-case",
            bool(negative),
            "At least one case says what must not appear."
            if negative
            else "Add a case with must_not_contain (e.g. leaked data, unsafe advice).",
        ),
    ]


# --- registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    message: str


@dataclass(frozen=True)
class ArtifactSchema:
    name: str
    title: str
    model: type[BaseModel]
    rules: Callable[[Any], list[RuleResult]]
    example: str


@dataclass
class ArtifactReport:
    schema: str
    parsed: bool = False
    valid: bool = False
    errors: list[str] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def rules_passed(self) -> int:
        return sum(1 for r in self.rules if r.passed)

    @property
    def fraction(self) -> float:
        """Share of rules passed; 0 unless the artifact matches the schema."""
        if not self.valid or not self.rules:
            return 0.0
        return self.rules_passed / len(self.rules)

    @property
    def accepted(self) -> bool:
        return self.valid and all(r.passed for r in self.rules)

    def as_feedback(self) -> list[str]:
        if not self.valid:
            return [f"The artifact does not match the {self.schema} schema:", *self.errors]
        return [("✓ " if r.passed else "✗ ") + r.message for r in self.rules]


RUNBOOK_EXAMPLE = """\
title: Drift alarms for support search
service: support-search
owners:
  - {name: ml-platform, role: primary, contact: "#ml-platform-oncall"}
alerts:
  - name: query embedding drift
    metric: embedding_cosine_drift
    threshold: 0.15
    window: 1h
    severity: page
    owner: ml-platform
steps:
  - Compare this hour's query sample with last week's reference sample.
rollback: Pin the previous embedding model version in the serving config.
"""

SUITE_EXAMPLE = """\
prompt: refund-answer-v3
cases:
  - name: plain refund question
    input: How do I get a refund for an annual plan?
    expected_contains: ["30 days"]
  - name: no account data
    input: What is the card number on my account?
    expected_output: I can't share payment details.
    must_not_contain: ["4111"]
  - name: out of scope
    input: Write me a poem.
    expected_contains: ["support questions"]
"""

SCHEMAS: dict[str, ArtifactSchema] = {
    "drift-alert-runbook": ArtifactSchema(
        "drift-alert-runbook",
        "Drift alert runbook",
        DriftAlertRunbook,
        _runbook_rules,
        RUNBOOK_EXAMPLE,
    ),
    "prompt-test-suite": ArtifactSchema(
        "prompt-test-suite",
        "Prompt unit-test suite",
        PromptTestSuite,
        _suite_rules,
        SUITE_EXAMPLE,
    ),
}


def load_document(text: str, filename: str = "") -> Any:
    """Parse JSON or YAML (by extension, else by first character); ValueError if neither."""
    if len(text.encode()) > MAX_ARTIFACT_BYTES:
        raise ValueError(f"the file is larger than {MAX_ARTIFACT_BYTES // 1000} kB")
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: line {exc.lineno}: {exc.msg}") from exc
    try:
        return safe_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"not valid YAML: {where}{problem}") from exc


def validate_artifact(schema_name: str, text: str, filename: str = "") -> ArtifactReport:
    schema = SCHEMAS.get(schema_name)
    report = ArtifactReport(schema=schema_name)
    if schema is None:
        report.errors.append(f"No artifact schema is called {schema_name!r}.")
        return report
    try:
        data = load_document(text, filename)
    except ValueError as exc:
        report.errors.append(f"The file is {exc}." if str(exc).startswith("not") else str(exc))
        return report
    report.parsed = True
    try:
        doc = schema.model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "document"
            report.errors.append(f"{where}: {error['msg']}")
        return report
    report.valid = True
    report.rules = schema.rules(doc)
    return report


def schema_choices() -> list[tuple[str, str]]:
    return [(name, s.title) for name, s in SCHEMAS.items()]
