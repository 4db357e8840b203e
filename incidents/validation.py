"""One raw record → a record ready to write, or the list of everything wrong with it.

Pure except for `Directory`, a snapshot of team and service names loaded once per
run. Nothing here raises on bad input: every problem becomes an error with a
field path and a message.
"""

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from org.models import Team

from .encoding import escaped, invalid_utf8
from .importers.base import Importer, RawRecord, RecordError
from .models import LIFECYCLE_ORDER, Incident, Service
from .schemas import (
    LIFECYCLE,
    IncidentRecord,
    severity_parse,
    slugify_tag,
    to_utc_second,
)

logger = logging.getLogger(__name__)

ErrorList = list[dict[str, str]]
ZERO = dt.timedelta(0)
# Text that may decode to NUL or a lone surrogate (JSON or YAML escapes, or the
# characters themselves); only such records get the slower string-by-string check.
SUSPECT = re.compile(r"\\(?:0|x00|u0000|U00000000|u[dD][89a-fA-F])|[\x00\ud800-\udfff]")


@dataclass(slots=True)
class Prepared:
    """A valid record: model field values, its children and its content hash."""

    position: int
    locator: str
    raw: str
    external_id: str
    fields: dict[str, Any]
    service: tuple[str, str] | None  # (slug, name)
    factors: list[str]
    timeline: list[dict[str, Any]]
    action_items: list[dict[str, Any]]
    content_hash: str


@dataclass(slots=True)
class Rejected:
    position: int
    locator: str
    raw: str
    errors: ErrorList = field(default_factory=list)


def out_of_scope(
    records: Sequence[Prepared],
    scope: frozenset[int],
    existing_teams: dict[str, int | None],
) -> tuple[list[Prepared], list[Rejected]]:
    """Split valid records into those an importer limited to the teams in `scope` may
    write and, rejected with the reason, the others: a record for no team or another
    team, or one that would update an incident (by external id, `existing_teams`:
    external id → its team) that belongs to another team.

    The last reads exactly as a record for another team does, and a record already refused
    for its team gets no second error: what the importer reads never confirms that another
    team has an incident with that id."""
    kept: list[Prepared] = []
    refused: list[Rejected] = []
    outside = {"path": "team", "message": "you may import only for the teams you manage"}
    for record in records:
        team_id = record.fields["team_id"]
        errors: ErrorList = []
        if team_id is None:
            errors.append(
                {"path": "team", "message": "name the team: you import for the teams you manage"}
            )
        elif team_id not in scope:
            errors.append(dict(outside))
        elif (
            record.external_id in existing_teams and existing_teams[record.external_id] not in scope
        ):
            errors.append(dict(outside))  # another team's incident: said as for another team
        if errors:
            refused.append(Rejected(record.position, record.locator, record.raw, errors))
        else:
            kept.append(record)
    return kept, refused


@dataclass(slots=True)
class Directory:
    """Team and service names as they are when a run starts."""

    teams: dict[str, tuple[int, str]]  # lower-case slug or name → (id, slug)
    service_teams: dict[str, int | None]  # service slug → owning team id

    @classmethod
    def load(cls) -> "Directory":
        teams: dict[str, tuple[int, str]] = {}
        for pk, slug, name in Team.objects.values_list("id", "slug", "name"):
            teams[name.strip().lower()] = (pk, slug)
        for pk, slug, _ in Team.objects.values_list("id", "slug", "name"):
            teams[slug.lower()] = (pk, slug)  # a slug wins over another team's name
        services = dict(Service.objects.values_list("slug", "team_id"))
        return cls(teams=teams, service_teams=services)


def safe_text(value: str, limit: int = 2000) -> str:
    """Text that PostgreSQL can store (no NUL, no lone surrogates)."""
    value = value.replace("\x00", "\\x00")
    return value.encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def pydantic_errors(exc: ValidationError) -> ErrorList:
    errors = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if (
            error["type"] not in ("missing", "extra_forbidden", "json_invalid", "value_error")
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
        ):
            message = f"{message} (got {_short(value)})"
        errors.append({"path": safe_text(path, 300), "message": safe_text(message)})
    return errors


