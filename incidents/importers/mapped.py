"""Any JSON, JSON Lines or CSV export, read through a YAML mapping file."""

import json
from collections.abc import Iterator, Sequence
from typing import Any

from .base import (
    Document,
    Importer,
    ImportOptions,
    RawRecord,
    _json_error,
    dump,
    get_path,
    iter_json_records,
    strip_bom,
)
from .csvfile import read_csv
from .mappings import MappingSpec, mapping_apply, mapping_parse


class MappedImporter(Importer):
    format = "mapped"
    default_source = "mapped"

    def __init__(self, options: ImportOptions | None = None) -> None:
        super().__init__(options)
        # Raises IncidentsError, naming the problem, for a missing or invalid mapping.
        self.spec: MappingSpec = mapping_parse(self.options.mapping)

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            if self.spec.format == "csv":
                for locator, raw, row in read_csv(document, self.spec.delimiter):
                    if isinstance(row, str):
                        yield RawRecord(
                            locator=locator, raw=raw, errors=[{"path": "", "message": row}]
                        )
                    else:
                        yield RawRecord(locator=locator, raw=raw, data=row)
            elif self.spec.format == "jsonl":
                yield from self._lines(document)
            else:
                yield from self._json(document)

    def _lines(self, document: Document) -> Iterator[RawRecord]:
        for number, line in enumerate(strip_bom(document.content).split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            locator = f"{document.name} line {number}".strip()
            try:
                yield RawRecord(locator=locator, raw=line, data=json.loads(line))
            except json.JSONDecodeError as exc:
                yield RawRecord(
                    locator=locator,
                    raw=line,
                    errors=[{"path": "", "message": _json_error(line, exc)}],
                )

    def _json(self, document: Document) -> Iterator[RawRecord]:
        if not self.spec.records:
            yield from iter_json_records(document, ())
            return
        text = strip_bom(document.content)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRecord(
                locator=document.name,
                raw=document.content,
                errors=[{"path": "", "message": _json_error(text, exc)}],
            )
            return
        items = get_path(value, self.spec.records)
        if not isinstance(items, list):
            yield RawRecord(
                locator=document.name,
                raw=document.content,
                errors=[{"path": "", "message": f"no list of records at {self.spec.records!r}"}],
            )
            return
        for index, item in enumerate(items):
            yield RawRecord(
                locator=f"{document.name} {self.spec.records}[{index}]", raw=dump(item), data=item
            )

    def to_native(self, record: RawRecord) -> dict[str, Any]:
        return mapping_apply(self.spec, record.data, self.options.timezone)
