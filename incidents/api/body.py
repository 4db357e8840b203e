"""The import API's JSON body, never held whole in the web process.

`SpooledJSONParser` copies the body in blocks to a temporary file (in memory up to
`SPOOL_MEMORY_BYTES`, on disk beyond) and hands the view a `SpooledBody`. `read_import_body`
then reads it with ijson (a streaming JSON parser): one pass collects the small fields
(format, name, source, timezone, mapping, content) and counts the records without
building them; `records_text` reads the records again one at a time and gives the text
of the array (as `dump(records)` would write it) in pieces, which the view stores in
parts (incidents.streaming). Malformed bodies get the answers the API's JSON parser
gives (config.parsers), worked out on the spooled text.
"""

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from config.parsers import SafeJSONParser
from incidents.importers.base import dump
from incidents.services import MAX_DOCUMENT_BYTES

SPOOL_MEMORY_BYTES = 2**20
BLOCK_BYTES = 2**16
# Slack for the fields around the records.
MAX_BODY_BYTES = MAX_DOCUMENT_BYTES + 2**20
# Deeper than this is "nested too deeply", as the standard parser would find.
MAX_DEPTH = 500
SMALL_FIELDS = ("format", "source", "timezone", "mapping", "content", "name")
SCALARS = frozenset({"null", "boolean", "integer", "double", "number", "string"})


class SpooledBody:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def rewind(self) -> IO[bytes]:
        self.handle.seek(0)
        return self.handle

    def close(self) -> None:
        self.handle.close()


class SpooledJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        size = 0
        while stream is not None and (block := stream.read(BLOCK_BYTES)):
            size += len(block)
            if size > MAX_BODY_BYTES:
                handle.close()
                raise exceptions.ParseError(
                    f"The body is over {MAX_BODY_BYTES // 2**20} MB; split the import."
                )
            handle.write(block)
        return SpooledBody(handle)


@dataclass
class ImportBody:
    fields: dict[str, Any] = field(default_factory=dict)
    record_count: int | None = None  # None: no `records` array


def _standard_error(body: SpooledBody) -> exceptions.ParseError:
    """What the API's JSON parser says about this (malformed) body."""
    try:
        SafeJSONParser().parse(body.rewind(), "application/json", {})
    except exceptions.ParseError as exc:
        return exc
    return exceptions.ParseError("JSON parse error - the body could not be read")


def read_import_body(body: SpooledBody) -> ImportBody | None:
    """The small fields and the number of records, in one streaming pass; None for a
    body that is not a JSON object (the caller parses it as usual)."""
    result = ImportBody()
    depth = 0
    named = (*SMALL_FIELDS, "records")
    try:
        for prefix, event, value in ijson.parse(body.rewind(), use_float=True):
            opens = event in ("start_map", "start_array")
            if opens:
                depth += 1
                if depth > MAX_DEPTH:
                    raise exceptions.ParseError("JSON parse error - nested too deeply")
            if prefix == "":
                if event not in ("start_map", "end_map", "map_key"):
                    return None
            elif prefix == "records.item":
                if (opens and depth == 3) or (event in SCALARS and depth == 2):
                    result.record_count = (result.record_count or 0) + 1
            elif prefix in named and depth == 1 and event in SCALARS:
                result.fields[prefix] = value
            elif prefix in named and depth == 2 and opens:
                if prefix == "records" and event == "start_array":
                    result.record_count = result.record_count or 0
                else:
                    result.fields[prefix] = _value(body, prefix)
            if event in ("end_map", "end_array"):
                depth -= 1
    except ijson.common.JSONError:
        raise _standard_error(body) from None
    return result


def _value(body: SpooledBody, prefix: str) -> Any:
    """A field that is not a list (the serializer names the problem)."""
    position = body.handle.tell()
    try:
        return next(ijson.items(body.rewind(), prefix, use_float=True), None)
    finally:
        body.handle.seek(position)


def records_text(body: SpooledBody) -> Iterator[str]:
    """The records array as `dump` writes a list, read again one record at a time."""
    yield "["
    for index, record in enumerate(ijson.items(body.rewind(), "records.item", use_float=True)):
        yield (", " if index else "") + dump(record)
    yield "]"
