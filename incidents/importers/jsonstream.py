"""JSON input read a part at a time.

A large JSON file is stored in parts cut anywhere (`Document.continues` marks the parts
after the first; see `incidents.streaming`). `json_files` puts each file's parts back
together as a stream of texts, and `stream_json_array` reads a top-level array from such
a stream element by element: it keeps only the text from the current element on (about
one part plus one element), so memory does not grow with the file. Each element keeps
its exact source text, and errors name the line and column in the whole file, as
`iter_json_array` does for a document held whole.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace

from .base import Document, RawRecord, strip_bom

# An element that fails to decode this close to the end of the text read so far may
# only be cut off by the part boundary: read the next part and try again.
_NEAR_END = 8
# Text kept of a broken tail (everything from a syntax error on is one record).
REST_CHARS = 2**20
# Text before the current element is let go of once there is this much of it.
KEEP_CHARS = 2**20
_WHITESPACE = " \t\r\n"


class _Window:
    """The text of one file from `start` on, read from its parts as needed."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = iter(texts)
        self.text = ""
        self.lines_before = 0  # newlines in the text already let go
        self.column_before = 0  # characters after the last of them
        self.done = False

    def more(self) -> bool:
        for text in self._texts:
            if text:
                self.text += text
                return True
        self.done = True
        return False

    def forget(self, pos: int) -> int:
        """Let go of the text before `pos`; the same place in the new text."""
        gone = self.text[:pos]
        newlines = gone.count("\n")
        if newlines:
            self.lines_before += newlines
            self.column_before = len(gone) - gone.rfind("\n") - 1
        else:
            self.column_before += len(gone)
        self.text = self.text[pos:]
        return 0

    def skip_ws(self, pos: int) -> int:
        while True:
            while pos < len(self.text) and self.text[pos] in _WHITESPACE:
                pos += 1
            if pos < len(self.text) or not self.more():
                return pos

    def line_col(self, pos: int) -> tuple[int, int]:
        newlines = self.text.count("\n", 0, pos)
        if newlines:
            return self.lines_before + newlines + 1, pos - self.text.rfind("\n", 0, pos)
        return self.lines_before + 1, self.column_before + pos + 1

    def rest(self, pos: int) -> str:
        """The text from `pos` to the end of the file, kept up to REST_CHARS."""
        while len(self.text) - pos < REST_CHARS and self.more():
            pass
        rest = self.text[pos : pos + REST_CHARS]
        for _ in self._texts:  # the remainder is read (and counted) but not kept
            pass
        return rest


def stream_json_array(texts: Iterable[str], name: str) -> Iterator[RawRecord]:
    """The elements of a top-level JSON array read from `texts` (see the module docstring).
    A syntax error ends the scan with one record carrying it, as in `iter_json_array`."""
    window = _Window(texts)
    decoder = json.JSONDecoder()
    window.more()
    if window.text.startswith("\ufeff"):
        window.text = window.text[1:]  # not counted in columns, as strip_bom
    pos = window.skip_ws(window.skip_ws(0) + 1)  # past "["
    index = 0
    if window.text[pos : pos + 1] == "]":
        yield from _after_array(window, pos + 1, name)
        return
    while pos < len(window.text):
        if pos > KEEP_CHARS:
            pos = window.forget(pos)
        try:
            value, end = decoder.raw_decode(window.text, pos)
        except json.JSONDecodeError as exc:
            cut_off = exc.pos >= len(window.text) - _NEAR_END or exc.msg.startswith(
                "Unterminated string"
            )
            if cut_off and window.more():
                continue
            line, col = window.line_col(exc.pos)
            yield RawRecord(
                locator=f"{name} element {index + 1} onwards",
                raw=window.rest(pos),
                errors=[{"path": "", "message": f"invalid JSON at line {line}, column {col}: "
                         f"{exc.msg}"}],
            )  # fmt: skip
            return
        if end + _NEAR_END >= len(window.text) and window.more():
            continue  # a number may go on in the next part
        yield RawRecord(locator=f"{name} element {index + 1}", raw=window.text[pos:end], data=value)
        index += 1
        pos = window.skip_ws(end)
        char = window.text[pos : pos + 1]
        if char == ",":
            pos = window.skip_ws(pos + 1)
            continue
        if char == "]":
            yield from _after_array(window, pos + 1, name)
            return
        line, col = window.line_col(pos)
        yield RawRecord(
            locator=f"{name} element {index + 1} onwards",
            raw=window.rest(pos),
            errors=[{"path": "", "message": f"invalid JSON at line {line}, column {col}: "
                     "expected ',' or ']' between elements"}],
        )  # fmt: skip
        return
    yield RawRecord(
        locator=f"{name} end",
        raw="",
        errors=[{"path": "", "message": "invalid JSON: the array is not closed with ']'"}],
    )


def _after_array(window: _Window, pos: int, name: str) -> Iterator[RawRecord]:
    line, col = window.line_col(pos)  # where the array ends, as iter_json_array says
    pos = window.skip_ws(pos)
    if pos >= len(window.text):
        return
    yield RawRecord(
        locator=f"{name} after the array",
        raw=window.rest(pos).strip(),
        errors=[
            {"path": "", "message": f"unexpected text after the array at line {line}, column {col}"}
        ],
    )


class _Parts:
    """Documents with one of lookahead, to tell a file's parts from the next file."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self._documents = iter(documents)
        self._next = next(self._documents, None)

    def files(self) -> Iterator[tuple[Document, Iterator[str]]]:
        while self._next is not None:
            first = self._next
            self._next = next(self._documents, None)
            yield first, self._continued()
            for _ in self._continued():  # parts the caller did not read
                pass

    def _continued(self) -> Iterator[str]:
        while self._next is not None and self._next.continues:
            part = self._next
            self._next = next(self._documents, None)
            yield part.content


def json_files(documents: Iterable[Document]) -> Iterator[tuple[Document, Iterator[str] | None]]:
    """Each input file once: a file holding a top-level array comes as its first part and
    the texts of all its parts (read as consumed); any other file as one whole document
    and None."""
    for first, continued in _Parts(documents).files():
        if strip_bom(first.content).lstrip().startswith("["):
            yield first, _texts(first.content, continued)
        else:
            whole = first.content + "".join(continued)
            yield replace(first, content=whole, continues=False), None


def _texts(head: str, rest: Iterator[str]) -> Iterator[str]:
    yield head
    yield from rest