def _suspect(text: str) -> bool:
    # Quick scans (memchr-speed substring tests): no backslash, no NUL and only ASCII
    # means nothing to worry about.
    if "\\" not in text and "\x00" not in text and text.isascii():
        return False
    return SUSPECT.search(text) is not None


def unstorable(value: Any, path: str = "") -> ErrorList:
    """Strings PostgreSQL cannot hold (NUL, lone surrogates), with their paths."""
    if isinstance(value, str):
        if "\x00" in value:
            return [{"path": path, "message": "contains a NUL character"}]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [{"path": path, "message": "is not valid Unicode (a lone surrogate)"}]
        return []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    errors = []
    for key, item in items:
        errors.extend(unstorable(item, f"{path}.{key}" if path else str(key)))
    return [{"path": safe_text(e["path"], 300), "message": e["message"]} for e in errors]


def normalise(record: IncidentRecord, tz: dt.tzinfo) -> ErrorList:
    """Severity as SEV1–4 (keeping it as written) and timestamps in UTC, to the second.

    Changes the record in place (through __dict__: these values are already valid).
    """
    errors: ErrorList = []
    values = record.__dict__
    severity = values["severity"]
    if severity is not None:
        try:
            normalised = severity_parse(severity)
        except ValueError as exc:
            errors.append({"path": "severity", "message": safe_text(str(exc))})
        else:
            if not values["severity_original"] and normalised is not None:
                values["severity_original"] = str(severity)[:64]
            values["severity"] = normalised
    for name in LIFECYCLE:
        stamp = values[name]
        if stamp is None:
            continue
        if not stamp.microsecond and stamp.utcoffset() == ZERO:
            continue  # already UTC, whole seconds: the common case
        try:
            values[name] = to_utc_second(stamp, tz)
        except ValueError as exc:
            errors.append({"path": name, "message": str(exc)})
    for index, event in enumerate(record.timeline):
        if event.at is not None:
            try:
                event.__dict__["at"] = to_utc_second(event.at, tz)
            except ValueError as exc:
                errors.append({"path": f"timeline.{index}.at", "message": str(exc)})
    for name in ("team", "service"):
        if values[name] is not None and not values[name]:
            values[name] = None
    return errors


def lifecycle_errors(record: IncidentRecord) -> ErrorList:
    values = record.__dict__
    started, detected, acknowledged, mitigated, resolved = (values[name] for name in LIFECYCLE)
    if (
        started is not None
        and detected is not None
        and acknowledged is not None
        and mitigated is not None
        and resolved is not None
        and started <= detected <= acknowledged <= resolved
        and started <= mitigated <= resolved
    ):
        return []  # every timestamp given, in order (the common case): one chain of checks
    errors = []
    for later, earlier in LIFECYCLE_ORDER:
        end = values[later]
        if end is None:
            continue
        start = values[earlier]
        if start is not None and end < start:
            errors.append(
                {
                    "path": later,
                    "message": f"{later} {end:%Y-%m-%dT%H:%M:%SZ} is before {earlier} "
                    f"{start:%Y-%m-%dT%H:%M:%SZ}; lifecycle timestamps may not go backwards",
                }
            )
    return errors


# The latest lifecycle timestamp given → the status it means (the enum values looked up
# once, not per record).
STATUS_BY_STAMP = (
    ("resolved_at", Incident.Status.RESOLVED.value),
    ("mitigated_at", Incident.Status.MITIGATED.value),
    ("acknowledged_at", Incident.Status.ACKNOWLEDGED.value),
)
OPEN = Incident.Status.OPEN.value


def derived_status(record: IncidentRecord) -> str:
    values = record.__dict__
    if values["status"] is not None:
        return values["status"]
    for stamp, status in STATUS_BY_STAMP:
        if values[stamp] is not None:
            return status
    return OPEN


# Without these a record is no postmortem: an error in them rejects the record.
ESSENTIAL = frozenset({"external_id", "title"})
LIST_FIELDS = frozenset({"timeline", "action_items"})
MAX_LENIENT_PASSES = 5


