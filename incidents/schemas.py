"""The native incident record: what every importer produces, what the API accepts in
`json` format, and what `docs/incident-record.schema.json` publishes.

Pydantic checks the shape and types; `incidents.validation` then normalises what
needs the import's context (time zone, severity as written, teams) and applies the
cross-field rules. Validation here is pure (no database).
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)

from .models import ActionItem, DetectionMethod, FailureMode, Incident, Severity

UTC = dt.UTC
TEXT_MAX = 100_000
# Any real date: what Python and PostgreSQL can both hold (postmortem collections go
# back decades, and nothing here depends on a narrower range).
EARLIEST = dt.datetime(1, 1, 1, tzinfo=UTC)
ATTRIBUTE_KEYS = 100
ATTRIBUTE_TEXT = 10_000
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- scalar helpers -----------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _join_lines(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(item.strip() for item in value)
    return value


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", value.lower())


def slugify_tag(value: str, max_length: int = 80) -> str:
    if len(value) <= max_length and SLUG.fullmatch(value):
        return value
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")


def _lookup(value: Any, aliases: dict[str, str], allowed: str) -> str | None:
    if value.__class__ is str:
        found = aliases.get(value)  # the common case: already a canonical value
        if found is not None:
            return found
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"should be text; use {allowed}")
    found = aliases.get(value) if isinstance(value, str) else None
    if found is None:
        found = aliases.get(_key(str(value)))
    if found is None:
        raise ValueError(f"{str(value)[:80]!r} is not recognised; use {allowed}")
    return found


def _choice(aliases: dict[str, str], allowed: str) -> Any:
    def normalise(value: Any) -> Any:
        return _lookup(value, aliases, allowed)

    return normalise


def _aliases(enum: type, extra: dict[str, Any]) -> dict[str, str]:
    """Exact values, their letters-and-digits keys, labels and synonyms → plain values."""
    table: dict[str, str] = {}
    for value, label in enum.choices:
        table[_key(label)] = str(value)
        table[_key(value)] = str(value)
    table.update({key: str(value) for key, value in extra.items()})
    table.update({str(value): str(value) for value in enum.values})
    return table


SEVERITY_ALIASES = {
    **dict.fromkeys(("sev0", "sev1", "s0", "s1", "p0", "p1", "0", "1", "critical"), Severity.SEV1),
    **dict.fromkeys(("sev2", "s2", "p2", "2", "high", "major"), Severity.SEV2),
    **dict.fromkeys(("sev3", "s3", "p3", "3", "medium", "moderate", "minor"), Severity.SEV3),
    **dict.fromkeys(
        ("sev4", "sev5", "s4", "s5", "p4", "p5", "4", "5", "low", "info", "informational"),
        Severity.SEV4,
    ),
}
SEVERITY_ALIASES = {k: str(v) for k, v in SEVERITY_ALIASES.items()}
SEVERITY_ALIASES.update({str(v): str(v) for v in Severity.values})
SEVERITY_HELP = "SEV1–SEV4 (also SEV0, P0–P5, 0–5, critical/high/medium/low)"

FAILURE_MODE_ALIASES = _aliases(
    FailureMode,
    {
        "hallucinations": FailureMode.HALLUCINATION,
        "injection": FailureMode.PROMPT_INJECTION,
        "jailbreak": FailureMode.PROMPT_INJECTION,
        "dataleak": FailureMode.DATA_LEAK,
        "piiexposure": FailureMode.DATA_LEAK,
        "pii": FailureMode.DATA_LEAK,
        "modeldrift": FailureMode.DRIFT,
        "datadrift": FailureMode.DRIFT,
        "badinput": FailureMode.BAD_INPUT_DATA,
        "baddata": FailureMode.BAD_INPUT_DATA,
        "pipeline": FailureMode.BAD_INPUT_DATA,
        "toxicoutput": FailureMode.UNSAFE_OUTPUT,
        "unsafeoutput": FailureMode.UNSAFE_OUTPUT,
        "latency": FailureMode.CAPACITY,
        "ratelimit": FailureMode.CAPACITY,
        "capacity": FailureMode.CAPACITY,
        "cost": FailureMode.COST_OVERRUN,
        "baddeploy": FailureMode.BAD_DEPLOYMENT,
        "baddeployment": FailureMode.BAD_DEPLOYMENT,
        "badconfig": FailureMode.BAD_DEPLOYMENT,
        "config": FailureMode.BAD_DEPLOYMENT,
        "dependency": FailureMode.DEPENDENCY_OUTAGE,
        "thirdparty": FailureMode.DEPENDENCY_OUTAGE,
    },
)
DETECTION_ALIASES = _aliases(
    DetectionMethod,
    {
        "alert": DetectionMethod.MONITORING,
        "alerting": DetectionMethod.MONITORING,
        "automated": DetectionMethod.MONITORING,
        "customerreport": DetectionMethod.CUSTOMER,
        "support": DetectionMethod.CUSTOMER,
        "employee": DetectionMethod.INTERNAL,
        "staff": DetectionMethod.INTERNAL,
        "manual": DetectionMethod.INTERNAL,
        "canary": DetectionMethod.AUTOMATED_TEST,
        "test": DetectionMethod.AUTOMATED_TEST,
        "review": DetectionMethod.AUDIT,
    },
)
STATUS_ALIASES = _aliases(
    Incident.Status,
    {
        "triggered": Incident.Status.OPEN,
        "new": Incident.Status.OPEN,
        "investigating": Incident.Status.ACKNOWLEDGED,
        "identified": Incident.Status.ACKNOWLEDGED,
        "monitoring": Incident.Status.MITIGATED,
        "fixed": Incident.Status.RESOLVED,
        "postmortemcomplete": Incident.Status.CLOSED,
        "complete": Incident.Status.CLOSED,
        "completed": Incident.Status.CLOSED,
    },
)
ACTION_KIND_ALIASES = _aliases(
    ActionItem.Kind,
    {
        "mitigation": ActionItem.Kind.MITIGATE,
        "repair": ActionItem.Kind.MITIGATE,
        "prevention": ActionItem.Kind.PREVENT,
        "detect": ActionItem.Kind.PREVENT,
        "detection": ActionItem.Kind.PREVENT,
        "processes": ActionItem.Kind.PROCESS,
        "documentation": ActionItem.Kind.PROCESS,
    },
)
ACTION_STATUS_ALIASES = _aliases(
    ActionItem.Status,
    {
        "todo": ActionItem.Status.OPEN,
        "new": ActionItem.Status.OPEN,
        "started": ActionItem.Status.IN_PROGRESS,
        "doing": ActionItem.Status.IN_PROGRESS,
        "closed": ActionItem.Status.DONE,
        "completed": ActionItem.Status.DONE,
        "fixed": ActionItem.Status.DONE,
        "wontfix": ActionItem.Status.WONT_DO,
        "cancelled": ActionItem.Status.WONT_DO,
    },
)


def _choices_text(values: list[str]) -> str:
    return ", ".join(values)


def _choice_field(enum: type, aliases: dict[str, str], description: str) -> Any:
    allowed = _choices_text(enum.values)
    return Annotated[
        str | None,
        BeforeValidator(_choice(aliases, allowed)),
        WithJsonSchema(
            {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": f"{description} One of: {allowed} (common synonyms accepted).",
            }
        ),
    ]


def severity_parse(value: Any) -> str | None:
    """SEV1–SEV4 from the many ways sources write severities; ValueError otherwise."""
    return _lookup(value, SEVERITY_ALIASES, SEVERITY_HELP)


def _text(max_length: int = TEXT_MAX, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length)]


def _paragraphs(description: str) -> Any:
    return Annotated[
        str,
        BeforeValidator(_join_lines),
        Field(max_length=TEXT_MAX, description=description),
        WithJsonSchema(
            {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                "description": f"{description} Text, or a list of lines.",
            }
        ),
    ]


def to_utc_second(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Naive → `tz`; then UTC, whole seconds (sub-second parts are dropped).

    ValueError when the moment is not in years 1–9999 once in UTC.
    """
    offset = value.utcoffset()
    if offset is None:
        value = value.replace(tzinfo=tz)
        offset = value.utcoffset()
    try:
        if offset:
            value = value - offset
        elif not value.microsecond:
            return value  # already UTC, whole seconds (the common case): no copy
        return value.replace(tzinfo=UTC, microsecond=0)
    except OverflowError:
        raise ValueError("is outside the years 1–9999 once in UTC") from None


