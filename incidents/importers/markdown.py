"""Markdown postmortems: YAML front matter plus headed sections, one file per incident.

Front matter keys are native field names (plus `id` for `external_id`); sections
whose headings we recognise fill the matching fields (see docs/incidents.md). The
file name (without `.md`) is the external id when the front matter has none.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import Any

import yaml
from markdown_it import MarkdownIt

from config.safe_yaml import load as load_yaml
from incidents.schemas import ACTION_KIND_ALIASES, _key

from .base import Document, Importer, ImportOptions, RawRecord, RecordError, strip_bom

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
MAX_FRONT_MATTER = 64 * 1024

SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "overview", "description", "whathappened", "executivesummary"),
    "customer_impact": ("impact", "customerimpact", "userimpact", "businessimpact"),
    "timeline": ("timeline", "chronology"),
    "trigger": ("trigger", "whattriggeredit"),
    "root_causes": ("rootcause", "rootcauses", "rootcauseanalysis", "causes", "cause"),
    "contributing_factors": ("contributingfactors", "contributingfactor", "factors"),
    "resolution": ("resolution", "resolutionandrecovery", "recovery", "mitigation", "fix"),
    "lessons": ("lessonslearned", "lessons", "learnings"),
    "went_well": ("whatwentwell", "wentwell", "thingsthatwentwell"),
    "went_wrong": ("whatwentwrong", "wentwrong", "whatdidntgowell", "thingsthatwentwrong"),
    "got_lucky": ("wherewegotlucky", "gotlucky", "wherewegotluckey", "luck"),
    "action_items": ("actionitems", "actions", "followups", "followupactions", "correctiveactions"),
}
HEADING_FIELD = {alias: target for target, aliases in SECTIONS.items() for alias in aliases}
LESSON_FIELDS = ("went_well", "went_wrong", "got_lucky")

STAMP = re.compile(
    r"^[*_`]*\s*(?P<date>\d{4}-\d{2}-\d{2})?[ T]?(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*[*_`]*\s*(?:[-—–:|]\s*)?(?P<text>.*)$",
    re.DOTALL,
)
ACTION_PAREN = re.compile(r"\s*\((?P<pairs>(?:[a-z ]+:\s*[^,()]+,?\s*)+)\)\s*$", re.IGNORECASE)
ACTION_ALIASES = {
    "type": "kind",
    "kind": "kind",
    "owner": "owner",
    "assignee": "owner",
    "due": "due",
    "duedate": "due",
    "status": "status",
    "state": "status",
    "action": "title",
    "item": "title",
    "title": "title",
    "description": "title",
    "task": "title",
    "link": "url",
    "url": "url",
    "ticket": "url",
}

# Front matter names teams use for native fields (compared by letters and digits only,
# so `Start time`, `start-time` and `start_time` are one name). docs/incidents.md
# lists them; a mapping file renames anything else.
FRONT_MATTER_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "uuid", "incidentid", "key", "ticket"),
    "title": ("name", "headline", "subject"),
    "summary": ("description", "overview", "abstract"),
    "started_at": (
        "starttime",
        "started",
        "start",
        "impactstart",
        "impactstarted",
        "begin",
        "began",
        "startdate",
        "date",
    ),
    "detected_at": ("detected", "detectiontime", "detectedtime", "discovered"),
    "acknowledged_at": ("acknowledged", "acked", "acktime", "acknowledgedtime"),
    "mitigated_at": ("mitigated", "mitigationtime", "mitigatedtime"),
    "resolved_at": (
        "endtime",
        "resolved",
        "resolvedtime",
        "impactend",
        "impactended",
        "end",
        "ended",
        "enddate",
    ),
    "severity": ("sev", "priority", "level"),
    "service": ("product", "component", "system", "affectedservice"),
    "contributing_factors": ("tags", "factors"),
    "url": ("link", "sourceurl"),
    "customer_impact": ("impact",),
    "root_causes": ("rootcause", "cause"),
}
NATIVE_KEYS = {
    _key(name): name
    for name in (
        "external_id",
        "title",
        "summary",
        "url",
        "severity",
        "severity_original",
        "status",
        "team",
        "service",
        "started_at",
        "detected_at",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
        "detection_method",
        "ai_related",
        "failure_mode",
        "rolled_back",
        "deployment_ref",
        "customer_impact",
        "cleanup_hours",
        "trigger",
        "root_causes",
        "contributing_factors",
        "resolution",
        "lessons",
        "timeline",
        "action_items",
        "attributes",
    )
}
ALIAS_KEYS = {alias: target for target, names in FRONT_MATTER_ALIASES.items() for alias in names}

_md = MarkdownIt("commonmark").enable("table")


def front_matter_fields(front: dict[str, Any]) -> dict[str, Any]:
    """Front matter → native fields: native names as they are, aliases renamed (the
    first one given wins; a native name beats its aliases), everything else kept
    under `attributes`."""
    data: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    aliased: list[tuple[str, str, Any]] = []
    for name, value in front.items():
        key = _key(name)
        if key in NATIVE_KEYS:
            target = NATIVE_KEYS[key]
            if target == "attributes" and isinstance(value, dict):
                attributes.update(value)
            else:
                data[target] = value
        elif key in ALIAS_KEYS:
            aliased.append((name, ALIAS_KEYS[key], value))
        else:
            attributes[name] = value
    for name, target, value in aliased:
        if target in data or value is None or value == "":
            attributes[name] = value
        else:
            data[target] = value
    if attributes:
        data["attributes"] = attributes
    return data


def _plain(value: Any) -> Any:
    """YAML dates and datetimes back to ISO text, so pydantic sees what was written."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _sections(body: str) -> list[tuple[int, str, str]]:
    """(level, heading text, section source) for each heading, in order."""
    lines = body.splitlines()
    tokens = _md.parse(body)
    heads = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            heads.append((int(token.tag[1]), tokens[i + 1].content.strip(), token.map))
    sections = []
    for n, (level, text, (_, end)) in enumerate(heads):
        stop = heads[n + 1][2][0] if n + 1 < len(heads) else len(lines)
        sections.append((level, text, "\n".join(lines[end:stop]).strip()))
    return sections


