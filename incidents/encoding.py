"""Reading import input as UTF-8 without losing what was not UTF-8.

Input files are decoded with the `trellis-invalid-utf8` error handler: each byte that
is not part of valid UTF-8 becomes a marker code point (U+10FF80–U+10FFFF, the last
128 of the Supplementary Private Use Area-B, one per byte 0x80–0xFF). The markers
survive storage (they are valid text), and validation rejects a record holding one,
with the byte offset of the first invalid byte in the record, keeping its raw text
with the invalid bytes written `\\xNN`. Nothing is replaced by U+FFFD. (A record that
really contains those private-use code points is rejected the same way.)
"""

import codecs
import re

_BASE = 0x10FF00
ERRORS = "trellis-invalid-utf8"
_MARKER = re.compile("[\U0010ff80-\U0010ffff]")


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(_BASE + b) for b in bad), exc.end


codecs.register_error(ERRORS, _mark)


def decode_input(data: bytes) -> str:
    """UTF-8 text of an input file; invalid bytes become markers (see above)."""
    return data.decode("utf-8", ERRORS)


def incremental_decoder() -> codecs.IncrementalDecoder:
    """The same decoding for input read in chunks (a sequence split across two chunks
    is decoded whole)."""
    return codecs.getincrementaldecoder("utf-8")(ERRORS)


def invalid_utf8(text: str) -> str | None:
    """Why `text` is not what was sent as UTF-8 (first invalid byte and its offset in
    bytes from the start of `text`), or None."""
    if text.isascii():
        return None
    found = _MARKER.search(text)
    if found is None:
        return None
    offset = len(text[: found.start()].encode("utf-8"))
    byte = ord(found.group()) - _BASE
    count = len(_MARKER.findall(text))
    more = f" ({count} invalid bytes in all)" if count > 1 else ""
    return f"invalid UTF-8 at byte offset {offset} of the record: 0x{byte:02x}{more}"


def escaped(text: str) -> str:
    """`text` with each invalid byte written as `\\xNN`."""
    return _MARKER.sub(lambda m: f"\\x{ord(m.group()) - _BASE:02x}", text)