Timestamp = Annotated[
    dt.datetime | None,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}],
            "description": "ISO 8601. Without an offset, the import's time zone applies.",
        }
    ),
]


def _hours(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError("should be a finite number")
    if value < 0:
        raise ValueError("should be 0 or more")
    if value >= 10_000_000:
        raise ValueError("should be less than 10,000,000 hours")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("should have at most two decimal places")
    return value


def _attributes(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("should be an object of name: value")
    if len(value) > ATTRIBUTE_KEYS:
        raise ValueError(f"at most {ATTRIBUTE_KEYS} attributes")
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).strip()
        if not name or len(name) > 100:
            raise ValueError("attribute names have 1–100 characters")
        if isinstance(item, dt.datetime | dt.date):
            item = item.isoformat()
        if isinstance(item, str) and len(item) > ATTRIBUTE_TEXT:
            raise ValueError(f"{name}: at most {ATTRIBUTE_TEXT:,} characters")
        cleaned[name] = item
    return cleaned


Attributes = Annotated[
    dict[str, Any],
    BeforeValidator(_attributes),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": ATTRIBUTE_KEYS,
            "description": "What the source says that is not an incident field (name: value);"
            " shown on the incident page and filterable.",
        }
    ),
]

Name = Annotated[str, Field(max_length=200)] | None
LIFECYCLE = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


