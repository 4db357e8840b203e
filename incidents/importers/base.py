"""The interface every format implements, and helpers they share.

An importer does two things, both without touching the database:

- `split(documents)` cuts the input into `RawRecord`s, each with its raw text kept
  verbatim where the format allows it. It never raises on bad content: a piece it
  cannot read becomes a record that carries its errors;
- `to_native(record)` turns one record into the native shape (a dict that
  `IncidentRecord` validates), raising `RecordError` with a field path and a
  message when it cannot.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    content: str
    # Lines of the file before this part (a large file is stored in parts).
    line_offset: int = 0
    # This part goes on from the previous one (a large JSON file is cut anywhere).
    continues: bool = False


@dataclass(slots=True)
class RawRecord:
    locator: str
    raw: str
    data: Any = None
    # Native JSON Lines hand the text straight to pydantic's JSON parser.
    json_text: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    position: int = 0
    # Values a lenient importer left out while reading the record (path, message, value).
    dropped: list[dict[str, str]] = field(default_factory=list)


class RecordError(Exception):
    """A record that cannot be turned into the native shape."""

    def __init__(self, errors: list[dict[str, str]] | str, path: str = "") -> None:
        if isinstance(errors, str):
            errors = [{"path": path, "message": errors}]
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors))


@dataclass(frozen=True, slots=True)
class ImportOptions:
    timezone: str = "UTC"
    mapping: str = ""


class Importer:
    format: ClassVar[str]
    # The source name used when the caller gives none.
    default_source: ClassVar[str]
    # Formats people write by hand (or archives read through a mapping) lose only the
    # field with an impossible value, not the whole record (incidents.validation).
    lenient: ClassVar[bool] = False

    def __init__(self, options: ImportOptions | None = None) -> None:
        self.options = options or ImportOptions()

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        raise NotImplementedError

    def to_native(self, record: RawRecord) -> Any:
        return record.data


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _json_error(text: str, exc: json.JSONDecodeError, offset: int = 0) -> str:
    line, col = _line_col(text, offset + exc.pos) if offset else (exc.lineno, exc.colno)
    return f"invalid JSON at line {line}, column {col}: {exc.msg}"


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def iter_json_array(text: str, name: str) -> Iterator[RawRecord]:
    """The elements of a top-level JSON array, each with its exact source text.

    A syntax error ends the scan: everything from the broken element on becomes
    one record carrying the error, so nothing is silently dropped.
    """
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0) + 1  # past "["
    index = 0
    pos = _skip_ws(text, pos)
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield RawRecord(
                locator=f"{name} element {index + 1} onwards",
                raw=text[pos:],
                errors=[{"path": "", "message": _json_error(text, exc)}],
            )
            return
        yield RawRecord(locator=f"{name} element {index + 1}", raw=text[pos:end], data=value)
        index += 1
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            rest = text[pos + 1 :].strip()
            if rest:
                line, col = _line_col(text, pos + 1)
                yield RawRecord(
                    locator=f"{name} after the array",
                    raw=rest,
                    errors=[
                        {
                            "path": "",
                            "message": f"unexpected text after the array at line {line}, "
                            f"column {col}",
                        }
                    ],
                )
            return
        line, col = _line_col(text, pos)
        yield RawRecord(
            locator=f"{name} element {index + 1} onwards",
            raw=text[pos:],
            errors=[
                {
                    "path": "",
                    "message": f"invalid JSON at line {line}, column {col}: "
                    "expected ',' or ']' between elements",
                }
            ],
        )
        return
    yield RawRecord(
        locator=f"{name} end",
        raw="",
        errors=[{"path": "", "message": "invalid JSON: the array is not closed with ']'"}],
    )


def dump(value: Any) -> str:
    """Raw text for a record that came wrapped in a larger JSON document."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True)
    return text


def iter_json_records(
    document: Document, list_keys: Iterable[str], single: Any = None
) -> Iterator[RawRecord]:
    """Records of a JSON document: a top-level array, an object holding a list under
    one of `list_keys`, or (when `single(obj)` says so) one record on its own."""
    text = strip_bom(document.content)
    start = _skip_ws(text, 0)
    if start < len(text) and text[start] == "[":
        yield from iter_json_array(text, document.name)
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        yield RawRecord(
            locator=document.name,
            raw=document.content,
            errors=[{"path": "", "message": _json_error(text, exc)}],
        )
        return
    if isinstance(value, dict):
        for key in list_keys:
            items = value.get(key)
            if isinstance(items, list):
                for index, item in enumerate(items):
                    yield RawRecord(
                        locator=f"{document.name} {key}[{index}]", raw=dump(item), data=item
                    )
                return
        if single is None or single(value):
            yield RawRecord(locator=document.name, raw=document.content, data=value)
            return
    keys = " or ".join(f"{k!r}" for k in list_keys)
    yield RawRecord(
        locator=document.name,
        raw=document.content,
        errors=[
            {
                "path": "",
                "message": "expected a JSON array of records or an object with a list "
                f"under {keys}",
            }
        ],
    )


def get_path(data: Any, path: str) -> Any:
    """`a.b.0.c` into nested dicts and lists; None when any step is missing."""
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current
