"""Native records: a JSON array (or `{"incidents": [...]}`) and JSON Lines."""

from collections.abc import Iterator, Sequence

from .base import Document, Importer, RawRecord, iter_json_records, strip_bom


def _looks_like_record(value: dict) -> bool:
    return "external_id" in value or "title" in value


class JsonImporter(Importer):
    format = "json"
    default_source = "native"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            yield from iter_json_records(
                document, ("incidents", "records"), single=_looks_like_record
            )


class JsonLinesImporter(Importer):
    format = "jsonl"
    default_source = "native"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            for number, line in enumerate(strip_bom(document.content).split("\n"), start=1):
                line = line.rstrip("\r")
                if not line.strip():
                    continue
                locator = f"{document.name} line {number}" if document.name else f"line {number}"
                yield RawRecord(locator=locator, raw=line, json_text=line)
