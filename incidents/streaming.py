"""Import input in parts of bounded size, so no process holds a whole file.

Line-based formats (JSON Lines and CSV) are cut at line ends into parts of about
`PART_CHARS` characters, each stored as its own `ImportDocument` row with the number
of lines before it (`line_offset`), so locators stay those of the whole file. A CSV
part is cut only outside a quoted field (an even number of `"` so far) and carries the
header row again. JSON exports (json, pagerduty, opsgenie) are cut anywhere into parts of
about `PART_CHARS`, the parts after the first marked `continues`; their readers stream
top-level arrays (incidents.importers.jsonstream). Other formats are one document each.
Files are read from disk (uploads are spooled there by Django) in blocks and decoded
as they come (`incidents.encoding`: invalid UTF-8 kept marked, never replaced).
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import IO

from .encoding import incremental_decoder
from .importers import Document

PART_CHARS = 2**20
BLOCK_BYTES = 2**20
STREAMED_FORMATS = frozenset({"jsonl", "csv"})
# JSON exports are cut anywhere; the parts after the first are marked `continues` and
# read back as one stream (incidents.importers.jsonstream).
JSON_FORMATS = frozenset({"json", "pagerduty", "opsgenie"})


def file_blocks(handle: IO[bytes], size: int = BLOCK_BYTES) -> Iterator[bytes]:
    while block := handle.read(size):
        yield block


def decoded(blocks: Iterable[bytes | str]) -> Iterator[str]:
    decoder = incremental_decoder()
    for block in blocks:
        text = decoder.decode(block) if isinstance(block, bytes) else block
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _lines(texts: Iterable[str]) -> Iterator[str]:
    """Lines with their "\\n" (the last one may lack it)."""
    pending = ""
    for text in texts:
        pending += text
        if "\n" not in text:
            continue
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def document_parts(name: str, blocks: Iterable[bytes | str], format: str) -> Iterator[Document]:
    """The documents to store for one input file (see the module docstring)."""
    texts = decoded(blocks)
    if format in JSON_FORMATS:
        yield from _json_parts(name, texts)
        return
    if format not in STREAMED_FORMATS:
        yield Document(name, "".join(texts))
        return
    csv = format == "csv"
    header = ""
    header_lines = 0
    part: list[str] = []
    size = 0
    quotes_even = True
    lines_before = 0  # lines of the file before this part, counted as the importer counts
    for line in _lines(texts):
        part.append(line)
        size += len(line)
        if csv:
            if line.count('"') % 2:
                quotes_even = not quotes_even
            if not header and quotes_even:
                header = "".join(part)
                header_lines = len(header.splitlines())
        if size >= PART_CHARS and quotes_even and line.endswith("\n"):
            yield _part(name, part, csv, header, header_lines, lines_before)
            lines_before += _count(part, csv)
            part, size = [], 0
    if part or not lines_before:
        yield _part(name, part, csv, header, header_lines, lines_before)


def _json_parts(name: str, texts: Iterable[str]) -> Iterator[Document]:
    pending = ""
    lines_before = 0
    continues = False
    for text in texts:
        pending += text
        while len(pending) >= PART_CHARS:
            content, pending = pending[:PART_CHARS], pending[PART_CHARS:]
            yield Document(name, content, line_offset=lines_before, continues=continues)
            lines_before += content.count("\n")
            continues = True
    if pending or not continues:
        yield Document(name, pending, line_offset=lines_before, continues=continues)


def _count(part: list[str], csv: bool) -> int:
    text = "".join(part)
    return len(text.splitlines()) if csv else text.count("\n")


def _part(
    name: str, part: list[str], csv: bool, header: str, header_lines: int, lines_before: int
) -> Document:
    text = "".join(part)
    if csv and lines_before:
        return Document(name, header + text, line_offset=lines_before - header_lines)
    return Document(name, text, line_offset=lines_before)


class RecordCursor:
    """Records of a batch read forward, a chunk at a time, from a stream.

    `read(start, n)` returns records [start, start + n). Reading moves forward only;
    the last chunk read is kept, so a run that finds the cursor moved (another run
    wrote a chunk meanwhile) continues from its records. Going back further restarts
    the stream with `reopen()`.
    """

    def __init__(self, records: Iterator, reopen: Callable[[], Iterator]) -> None:
        self._records = records
        self._reopen = reopen
        self._position = 0  # records taken from the stream so far
        self._last: list = []
        self._last_start = 0
        self.exhausted = False

    def read(self, start: int, count: int) -> list:
        if start < self._last_start:
            self._records, self._position, self._last = self._reopen(), 0, []
            self._last_start, self.exhausted = 0, False
        if self._last and start < self._position:
            kept = self._last[start - self._last_start :]
            more = self._take(count - len(kept)) if len(kept) < count else []
            chunk = (kept + more)[:count]
        else:
            for _ in islice(self._records, start - self._position):
                self._position += 1
            chunk = self._take(count)
        self._last, self._last_start = chunk, start
        return chunk

    def _take(self, count: int) -> list:
        taken = list(islice(self._records, count))
        self._position += len(taken)
        if len(taken) < count:
            self.exhausted = True
        return taken

    def more(self) -> bool:
        """Whether records remain after the last chunk read."""
        if self.exhausted:
            return False
        try:
            head = next(self._records)
        except StopIteration:
            self.exhausted = True
            return False
        self._records = chain([head], self._records)
        return True