def _dropped_entry(path: str, message: str, value: Any) -> dict[str, str]:
    return {
        "path": safe_text(path, 300),
        "message": safe_text(message),
        "value": safe_text(_short(value) if not isinstance(value, str) else value, 300),
    }


def _validate_leniently(data: Any) -> tuple[IncidentRecord, ErrorList]:
    """Validate, leaving out each field (or timeline / action item entry) whose value is
    impossible, as long as what remains is a postmortem. Raises the ValidationError
    when an essential field is wrong or the record is not an object."""
    dropped: ErrorList = []
    for _ in range(MAX_LENIENT_PASSES):
        try:
            return IncidentRecord.model_validate(data), dropped
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            problems = exc.errors(include_url=False)
            remove: dict[str, set[int] | None] = {}
            for problem in problems:
                loc = problem["loc"]
                if not loc or loc[0] in ESSENTIAL or loc[0] not in IncidentRecord.model_fields:
                    raise
                name = str(loc[0])
                if name in LIST_FIELDS and len(loc) > 1 and isinstance(loc[1], int):
                    if remove.get(name, set()) is not None:
                        remove.setdefault(name, set()).add(loc[1])  # type: ignore[union-attr]
                else:
                    remove[name] = None
            for problem in pydantic_errors(exc):
                name, _, rest = problem["path"].partition(".")
                value = data.get(name)
                if name in LIST_FIELDS and rest and remove.get(name) is not None:
                    index = rest.split(".", 1)[0]
                    value = value[int(index)] if index.isdigit() else value
                dropped.append(_dropped_entry(problem["path"], problem["message"], value))
            data = dict(data)
            for name, indexes in remove.items():
                if indexes is None:
                    data.pop(name, None)
                else:
                    data[name] = [v for i, v in enumerate(data[name]) if i not in indexes]
    return IncidentRecord.model_validate(data), dropped


def _drop_values(record: IncidentRecord, errors: ErrorList, dropped: ErrorList) -> ErrorList:
    """Leave out the values `normalise` found impossible (a severity nobody can read, a
    moment outside years 1–9999); errors left are the ones that reject the record."""
    values = record.__dict__
    kept: ErrorList = []
    timeline_drop: set[int] = set()
    for error in errors:
        path = error["path"]
        if path == "severity":
            dropped.append(_dropped_entry(path, error["message"], values["severity"]))
            if not values["severity_original"]:
                values["severity_original"] = str(values["severity"])[:64]
            values["severity"] = None
        elif path in LIFECYCLE:
            dropped.append(_dropped_entry(path, error["message"], str(values[path])))
            values[path] = None
        elif path.startswith("timeline.") and path.endswith(".at"):
            index = int(path.split(".")[1])
            dropped.append(_dropped_entry(path, error["message"], str(record.timeline[index].at)))
            timeline_drop.add(index)
        else:
            kept.append(error)
    if timeline_drop:
        values["timeline"] = [e for i, e in enumerate(record.timeline) if i not in timeline_drop]
    return kept