def _items(text: str) -> list[str]:
    """The text of each top-level list item in `text` (markers removed)."""
    lines = text.splitlines()
    items = []
    depth = 0
    for token in _md.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open" and depth == 1 and token.map:
            start, end = token.map
            chunk = "\n".join(lines[start:end]).strip()
            chunk = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", chunk)
            items.append(" ".join(part.strip() for part in chunk.splitlines()).strip())
    return [item for item in items if item]


def _table(text: str) -> list[dict[str, str]]:
    rows: list[list[str]] = []
    current: list[str] | None = None
    tokens = _md.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            current = []
        elif token.type in ("th_open", "td_open") and current is not None:
            current.append(tokens[i + 1].content.strip() if tokens[i + 1].type == "inline" else "")
        elif token.type == "tr_close" and current is not None:
            rows.append(current)
            current = None
    if len(rows) < 2:
        return []
    header = [_key(cell) for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def _zone(zone: str | None) -> str:
    if not zone or zone in ("Z", "UTC", "GMT"):
        return "+00:00" if zone else ""
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"


def _day_and_zone(value: Any) -> tuple[dt.date | None, str]:
    if not isinstance(value, str):
        return None, ""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None, ""
    zone = parsed.strftime("%z")
    return parsed.date(), (f"{zone[:3]}:{zone[3:]}" if zone else "")


def _timeline(text: str, anchor: Any) -> list[dict[str, Any]]:
    entries = [
        (row.get("time") or row.get("when") or row.get("timestamp") or "")
        + " — "
        + (row.get("event") or row.get("what") or row.get("description") or "")
        for row in _table(text)
    ] or _items(text)
    day, default_zone = _day_and_zone(anchor)
    previous: dt.datetime | None = None
    events = []
    for entry in entries:
        match = STAMP.match(entry)
        if not match or not match.group("text").strip():
            events.append({"description": entry.strip(" —")})
            continue
        date_text, time_text, zone = match.group("date", "time", "zone")
        if date_text:
            day = dt.date.fromisoformat(date_text)
        if day is None:
            events.append({"description": entry.strip(" —")})
            continue
        hours, minutes, *seconds = (int(part) for part in time_text.split(":"))
        if hours > 23 or minutes > 59 or (seconds and seconds[0] > 59):
            raise RecordError(f"{time_text!r} is not a time of day", path="timeline")
        moment = dt.datetime.combine(day, dt.time(hours, minutes, seconds[0] if seconds else 0))
        if not date_text and previous is not None and moment < previous:
            moment += dt.timedelta(days=1)  # past midnight
            day = moment.date()
        previous = moment
        events.append(
            {
                "at": moment.isoformat() + (_zone(zone) if zone else default_zone),
                "description": match.group("text").strip(),
            }
        )
    return events


def _action_items(text: str) -> list[dict[str, Any]]:
    rows = _table(text)
    if rows:
        items = []
        for row in rows:
            item = {ACTION_ALIASES[k]: v for k, v in row.items() if k in ACTION_ALIASES and v}
            if item:
                items.append(item)
        return items
    items = []
    for entry in _items(text):
        item: dict[str, Any] = {}
        checkbox = re.match(r"^\[([ xX])\]\s*", entry)
        if checkbox:
            item["status"] = "done" if checkbox.group(1) in "xX" else "open"
            entry = entry[checkbox.end() :]
        kind = re.match(r"^(?:\[([^\]]+)\]|\*\*([^*]+)\*\*:?)\s*", entry)
        if kind and _key(kind.group(1) or kind.group(2)) in ACTION_KIND_ALIASES:
            item["kind"] = (kind.group(1) or kind.group(2)).strip()
            entry = entry[kind.end() :]
        paren = ACTION_PAREN.search(entry)
        if paren:
            for pair in paren.group("pairs").split(","):
                if ":" in pair:
                    name, value = (part.strip() for part in pair.split(":", 1))
                    target = ACTION_ALIASES.get(_key(name))
                    if target and target != "title":
                        item[target] = value
            entry = entry[: paren.start()]
        item["title"] = entry.strip()
        items.append(item)
    return items


def parse_postmortem(
    document: Document, mapped: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The native fields of one Markdown postmortem; `mapped` (a mapping applied to the
    front matter) gives the fields it maps, the rest of the front matter is read as
    usual."""
    text = strip_bom(document.content)
    data: dict[str, Any] = {}
    match = FRONT_MATTER.match(text)
    body = text
    if match:
        if len(match.group(1)) > MAX_FRONT_MATTER:
            raise RecordError("is larger than 64 KB", path="front_matter")
        try:
            loaded = load_yaml(match.group(1), timestamps_as_text=True)
        except yaml.YAMLError as exc:
            raise RecordError(f"is not valid YAML: {exc}", path="front_matter") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise RecordError("should be a YAML mapping of field: value", path="front_matter")
        data = _plain(loaded or {})
        body = text[match.end() :]
    data = mapped(data) if mapped is not None else front_matter_fields(data)
    for name in ("external_id", "title", "deployment_ref", "team", "service"):
        if isinstance(data.get(name), int | float) and not isinstance(data.get(name), bool):
            data[name] = str(data[name])
    if "external_id" not in data and document.name:
        data["external_id"] = PurePosixPath(document.name).stem

    lessons: dict[str, str] = {}
    lessons_intro = ""
    anchor = data.get("started_at") or data.get("detected_at")
    sections = _sections(body)
    if "title" not in data or data["title"] in (None, ""):
        title = next((h for level, h, _ in sections if level == 1 and h), None) or next(
            (h for _, h, _ in sections if h and _key(h) not in HEADING_FIELD), None
        )
        if title is None and document.name:
            stem = PurePosixPath(document.name).stem
            title = re.sub(r"[-_]+", " ", stem).strip() or stem
        if title:
            data["title"] = title
    for _, heading, section in sections:
        target = HEADING_FIELD.get(_key(heading))
        if target is None or (target in data and target not in LESSON_FIELDS):
            continue
        if target == "lessons":
            # Text under "Lessons learned" itself, when it is not split into
            # went well / went wrong / got lucky, counts as what went wrong.
            lessons_intro = lessons_intro or section
            continue
        if not section:
            continue
        if target in LESSON_FIELDS:
            lessons.setdefault(target, section)
        elif target == "timeline":
            data["timeline"] = _timeline(section, anchor)
        elif target == "action_items":
            data["action_items"] = _action_items(section)
        elif target == "contributing_factors":
            factors = _items(section) or re.split(r"[;,\n]", section)
            data["contributing_factors"] = [f for f in factors if f.strip()]
        else:
            data[target] = section
    if lessons_intro and "went_wrong" not in lessons:
        lessons["went_wrong"] = lessons_intro
    if lessons:
        existing = data.get("lessons")
        data["lessons"] = {**lessons, **existing} if isinstance(existing, dict) else lessons
    return data


class MarkdownImporter(Importer):
    format = "markdown"
    default_source = "postmortems"
    lenient = True

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            if document.content.strip():
                yield RawRecord(
                    locator=document.name or "document", raw=document.content, data=document
                )

    def __init__(self, options: ImportOptions | None = None) -> None:
        super().__init__(options)
        self.spec = None
        if self.options.mapping.strip():
            from .mappings import mapping_parse

            # Raises IncidentsError, naming the problem, for an invalid mapping.
            self.spec = mapping_parse(self.options.mapping, for_format="markdown")

    def to_native(self, record: RawRecord) -> Any:
        if self.spec is None:
            return parse_postmortem(record.data)
        from .mappings import mapping_apply, mapping_paths

        spec = self.spec
        used = mapping_paths(spec)

        def mapped(front: dict[str, Any]) -> dict[str, Any]:
            native = mapping_apply(
                spec,
                front,
                self.options.timezone,
                dropped=record.dropped,
                key=record.locator,
            )
            rest = front_matter_fields({k: v for k, v in front.items() if k not in used})
            attributes = {**rest.pop("attributes", {}), **native.pop("attributes", {})}
            data = {**rest, **native}
            if attributes:
                data["attributes"] = attributes
            return data

        return parse_postmortem(record.data, mapped)
