"""Declarative mapping files (YAML) that turn any JSON or CSV export into native records.

A mapping names, for each target field, where its value comes from and how to read
it: a source path, a timestamp format and time zone, a duration relative to
another field, a value map, a default. See docs/incidents.md for the reference.
"""

import datetime as dt
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


class FieldRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(default=None, description="Where the value is in a source record.")
    value: Any = Field(default=None, description="A constant instead of a path.")
    default: Any = Field(default=None, description="Used when the source value is missing.")
    map: dict[str, Any] | None = Field(
        default=None, description="Source value → target value (keys ignore case)."
    )
    format: str | None = Field(
        default=None, description="strptime format, or `iso`, `epoch`, `epoch_ms`."
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

    @model_validator(mode="after")
    def _consistent(self) -> "FieldRule":
        if self.path is None and self.value is None and self.default is None:
            raise ValueError("give a path, a value or a default")
        if self.path is not None and self.value is not None:
            raise ValueError("give a path or a value, not both")
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

    format: Literal["csv", "json", "jsonl"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    records: str | None = Field(
        default=None, description="JSON only: path to the list of records in the document."
    )
    timezone: str | None = None
    fields: dict[str, FieldRule]
    defaults: dict[str, Any] = Field(default_factory=dict)

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `title: Summary` is short for `title: {path: Summary}`.
        if isinstance(value, dict):
            return {k: {"path": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @model_validator(mode="after")
    def _targets(self) -> "MappingSpec":
        unknown = sorted((set(self.fields) | set(self.defaults)) - TARGETS)
        if unknown:
            raise ValueError(
                f"unknown target field(s) {', '.join(unknown)}; targets are native field "
                "names (see docs/incidents.md)"
            )
        if "external_id" not in self.fields:
            raise ValueError("fields must map external_id")
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


def mapping_parse(text: str) -> MappingSpec:
    """The mapping file as a spec; `IncidentsError` saying exactly what is wrong."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise IncidentsError(f"The mapping file is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise IncidentsError("The mapping file should be a YAML mapping (format, fields, …).")
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
    fmt = rule.format or "iso"
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


def mapping_apply(spec: MappingSpec, record: Any, batch_tz: str = "UTC") -> dict[str, Any]:
    """One source record (a dict) → a native dict, or `RecordError` naming the target field."""
    if not isinstance(record, dict):
        raise RecordError("should be an object (a JSON object or a CSV row)")
    spec_tz = zone(spec.timezone or batch_tz)
    native: dict[str, Any] = {}
    stamps: dict[str, dt.datetime] = {}
    for target in spec.order():
        rule = spec.fields[target]
        where = f" (from {rule.path!r})" if rule.path else ""
        value = rule.value if rule.path is None else get_path(record, rule.path)
        if _blank(value):
            value = rule.default if rule.default is not None else spec.defaults.get(target)
        if _blank(value):
            continue
        if target == "severity" and "severity_original" not in spec.fields:
            native["severity_original"] = str(value).strip()[:64]
        if rule.map is not None:
            lookup = {str(k).strip().lower(): v for k, v in rule.map.items()}
            value = lookup.get(str(value).strip().lower(), value)
        if target in TIMESTAMP_TARGETS:
            relative = rule.relative_to
            if relative is not None:
                base = stamps.get(relative[0])
                if base is None:
                    raise RecordError(
                        f"is given relative to {relative[0]}, which is empty", path=target
                    )
                amount = _number(value, target, where) * relative[1]
                try:
                    stamp = base + dt.timedelta(seconds=float(amount))
                except OverflowError:
                    raise RecordError(f"{value!r} is out of range{where}", path=target) from None
            else:
                tz = zone(rule.timezone) if rule.timezone else spec_tz
                stamp = _timestamp(value, rule, tz, target, where)
            stamps[target] = stamp
            native[target] = stamp
        elif target == "cleanup_hours" and rule.unit:
            hours = _number(value, target, where) * UNIT_SECONDS[rule.unit] / 3600
            try:
                native[target] = hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            except InvalidOperation:
                raise RecordError(f"{value!r} is out of range{where}", path=target) from None
        elif rule.split and isinstance(value, str):
            native[target] = [p.strip() for p in value.split(rule.split) if p.strip()]
        else:
            native[target] = value
    for target, value in spec.defaults.items():
        native.setdefault(target, value)
    lessons = {k.split(".", 1)[1]: native.pop(k) for k in list(native) if k in LESSON_TARGETS}
    if lessons:
        native["lessons"] = lessons
    return native