def validate_record(
    raw: RawRecord,
    importer: Importer,
    *,
    tz: dt.tzinfo,
    directory: Directory,
) -> Prepared | Rejected:
    def rejected(errors: ErrorList) -> Rejected:
        return Rejected(position=raw.position, locator=raw.locator, raw=raw.raw, errors=errors)

    not_utf8 = invalid_utf8(raw.raw)
    if not_utf8 is not None:
        # Bytes that were not UTF-8: the record is not what was sent; keep it escaped.
        return Rejected(
            position=raw.position,
            locator=raw.locator,
            raw=escaped(raw.raw),
            errors=[{"path": "", "message": not_utf8}],
        )
    if raw.errors:
        return rejected(
            [
                {"path": safe_text(e["path"], 300), "message": safe_text(e["message"])}
                for e in raw.errors
            ]
        )
    dropped: ErrorList = []
    try:
        if raw.json_text is not None:
            record = IncidentRecord.model_validate_json(raw.json_text)
        elif importer.lenient:
            record, dropped = _validate_leniently(importer.to_native(raw))
        else:
            record = IncidentRecord.model_validate(importer.to_native(raw))
    except ValidationError as exc:
        return rejected(pydantic_errors(exc))
    except RecordError as exc:
        return rejected(
            [
                {"path": safe_text(e["path"], 300), "message": safe_text(e["message"])}
                for e in exc.errors
            ]
        )
    except RecursionError:
        return rejected([{"path": "", "message": "the record is nested too deeply"}])
    except Exception as exc:  # an importer bug must cost one record, not the batch
        logger.exception("unexpected error reading %s", raw.locator)
        message = f"could not read this record ({type(exc).__name__}: {exc})"
        return rejected([{"path": "", "message": safe_text(message)}])

    if raw.dropped:
        dropped[:0] = raw.dropped
    errors = normalise(record, tz)
    if errors and importer.lenient:
        errors = _drop_values(record, errors, dropped)
    if _suspect(raw.raw) or (raw.json_text is not raw.raw and _suspect(raw.json_text or "")):
        errors.extend(unstorable(record.model_dump(mode="python")))
    if errors:
        return rejected(errors)
    errors = lifecycle_errors(record)
    values = record.__dict__
    team_id = None
    if record.team is not None:
        hit = directory.teams.get(record.team.strip().lower())
        if hit is None:
            errors.append(
                {
                    "path": "team",
                    "message": safe_text(f"no team has the slug or name {record.team!r}"),
                }
            )
        else:
            team_id, values["team"] = hit
    service = None
    if record.service is not None:
        slug = slugify_tag(record.service, 120)
        if not slug:
            errors.append({"path": "service", "message": "the name has no letters or digits"})
        else:
            service = (slug, record.service[:200])
            values["service"] = slug
            if team_id is None:
                team_id = directory.service_teams.get(slug)
    if errors:
        return rejected(errors)

    status = derived_status(record)
    values["status"] = status
    # The bytes `model_dump_json()` would encode, without the str round trip.
    dump = record.__pydantic_serializer__.to_json(record)
    if dropped:
        dump += repr(dropped).encode()
    content_hash = hashlib.sha256(dump).hexdigest()
    lessons = values["lessons"].__dict__
    fields = {
        "title": values["title"],
        "summary": values["summary"],
        "url": values["url"],
        "severity": values["severity"] or "",
        "severity_original": values["severity_original"],
        "status": status,
        "team_id": team_id,
        "started_at": values["started_at"],
        "detected_at": values["detected_at"],
        "acknowledged_at": values["acknowledged_at"],
        "mitigated_at": values["mitigated_at"],
        "resolved_at": values["resolved_at"],
        "detection_method": values["detection_method"] or "",
        "ai_related": values["ai_related"],
        "failure_mode": values["failure_mode"] or "",
        "rolled_back": values["rolled_back"],
        "deployment_ref": values["deployment_ref"],
        "customer_impact": values["customer_impact"],
        "cleanup_hours": values["cleanup_hours"],
        "trigger": values["trigger"],
        "root_causes": values["root_causes"],
        "resolution": values["resolution"],
        "lessons_went_well": lessons["went_well"],
        "lessons_went_wrong": lessons["went_wrong"],
        "lessons_got_lucky": lessons["got_lucky"],
        "attributes": values["attributes"],
        "dropped_fields": dropped,
    }
    timeline = [
        {"position": n, "at": e.at, "kind": e.kind, "description": e.description}
        for n, e in enumerate(record.timeline)
    ]
    action_items = [
        {
            "position": n,
            "kind": a.kind or "prevent",
            "title": a.title,
            "owner": a.owner,
            "due": a.due,
            "status": a.status or "open",
            "url": a.url,
        }
        for n, a in enumerate(record.action_items)
    ]
    return Prepared(
        position=raw.position,
        locator=raw.locator,
        raw=raw.raw,
        external_id=record.external_id,
        fields=fields,
        service=service,
        factors=list(record.contributing_factors),
        timeline=timeline,
        action_items=action_items,
        content_hash=content_hash,
    )
