"""Rubrics: criteria with levels, a reviewer's points, two reviewers' agreement."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ._base import ZERO, SpecError, _Spec


class RubricLevel(_Spec):
    label: str = Field(min_length=1, max_length=120)
    points: Decimal = Field(ge=0, le=1000)
    description: str = ""


class RubricCriterion(_Spec):
    criterion: str = Field(min_length=1, max_length=200)
    description: str = ""
    levels: list[RubricLevel] = Field(min_length=2)


class Rubric(BaseModel):
    criteria: list[RubricCriterion] = Field(min_length=1)

    @property
    def max_points(self) -> Decimal:
        return sum((max(lv.points for lv in c.levels) for c in self.criteria), ZERO)


def parse_rubric(data: Any) -> Rubric:
    """A rubric from its JSON list form ([{criterion, description, levels: [...]}])."""
    try:
        return Rubric.model_validate({"criteria": data})
    except ValidationError as exc:
        raise SpecError(
            "; ".join(
                ".".join(str(p) for p in e["loc"][1:]) + ": " + e["msg"] for e in exc.errors()
            )
        ) from exc


def rubric_points(rubric: Rubric, levels: list[int]) -> Decimal:
    """Points for one reviewer's chosen level per criterion; ValueError if they do not fit."""
    if len(levels) != len(rubric.criteria):
        raise ValueError(f"choose one level for each of the {len(rubric.criteria)} criteria")
    total = ZERO
    for criterion, level in zip(rubric.criteria, levels, strict=True):
        if isinstance(level, bool) or not isinstance(level, int):
            raise ValueError(f"{criterion.criterion}: choose one of its levels")
        if not 0 <= level < len(criterion.levels):
            raise ValueError(f"{criterion.criterion}: level {level} does not exist")
        total += criterion.levels[level].points
    return total


@dataclass(frozen=True)
class Agreement:
    """How far two reviewers agree: share of criteria with the same level, points apart."""

    same_level: int
    criteria: int
    points_apart: Decimal

    @property
    def exact(self) -> Decimal:
        return (Decimal(self.same_level) / Decimal(self.criteria)).quantize(Decimal("0.01"))


def rubric_agreement(rubric: Rubric, first: list[int], second: list[int]) -> Agreement:
    same = sum(1 for a, b in zip(first, second, strict=True) if a == b)
    apart = abs(rubric_points(rubric, first) - rubric_points(rubric, second))
    return Agreement(same, len(rubric.criteria), apart)