# --- nested records -----------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TimelineEventIn(Strict):
    at: Timestamp = None
    kind: _text(32) = ""
    description: _text(min_length=1)


class ActionItemIn(Strict):
    title: _text(500, min_length=1)
    kind: _choice_field(ActionItem.Kind, ACTION_KIND_ALIASES, "What the action does.") = None
    owner: _text(200) = ""
    due: Annotated[dt.date | None, BeforeValidator(_blank_to_none)] = None
    status: _choice_field(ActionItem.Status, ACTION_STATUS_ALIASES, "Progress.") = None
    url: Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")] = ""

    @field_validator("due", mode="before")
    @classmethod
    def _date_of_datetime(cls, value: Any) -> Any:
        # "2024-06-01T00:00:00Z" is a fine due date too.
        if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
            return value[:10]
        return value


class LessonsIn(Strict):
    went_well: _paragraphs("What went well.") = ""
    went_wrong: _paragraphs("What went wrong.") = ""
    got_lucky: _paragraphs("Where we got lucky.") = ""


def _tags(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[;,|]", value) if part.strip()]
    if not isinstance(value, list):
        return value
    tags: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError("should be a list of text tags")
        tag = slugify_tag(item)
        if not tag:
            raise ValueError(f"tag {item[:80]!r} has no letters or digits")
        if tag not in tags:
            tags.append(tag)
    return tags


Tags = Annotated[
    list[str],
    BeforeValidator(_tags),
    Field(max_length=50),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}, "maxItems": 50},
                {"type": "string"},
            ],
            "description": "Tags (slugified), as a list or as text separated by ; , or |.",
        }
    ),
]


# --- the record ---------------------------------------------------------------------


class IncidentRecord(Strict):
    """One incident or postmortem in the native format."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        title="Trellis incident record",
        json_schema_extra={
            "$comment": "Generated from incidents.schemas.IncidentRecord; see docs/incidents.md."
        },
    )

    external_id: _text(200, min_length=1) = Field(
        description="The incident's id in its source; (source, external_id) is unique."
    )
    title: _text(300, min_length=1)
    summary: _paragraphs("What happened, briefly.") = ""
    url: Annotated[str, Field(max_length=500, pattern=r"^(https?://\S+)?$")] = ""
    severity: Annotated[
        str | int | None,
        WithJsonSchema(
            {
                "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}],
                "description": f"Normalised to SEV1–SEV4; accepted: {SEVERITY_HELP}.",
            }
        ),
    ] = None
    severity_original: _text(64) = Field(
        default="", description="Filled from `severity` as written when left out."
    )
    status: _choice_field(
        Incident.Status,
        STATUS_ALIASES,
        "Lifecycle status; derived from the timestamps when left out.",
    ) = None
    team: Name = Field(default=None, description="Team slug or name; it must exist.")
    service: Name = Field(default=None, description="Service name; an unknown service is created.")
    started_at: Timestamp = None
    detected_at: Timestamp = None
    acknowledged_at: Timestamp = None
    mitigated_at: Timestamp = None
    resolved_at: Timestamp = None
    detection_method: _choice_field(
        DetectionMethod, DETECTION_ALIASES, "How the incident was noticed."
    ) = None
    ai_related: bool = False
    failure_mode: _choice_field(FailureMode, FAILURE_MODE_ALIASES, "Failure taxonomy.") = None
    rolled_back: bool = False
    deployment_ref: _text(200) = ""
    customer_impact: _paragraphs("Who was affected and how.") = ""
    cleanup_hours: Annotated[
        Decimal | None,
        AfterValidator(_hours),
        WithJsonSchema(
            {
                "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}, {"type": "null"}],
                "description": "Manual cleanup, in hours (two decimals at most).",
            }
        ),
    ] = None
    trigger: _paragraphs("What set it off.") = ""
    root_causes: _paragraphs("Why it happened.") = ""
    contributing_factors: Tags = Field(default_factory=list)
    resolution: _paragraphs("How it was fixed.") = ""
    lessons: LessonsIn = Field(default_factory=LessonsIn)
    timeline: list[TimelineEventIn] = Field(default_factory=list, max_length=500)
    action_items: list[ActionItemIn] = Field(default_factory=list, max_length=200)
    attributes: Attributes = Field(default_factory=dict)


def native_json_schema() -> dict[str, Any]:
    """The JSON schema of one native record, as published in docs/."""
    schema = IncidentRecord.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://trellis.example/schemas/incident-record.schema.json"
    return schema


def native_json_schema_text() -> str:
    """docs/incident-record.schema.json, byte for byte (see tests/incidents/test_schema.py)."""
    import json

    return json.dumps(native_json_schema(), indent=2, ensure_ascii=False) + "\n"
