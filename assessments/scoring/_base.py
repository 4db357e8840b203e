"""What every scorer shares: results, outcomes, the spec base class."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
MAX_TEXT_ANSWER = 1000
Weight = Annotated[Decimal, Field(ge=-100, le=100)]


class Outcome(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    UNANSWERED = "unanswered"
    INVALID = "invalid"
    AWAITING_REVIEW = "awaiting_review"


@dataclass(frozen=True)
class Result:
    fraction: Decimal
    outcome: Outcome
    feedback: tuple[str, ...] = field(default=())

    def points(self, max_points: Decimal) -> Decimal:
        return (max_points * self.fraction).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class SpecError(ValueError):
    """The question's spec is not valid for its type."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
