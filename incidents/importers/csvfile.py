"""CSV with a header row whose column names are native field names.

Dotted headers build nested values (`lessons.went_well`); `timeline` and
`action_items` cells hold a JSON array; empty cells are left out, so defaults apply.
Each record's raw text is its exact line(s) of the file.
"""

import csv
import json
from collections.abc import Iterator, Sequence
from typing import Any

from .base import Document, Importer, RawRecord, RecordError, strip_bom

JSON_COLUMNS = frozenset({"timeline", "action_items"})


class _LineTap:
    """Feeds csv.reader line by line and remembers which lines made each row."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self.lines = text.splitlines(keepends=True)
        self.line_offset = line_offset
        self.next_index = 0
        self.row_start = 0

    def __iter__(self) -> "_LineTap":
        return self

    def __next__(self) -> str:
        if self.next_index >= len(self.lines):
            raise StopIteration
        line = self.lines[self.next_index]
        self.next_index += 1
        return line

    def take(self) -> tuple[int, str]:
        start, self.row_start = self.row_start, self.next_index
        raw = "".join(self.lines[start : self.next_index]).rstrip("\r\n")
        # The header row of a later part of a file stands in for the file's own.
        return (start + 1 + self.line_offset if start else 1), raw


def read_csv(document: Document, delimiter: str = ",") -> Iterator[tuple[str, str, Any]]:
    """(locator, raw, header→cell dict | error message) for each data row."""
    text = strip_bom(document.content)
    tap = _LineTap(text, document.line_offset)
    reader = csv.reader(tap, delimiter=delimiter, strict=True)
    prefix = f"{document.name} " if document.name else ""
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield f"{prefix}line 1", text, f"the header row cannot be read: {exc}"
        return
    tap.take()
    header = [name.strip() for name in header]
    problem = None
    if any(not name for name in header):
        problem = "the header row has an empty column name"
    elif len(set(header)) != len(header):
        duplicates = sorted({n for n in header if header.count(n) > 1})
        problem = f"the header row repeats {', '.join(duplicates)}"
    if problem:
        yield f"{prefix}whole file", text, problem
        return
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line, raw = tap.take()
            rest = "".join(tap.lines[tap.next_index :])
            yield f"{prefix}line {line} onwards", raw + rest, f"the CSV cannot be read: {exc}"
            return
        line, raw = tap.take()
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield (
                f"{prefix}line {line}",
                raw,
                f"the row has {len(cells)} cells but the header has {len(header)} columns",
            )
            continue
        yield f"{prefix}line {line}", raw, dict(zip(header, cells, strict=False))


def nest(row: dict[str, str]) -> dict[str, Any]:
    """Empty cells out; `a.b` headers into nested dicts; JSON cells parsed."""
    result: dict[str, Any] = {}
    for name, cell in row.items():
        if cell is None or not cell.strip():
            continue
        value: Any = cell
        if name in JSON_COLUMNS:
            try:
                value = json.loads(cell)
            except json.JSONDecodeError as exc:
                raise RecordError(f"should be a JSON array: {exc.msg}", path=name) from None
        target = result
        parts = name.split(".")
        for part in parts[:-1]:
            existing = target.setdefault(part, {})
            if not isinstance(existing, dict):
                raise RecordError("is both a value and a group of columns", path=part)
            target = existing
        target[parts[-1]] = value
    return result


class CsvImporter(Importer):
    format = "csv"
    default_source = "csv"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            for locator, raw, row in read_csv(document):
                if isinstance(row, str):
                    yield RawRecord(locator=locator, raw=raw, errors=[{"path": "", "message": row}])
                else:
                    yield RawRecord(locator=locator, raw=raw, data=row)

    def to_native(self, record: RawRecord) -> Any:
        return nest(record.data)
