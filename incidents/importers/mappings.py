"""Declarative mapping files (YAML) that turn any JSON or CSV export into native records.

A mapping names, for each target field, where its value comes from and how to read
it: a source path, a timestamp format and time zone, a duration relative to
another field, a value map, a default. See docs/incidents.md for the reference.
"""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from graphlib import CycleError, TopologicalSorter
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.safe_yaml import load as load_yaml

from ..exceptions import IncidentsError
from ..models import LIFECYCLE_FIELDS
from ..schemas import IncidentRecord
from .base import RecordError, get_path

TIMESTAMP_TARGETS = frozenset(LIFECYCLE_FIELDS)
LESSON_TARGETS = frozenset({"lessons.went_well", "lessons.went_wrong", "lessons.got_lucky"})
TARGETS = (
    frozenset(IncidentRecord.model_fields) - {"lessons", "timeline", "action_items"}
) | LESSON_TARGETS
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known time zone, e.g. UTC, Europe/Berlin") from None


TEMPLATE_REF = re.compile(r"\{([^{}]+)\}")
# Paths that are not in the record itself: the id of a record in a keyed object (or
# the index in a list) and the name of the file it came from.
CONTEXT_PATHS = frozenset({"$key", "$file"})


def _attribute_target(name: str) -> bool:
    return name.startswith("attributes.") and len(name) > len("attributes.")


class FieldRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | list[str] | None = Field(
        default=None,
        description="Where the value is in a source record; a list of paths means the "
        "first that is not empty.",
    )
    value: Any = Field(default=None, description="A constant instead of a path.")
    template: str | None = Field(
        default=None, description='Text with {path} parts, e.g. "{company}: {product}".'
    )
    default: Any = Field(default=None, description="Used when the source value is missing.")
    map: dict[str, Any] | None = Field(
        default=None, description="Source value → target value (keys ignore case)."
    )
    format: str | list[str] | None = Field(
        default=None,
        description="strptime format, or `iso`, `epoch`, `epoch_ms`; a list means the "
        "first that reads the value.",
    )
    timezone: str | None = Field(default=None, description="For timestamps without an offset.")
    seconds_after: str | None = None
    minutes_after: str | None = None
    hours_after: str | None = None
    unit: Literal["seconds", "minutes", "hours", "days"] | None = Field(
        default=None, description="For cleanup_hours: the unit the source gives."
    )
    split: str | None = Field(default=None, description="Separator for a list in one value.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @field_validator("path")
    @classmethod
    def _paths(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and not value:
            raise ValueError("give at least one path")
        return value

    @property
    def paths(self) -> list[str]:
        if self.path is None:
            return []
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @property
    def formats(self) -> list[str]:
        if self.format is None:
            return ["iso"]
        return [self.format] if isinstance(self.format, str) else list(self.format)

    @model_validator(mode="after")
    def _consistent(self) -> "FieldRule":
        if (
            self.path is None
            and self.value is None
            and self.default is None
            and not (self.template)
        ):
            raise ValueError("give a path, a value, a template or a default")
        if len([x for x in (self.path, self.value, self.template) if x is not None]) > 1:
            raise ValueError("give one of path, value and template")
        if isinstance(self.format, list) and not self.format:
            raise ValueError("give at least one format")
        if len([r for r in (self.seconds_after, self.minutes_after, self.hours_after) if r]) > 1:
            raise ValueError("give at most one of seconds_after, minutes_after, hours_after")
        return self

    @property
    def relative_to(self) -> tuple[str, int] | None:
        for name, seconds in (
            ("seconds_after", 1),
            ("minutes_after", 60),
            ("hours_after", 3600),
        ):
            if getattr(self, name):
                return getattr(self, name), seconds
        return None


class MappingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "json", "jsonl", "markdown"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    records: str | None = Field(
        default=None,
        description="JSON only: path to the records in the document (`.` for the document "
        "itself): a list, or an object keyed by id (the key is `$key`).",
    )
    timezone: str | None = None
    fields: dict[str, FieldRule]
    defaults: dict[str, Any] = Field(default_factory=dict)

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `title: Summary` is short for `title: {path: Summary}`; a list of paths too.
        if isinstance(value, dict):
            return {k: {"path": v} if isinstance(v, str | list) else v for k, v in value.items()}
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @model_validator(mode="after")
    def _targets(self) -> "MappingSpec":
        unknown = sorted(
            name
            for name in (set(self.fields) | set(self.defaults)) - TARGETS
            if not _attribute_target(name)
        )
        if unknown:
            raise ValueError(
                f"unknown target field(s) {', '.join(unknown)}; targets are native field "
                "names and attributes.<name> (see docs/incidents.md)"
            )
        # Markdown postmortems fall back to their file name for the id.
        if "external_id" not in self.fields and self.format != "markdown":
            raise ValueError("fields must map external_id")
        if self.records is not None and self.format != "json":
            raise ValueError("records is for format json only")
        for target, rule in self.fields.items():
            relative = rule.relative_to
            if relative is None:
                if rule.unit and target != "cleanup_hours":
                    raise ValueError(f"{target}: unit is for cleanup_hours only")
                continue
            if target not in TIMESTAMP_TARGETS:
                raise ValueError(f"{target}: only timestamps can be relative to another field")
            if relative[0] not in TIMESTAMP_TARGETS:
                raise ValueError(f"{target}: {relative[0]} is not a timestamp field")
            if relative[0] not in self.fields:
                raise ValueError(f"{target}: {relative[0]} is not mapped")
        try:
            self.order()
        except CycleError as exc:
            raise ValueError(f"relative timestamps go round in a circle: {exc.args[1]}") from None
        return self

    def order(self) -> list[str]:
        graph = {
            target: ({rule.relative_to[0]} if rule.relative_to else set())
            for target, rule in self.fields.items()
        }
        return list(TopologicalSorter(graph).static_order())


def mapping_parse(text: str, for_format: str | None = None) -> MappingSpec:
    """The mapping file as a spec; `IncidentsError` saying exactly what is wrong.

    `for_format="markdown"`: the mapping reads Markdown front matter (its `format` may
    be left out)."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise IncidentsError(f"The mapping file is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise IncidentsError("The mapping file should be a YAML mapping (format, fields, …).")
    if for_format == "markdown":
        data.setdefault("format", "markdown")
        if data["format"] != "markdown":
            raise IncidentsError("With --format markdown the mapping's format is markdown.")
    elif data.get("format") == "markdown":
        raise IncidentsError("A mapping with format markdown is used with --format markdown.")
    try:
        return MappingSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}" for e in exc.errors()
        )
        raise IncidentsError(f"The mapping file is not valid: {problems}") from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, target: str, where: str) -> Decimal:
    if isinstance(value, bool):
        raise RecordError(f"{value!r} is not a number{where}", path=target)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(f"{str(value)[:40]!r} is not a number{where}", path=target) from None
    if not number.is_finite():
        raise RecordError(f"{value!r} is not a finite number{where}", path=target)
    return number


def _timestamp(value: Any, rule: FieldRule, tz: dt.tzinfo, target: str, where: str) -> Any:
    formats = rule.formats
    for fmt in formats[:-1]:
        try:
            return _one_timestamp(value, fmt, tz, target, where)
        except RecordError:
            continue
    return _one_timestamp(value, formats[-1], tz, target, where)


def _one_timestamp(value: Any, fmt: str, tz: dt.tzinfo, target: str, where: str) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min)
    if isinstance(value, dt.datetime):
        parsed = value
    elif fmt in ("epoch", "epoch_ms"):
        seconds = _number(value, target, where)
        if fmt == "epoch_ms":
            seconds /= 1000
        try:
            return dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(f"{value!r} is out of range{where}", path=target) from None
    elif fmt == "iso":
        if not isinstance(value, str):
            raise RecordError(f"{str(value)[:40]!r} is not an ISO 8601 timestamp{where}", target)
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(
                f"{value[:40]!r} is not an ISO 8601 timestamp{where}", path=target
            ) from None
    else:
        try:
            parsed = dt.datetime.strptime(str(value).strip(), fmt)
        except ValueError:
            raise RecordError(
                f"{str(value)[:40]!r} does not match the format {fmt!r}{where}", path=target
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _get(record: Any, path: str, context: dict[str, Any]) -> Any:
    if path in CONTEXT_PATHS:
        return context.get(path)
    value = get_path(record, path)
    if value is None and isinstance(record, dict):
        value = record.get(path)  # a CSV column or key with a dot in its name
    return value


def _source_value(rule: FieldRule, record: Any, context: dict[str, Any]) -> Any:
    if rule.template is not None:
        parts = []
        found = False
        last = 0
        for match in TEMPLATE_REF.finditer(rule.template):
            parts.append(rule.template[last : match.start()])
            value = _get(record, match.group(1).strip(), context)
            if not _blank(value):
                found = True
                parts.append(str(value).strip())
            last = match.end()
        parts.append(rule.template[last:])
        return "".join(parts).strip() if found else None
    if rule.path is None:
        return rule.value
    for path in rule.paths:
        value = _get(record, path, context)
        if not _blank(value) and value != []:
            return value
    return None


def mapping_paths(spec: MappingSpec) -> set[str]:
    """The top-level source keys the mapping reads (for front matter: what is left is
    read as usual)."""
    used: set[str] = set()
    for rule in spec.fields.values():
        paths = list(rule.paths)
        if rule.template:
            paths.extend(m.group(1).strip() for m in TEMPLATE_REF.finditer(rule.template))
        for path in paths:
            used.add(path)
            used.add(path.split(".", 1)[0])
    return used


def mapping_apply(
    spec: MappingSpec,
    record: Any,
    batch_tz: str = "UTC",
    *,
    dropped: list[dict[str, str]] | None = None,
    key: Any = None,
    file: str = "",
) -> dict[str, Any]:
    """One source record (a dict) → a native dict, or `RecordError` naming the target field.

    With `dropped` (a list), a field whose value cannot be read is left out and noted
    there instead, unless it is `external_id` or `title`. `key` is the record's key in
    a keyed object (or its index in a list), `file` its document's name."""
    if not isinstance(record, dict):
        raise RecordError("should be an object (a JSON object or a CSV row)")
    spec_tz = zone(spec.timezone or batch_tz)
    context = {"$key": key, "$file": file}
    native: dict[str, Any] = {}
    stamps: dict[str, dt.datetime] = {}
    for target in spec.order():
        rule = spec.fields[target]
        try:
            value = _apply_rule(spec, rule, target, record, context, spec_tz, stamps)
        except RecordError as exc:
            if dropped is None or target in ("external_id", "title"):
                raise
            for error in exc.errors:
                source = _source_value(rule, record, context)
                dropped.append(
                    {
                        "path": error["path"] or target,
                        "message": error["message"],
                        "value": str(source)[:300],
                    }
                )
            continue
        if value is _NOTHING:
            continue
        if target == "severity" and "severity_original" not in spec.fields:
            original = _source_value(rule, record, context)
            if _blank(original):
                original = value
            native["severity_original"] = str(original).strip()[:64]
        native[target] = value
    for target, value in spec.defaults.items():
        native.setdefault(target, value)
    lessons = {k.split(".", 1)[1]: native.pop(k) for k in list(native) if k in LESSON_TARGETS}
    if lessons:
        native["lessons"] = lessons
    attributes = {k.split(".", 1)[1]: native.pop(k) for k in list(native) if _attribute_target(k)}
    if attributes:
        native["attributes"] = attributes
    return native


_NOTHING = object()


def _apply_rule(
    spec: MappingSpec,
    rule: FieldRule,
    target: str,
    record: dict[str, Any],
    context: dict[str, Any],
    spec_tz: dt.tzinfo,
    stamps: dict[str, dt.datetime],
) -> Any:
    where = f" (from {rule.path!r})" if rule.path else ""
    value = _source_value(rule, record, context)
    if _blank(value):
        value = rule.default if rule.default is not None else spec.defaults.get(target)
    if _blank(value):
        return _NOTHING
    if rule.map is not None:
        lookup = {str(k).strip().lower(): v for k, v in rule.map.items()}
        value = lookup.get(str(value).strip().lower(), value)
    if target in TIMESTAMP_TARGETS:
        relative = rule.relative_to
        if relative is not None:
            base = stamps.get(relative[0])
            if base is None:
                raise RecordError(f"is given relative to {relative[0]}, which is empty", target)
            amount = _number(value, target, where) * relative[1]
            try:
                stamp = base + dt.timedelta(seconds=float(amount))
            except OverflowError:
                raise RecordError(f"{value!r} is out of range{where}", path=target) from None
        else:
            tz = zone(rule.timezone) if rule.timezone else spec_tz
            stamp = _timestamp(value, rule, tz, target, where)
        stamps[target] = stamp
        return stamp
    if target == "cleanup_hours" and rule.unit:
        hours = _number(value, target, where) * UNIT_SECONDS[rule.unit] / 3600
        try:
            return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise RecordError(f"{value!r} is out of range{where}", path=target) from None
    if rule.split and isinstance(value, str):
        return [p.strip() for p in value.split(rule.split) if p.strip()]
    return value
