"""What reading and writing GIFT share: the special characters, the result types."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

_SPECIAL = "\\~=#{}:>"
# `\%` (an answer that starts with a percent sign, not a weight) is read but only written
# where needed, at the start of a text.
# Escaped specials are parked on Unicode noncharacters (U+FDD0…), which exist for
# internal use and never appear in interchanged text; input that holds one is refused.
_PLACEHOLDER = {ch: chr(0xFDD0 + i) for i, ch in enumerate(_SPECIAL + "%")}
_NONCHARACTERS = frozenset(chr(c) for c in range(0xFDD0, 0xFDF0))
_RESTORE = {v: k for k, v in _PLACEHOLDER.items()}
_FORMATS = ("[markdown]", "[plain]", "[html]", "[moodle]")


@dataclass
class ParsedQuestion:
    line: int
    qtype: str
    text: str
    spec: dict[str, Any]
    title: str = ""
    category: str = ""
    general_feedback: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    points: Decimal = Decimal("1")


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str
    title: str = ""

    def __str__(self) -> str:
        label = f" ({self.title})" if self.title else ""
        return f"line {self.line}{label}: {self.message}"


@dataclass
class GiftResult:
    questions: list[ParsedQuestion]
    errors: list[GiftError]


class _Problem(Exception):
    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def _dec(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 100, -33.33333, 0.5."""
    return f"{value.normalize():f}" if value else "0"
