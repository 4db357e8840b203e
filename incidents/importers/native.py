"""Native records: a JSON array (or `{"incidents": [...]}`) and JSON Lines."""

from collections.abc import Iterator, Sequence

from .base import Document, Importer, RawRecord, iter_json_records, strip_bom
from .jsonstream import json_files, stream_json_array


def _looks_like_record(value: dict) -> bool:
    return "external_id" in value or "title" in value


class JsonImporter(Importer):
    format = "json"
    default_source = "native"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document, texts in json_files(documents):
            if texts is not None:
                yield from stream_json_array(texts, document.name)
            else:
                yield from iter_json_records(
                    document, ("incidents", "records"), single=_looks_like_record
                )


class JsonLinesImporter(Importer):
    format = "jsonl"
    default_source = "native"

    def split(self, documents: Sequence[Document]) -> Iterator[RawRecord]:
        for document in documents:
            prefix = f"{document.name} line " if document.name else "line "
            text = strip_bom(document.content)
            crlf = "\r" in text
            start = 1 + document.line_offset
            for number, line in enumerate(text.split("\n"), start=start):
                if crlf:
                    line = line.rstrip("\r")
                if not line or line.isspace():
                    continue
                yield RawRecord(locator=f"{prefix}{number}", raw=line, json_text=line)
