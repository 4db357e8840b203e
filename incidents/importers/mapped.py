"""Any JSON, JSON Lines or CSV export, read through a YAML mapping file.

JSON records come from a list or from an object keyed by id (`records`); each
record's key (or list index) is the path `$key`, its file name `$file`.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
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
from .jsonstream import json_files, stream_json_array
from .mappings import MappingSpec, mapping_apply, mapping_parse


@dataclass(frozen=True, slots=True)
class SourceRecord:
    value: Any
    key: Any
    file: str


class MappedImporter(Importer):
    format = "mapped"
    default_source = "mapped"
    lenient = True

    def __init__(self, options: ImportOptions | None = None) -> None:
        super().__init__(options)
        # Raises IncidentsError, naming the problem, for a missing or invalid mapping.
        self.spec: MappingSpec = mapping_parse(self.options.mapping)

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        if self.spec.format not in ("csv", "jsonl"):
            yield from self._json(documents)
            return
        for document in documents:
            if self.spec.format == "csv":
                for row_number, (locator, raw, row) in enumerate(
                    read_csv(document, self.spec.delimiter), start=1
                ):
                    if isinstance(row, str):
                        yield RawRecord(
                            locator=locator, raw=raw, errors=[{"path": "", "message": row}]
                        )
                    else:
                        data = SourceRecord(row, row_number, document.name)
                        yield RawRecord(locator=locator, raw=raw, data=data)
            else:
                yield from self._lines(document)

    def _lines(self, document: Document) -> Iterator[RawRecord]:
        for number, line in enumerate(strip_bom(document.content).split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            locator = f"{document.name} line {number}".strip()
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RawRecord(
                    locator=locator,
                    raw=line,
                    errors=[{"path": "", "message": _json_error(line, exc)}],
                )
            else:
                data = SourceRecord(value, number, document.name)
                yield RawRecord(locator=locator, raw=line, data=data)

    def _json(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document, texts in json_files(documents):
            if self.spec.records:  # a path into the document: read whole
                whole = "".join(texts) if texts is not None else document.content
                yield from self._keyed(replace(document, content=whole))
                continue
            records = (
                stream_json_array(texts, document.name)
                if texts is not None
                else iter_json_records(document, ())
            )
            for index, record in enumerate(records):
                if not record.errors:
                    record.data = SourceRecord(record.data, index, document.name)
                yield record

    def _keyed(self, document: Document) -> Iterator[RawRecord]:
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
        where = self.spec.records
        items = value if where in (".", "$") else get_path(value, where)
        if isinstance(items, dict):
            pairs = list(items.items())
        elif isinstance(items, list):
            pairs = list(enumerate(items))
        else:
            yield RawRecord(
                locator=document.name,
                raw=document.content,
                errors=[
                    {"path": "", "message": f"no list or keyed object of records at {where!r}"}
                ],
            )
            return
        label = "" if where in (".", "$") else where
        for key, item in pairs:
            locator = f"{document.name} {label}[{json.dumps(key, ensure_ascii=False)}]"
            yield RawRecord(
                locator=locator.replace(" [", "[", 1) if not label else locator,
                raw=dump(item),
                data=SourceRecord(item, key, document.name),
            )

    def to_native(self, record: RawRecord) -> dict[str, Any]:
        data = record.data
        return mapping_apply(
            self.spec,
            data.value,
            self.options.timezone,
            dropped=record.dropped,
            key=data.key,
            file=data.file,
        )
