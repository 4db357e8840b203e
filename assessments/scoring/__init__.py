"""Pure scoring: one scorer per question type, no database, no clock.

Each question type has a pydantic spec (what `Question.spec` holds) and a scorer
`score(qtype, spec, answer) -> Outcome`. Answers come from forms and the API, so a
scorer never trusts their shape: an empty answer scores 0 as "unanswered", a
malformed one 0 as "invalid", each with a feedback line saying so.

Weights are percentages of the question's points (GIFT's `%50%`). The partial-credit
rules, also in docs/assessments.md:

- single choice: the weight of the chosen choice (clamped to 0–100);
- multiple response: the sum of the weights of every ticked choice, clamped to
  0–100. Right choices carry positive weights summing to 100 (3 × 33.333 counts
  as 100), wrong ones negative weights (by default −100 / number of right
  choices), so ticking every box earns nothing;
- true/false: all or nothing;
- numeric: the weight of the best accepted answer whose interval holds the
  number (edges included, compared exactly in decimal);
- short text: the weight of the best accepted answer that matches;
- ordering: the share of item pairs put in the right relative order (Kendall),
  or all or nothing when the spec says `partial: false`;
- matching: the share of prompts matched correctly.
"""

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from ._base import (
    HUNDRED,
    MAX_TEXT_ANSWER,
    ONE,
    ZERO,
    Outcome,
    Result,
    SpecError,
    Weight,
    _Spec,
)
from .rubrics import (
    Agreement,
    Rubric,
    RubricCriterion,
    RubricLevel,
    parse_rubric,
    rubric_agreement,
    rubric_points,
)

__all__ = [
    "HUNDRED",
    "MAX_TEXT_ANSWER",
    "ONE",
    "ZERO",
    "Agreement",
    "Outcome",
    "Result",
    "Rubric",
    "RubricCriterion",
    "RubricLevel",
    "SpecError",
    "Weight",
    "parse_rubric",
    "rubric_agreement",
    "rubric_points",
]


class Choice(_Spec):
    id: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1)
    weight: Weight = ZERO
    feedback: str = ""


def _unique_ids(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique")


class SingleSpec(_Spec):
    choices: list[Choice] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> "SingleSpec":
        _unique_ids([c.id for c in self.choices], "choice")
        if not any(c.weight == HUNDRED for c in self.choices):
            raise ValueError("one choice must be fully right (weight 100)")
        return self


class MultipleSpec(_Spec):
    choices: list[Choice] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> "MultipleSpec":
        _unique_ids([c.id for c in self.choices], "choice")
        positive = sum((c.weight for c in self.choices if c.weight > 0), ZERO)
        # GIFT authors write thirds as 33.333; allow that rounding, nothing more.
        if abs(positive - HUNDRED) > Decimal("0.1"):
            raise ValueError(f"the weights of the right choices must add up to 100, not {positive}")
        return self


class TrueFalseSpec(_Spec):
    answer: bool
    feedback_true: str = ""
    feedback_false: str = ""


class NumericAnswer(_Spec):
    value: Decimal | None = None
    tolerance: Decimal = Field(default=ZERO, ge=0)
    low: Decimal | None = None
    high: Decimal | None = None
    # 0: a wrong or feedback-only answer, matched for its feedback (GIFT ~ and =%0%).
    weight: Annotated[Decimal, Field(ge=0, le=100)] = HUNDRED
    feedback: str = ""

    @model_validator(mode="after")
    def _check(self) -> "NumericAnswer":
        if self.value is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either value (± tolerance) or low..high, not both")
        if self.value is None and (self.low is None or self.high is None):
            raise ValueError("give a value (± tolerance) or both low and high")
        lo, hi = self.bounds
        if not (lo.is_finite() and hi.is_finite()) or lo > hi:
            raise ValueError("the interval must be finite with low <= high")
        return self

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        if self.value is not None:
            return self.value - self.tolerance, self.value + self.tolerance
        return self.low, self.high  # type: ignore[return-value]

    def describe(self) -> str:
        if self.value is not None:
            return f"{self.value}" + (f" ± {self.tolerance}" if self.tolerance else "")
        return f"between {self.low} and {self.high}"


class NumericSpec(_Spec):
    answers: list[NumericAnswer] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "NumericSpec":
        if not any(a.weight == HUNDRED for a in self.answers):
            raise ValueError("one accepted answer must be fully right (weight 100)")
        return self


PATTERN_ONLY = "an answer in the form the author accepts (checked against a pattern, not shown)"


class MatchMode(StrEnum):
    EXACT = "exact"
    IEXACT = "iexact"
    REGEX = "regex"


class ShortAnswer(_Spec):
    text: str = Field(min_length=1, max_length=500)
    mode: MatchMode = MatchMode.IEXACT
    # 0: a feedback-only answer or catch-all (GIFT =%0% and =%0%*).
    weight: Annotated[Decimal, Field(ge=0, le=100)] = HUNDRED
    feedback: str = ""

    @model_validator(mode="after")
    def _check(self) -> "ShortAnswer":
        if self.mode == MatchMode.REGEX:
            try:
                re.compile(self.text)
            except re.error as exc:
                raise ValueError(
                    f"pattern {self.text!r} is not a valid regular expression: {exc}"
                ) from exc
        return self


class ShortTextSpec(_Spec):
    answers: list[ShortAnswer] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "ShortTextSpec":
        if not any(a.weight == HUNDRED for a in self.answers):
            raise ValueError("one accepted answer must be fully right (weight 100)")
        return self


class Item(_Spec):
    id: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1)


class OrderingSpec(_Spec):
    """`items` in the right order; learners always see them shuffled."""

    items: list[Item] = Field(min_length=2)
    partial: bool = True

    @model_validator(mode="after")
    def _check(self) -> "OrderingSpec":
        _unique_ids([i.id for i in self.items], "item")
        return self


class Pair(_Spec):
    id: str = Field(min_length=1, max_length=40)
    prompt: str = Field(min_length=1)
    match: str = Field(min_length=1)


class MatchingSpec(_Spec):
    """Prompts on the left, matches (plus distractors) offered on the right."""

    pairs: list[Pair] = Field(min_length=2)
    distractors: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "MatchingSpec":
        _unique_ids([p.id for p in self.pairs], "pair")
        return self

    @property
    def options(self) -> list[str]:
        seen: dict[str, None] = {}
        for text in [p.match for p in self.pairs] + self.distractors:
            seen.setdefault(text, None)
        return list(seen)


MAX_ESSAY_ANSWER = 3500  # within the 4000 characters an answer may take (JSON)


def _default_essay_rubric() -> list[RubricCriterion]:
    levels = [("Missing or wrong", 0), ("Partly right", 1), ("Complete and right", 2)]
    return [
        RubricCriterion(
            criterion="Answer",
            levels=[RubricLevel(label=label, points=Decimal(p)) for label, p in levels],
        )
    ]


class EssaySpec(_Spec):
    """Extended text (an essay), scored by a reviewer with the rubric: the question's
    points times the rubric points chosen over the rubric's maximum."""

    rubric: list[RubricCriterion] = Field(default_factory=_default_essay_rubric, min_length=1)
    guidance: str = ""  # for reviewers (GIFT/Moodle grader information)
    max_chars: int = Field(default=MAX_ESSAY_ANSWER, ge=1, le=MAX_ESSAY_ANSWER)


class DescriptionSpec(_Spec):
    """A text block between questions: shown, never answered, never scored."""


UNSCORED = frozenset({"description"})
REVIEWED = frozenset({"essay"})

SPECS: dict[str, type[_Spec]] = {
    "single": SingleSpec,
    "multiple": MultipleSpec,
    "true_false": TrueFalseSpec,
    "numeric": NumericSpec,
    "short_text": ShortTextSpec,
    "ordering": OrderingSpec,
    "matching": MatchingSpec,
    "essay": EssaySpec,
    "description": DescriptionSpec,
}


def parse_spec(qtype: str, spec: Any) -> Any:
    """The validated spec model for `qtype`; SpecError with readable reasons otherwise."""
    model = SPECS.get(qtype)
    if model is None:
        raise SpecError(f"unknown question type {qtype!r}")
    try:
        return model.model_validate(spec)
    except ValidationError as exc:
        raise SpecError(
            "; ".join(
                (".".join(str(p) for p in e["loc"]) + ": " if e["loc"] else "")
                + e["msg"].removeprefix("Value error, ")
                for e in exc.errors()
            )
        ) from exc


def dump_spec(spec: _Spec) -> dict[str, Any]:
    """JSON-ready dict of a spec (decimals as strings, so they survive exactly)."""
    return spec.model_dump(mode="json", exclude_defaults=False)


# --- answers -----------------------------------------------------------------------

EMPTY = Result(ZERO, Outcome.UNANSWERED, ("No answer was given.",))


def _invalid(why: str) -> Result:
    return Result(ZERO, Outcome.INVALID, (f"The answer could not be read: {why}.",))


def _is_empty(answer: Any) -> bool:
    if answer is None:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, list | dict | tuple):
        return not answer
    return False


def _clamp(weight_percent: Decimal) -> Decimal:
    return min(max(weight_percent, ZERO), HUNDRED) / HUNDRED


def _outcome(fraction: Decimal) -> Outcome:
    if fraction >= ONE:
        return Outcome.CORRECT
    if fraction > ZERO:
        return Outcome.PARTIAL
    return Outcome.INCORRECT


def _result(fraction: Decimal, feedback: list[str]) -> Result:
    return Result(fraction, _outcome(fraction), tuple(f for f in feedback if f))


def score_single(spec: SingleSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, str):
        return _invalid("expected one choice")
    chosen = next((c for c in spec.choices if c.id == answer), None)
    if chosen is None:
        return _invalid("that choice is not offered")
    return _result(_clamp(chosen.weight), [chosen.feedback])


def score_multiple(spec: MultipleSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        return _invalid("expected a list of choices")
    if len(set(answer)) != len(answer):
        return _invalid("a choice was ticked twice")
    by_id = {c.id: c for c in spec.choices}
    if any(a not in by_id for a in answer):
        return _invalid("a ticked choice is not offered")
    ticked = [c for c in spec.choices if c.id in set(answer)]
    total = sum((c.weight for c in ticked), ZERO)
    # Relative to the right choices' total, so thirds written as 33.333 still make 1.
    right = sum((c.weight for c in spec.choices if c.weight > 0), ZERO)
    return _result(_clamp(total * HUNDRED / right), [c.feedback for c in ticked])


def _as_bool(answer: Any) -> bool | None:
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str) and answer.strip().lower() in {"true", "t", "false", "f"}:
        return answer.strip().lower() in {"true", "t"}
    return None


def score_true_false(spec: TrueFalseSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    value = _as_bool(answer)
    if value is None:
        return _invalid("expected true or false")
    feedback = spec.feedback_true if value else spec.feedback_false
    return _result(ONE if value == spec.answer else ZERO, [feedback])


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(answer: Any) -> Decimal | None:
    """The answer as an exact decimal, or None. Booleans and non-finite values are not numbers."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return Decimal(answer)
    if isinstance(answer, float):
        # repr gives the shortest string that round-trips, so 0.1 stays 0.1.
        answer = repr(answer)
    if not isinstance(answer, str):
        return None
    text = answer.strip()
    if len(text) > 60 or not _NUMBER.match(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def score_numeric(spec: NumericSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    number = parse_number(answer)
    if number is None:
        return _invalid("enter a number such as 3.5 (digits, one point, no commas)")
    matching = [a for a in spec.answers if a.bounds[0] <= number <= a.bounds[1]]
    if not matching:
        return _result(ZERO, [])
    best = max(matching, key=lambda a: a.weight)
    return _result(_clamp(best.weight), [best.feedback])


def _normalise(text: str) -> str:
    return " ".join(text.split())


def short_text_matches(accepted: ShortAnswer, given: str) -> bool:
    if accepted.mode == MatchMode.REGEX:
        return re.fullmatch(accepted.text, given.strip()) is not None
    if accepted.mode == MatchMode.EXACT:
        return _normalise(given) == _normalise(accepted.text)
    return _normalise(given).casefold() == _normalise(accepted.text).casefold()


def score_short_text(spec: ShortTextSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, str):
        return _invalid("expected text")
    if len(answer) > MAX_TEXT_ANSWER:
        return _invalid(f"longer than {MAX_TEXT_ANSWER} characters")
    matching = [a for a in spec.answers if short_text_matches(a, answer)]
    if not matching:
        return _result(ZERO, [])
    best = max(matching, key=lambda a: a.weight)
    return _result(_clamp(best.weight), [best.feedback])


def score_ordering(spec: OrderingSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        return _invalid("expected the items in an order")
    wanted = [i.id for i in spec.items]
    if sorted(answer) != sorted(wanted):
        return _invalid("every item must be placed exactly once")
    if answer == wanted:
        return _result(ONE, [])
    if not spec.partial:
        return _result(ZERO, [])
    position = {item_id: index for index, item_id in enumerate(answer)}
    n = len(wanted)
    pairs = n * (n - 1) // 2
    concordant = sum(
        1 for i in range(n) for j in range(i + 1, n) if position[wanted[i]] < position[wanted[j]]
    )
    return _result(Decimal(concordant) / Decimal(pairs), [])


def score_matching(spec: MatchingSpec, answer: Any) -> Result:
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in answer.items()
    ):
        return _invalid("expected a match for each prompt")
    pair_ids = {p.id for p in spec.pairs}
    if any(k not in pair_ids for k in answer):
        return _invalid("a prompt is not part of this question")
    options = set(spec.options)
    if any(v and v not in options for v in answer.values()):
        return _invalid("a match is not one of the options")
    right = sum(1 for p in spec.pairs if answer.get(p.id) == p.match)
    return _result(Decimal(right) / Decimal(len(spec.pairs)), [])


def score_essay(spec: EssaySpec, answer: Any) -> Result:
    """Without a review: 0, awaiting one (`score_essay_review` gives the reviewed score)."""
    if _is_empty(answer):
        return EMPTY
    if not isinstance(answer, str):
        return _invalid("expected text")
    if len(answer) > spec.max_chars:
        return _invalid(f"longer than {spec.max_chars} characters")
    return Result(ZERO, Outcome.AWAITING_REVIEW, ("Awaiting a reviewer.",))


def score_essay_review(spec: EssaySpec, answer: Any, levels: list[int]) -> Result:
    """An essay scored with the reviewer's chosen level per rubric criterion."""
    unreviewed = score_essay(spec, answer)
    if unreviewed.outcome != Outcome.AWAITING_REVIEW:
        return unreviewed
    rubric = Rubric(criteria=spec.rubric)
    fraction = rubric_points(rubric, levels) / rubric.max_points if rubric.max_points else ZERO
    return _result(fraction, [])


def score_description(spec: DescriptionSpec, answer: Any) -> Result:
    return Result(ZERO, Outcome.UNANSWERED, ())


SCORERS: dict[str, Callable[[Any, Any], Result]] = {
    "single": score_single,
    "multiple": score_multiple,
    "true_false": score_true_false,
    "numeric": score_numeric,
    "short_text": score_short_text,
    "ordering": score_ordering,
    "matching": score_matching,
    "essay": score_essay,
    "description": score_description,
}


def score(qtype: str, spec: Any, answer: Any) -> Result:
    """Score `answer` against a spec (a dict or an already parsed spec model)."""
    model = spec if isinstance(spec, _Spec) else parse_spec(qtype, spec)
    return SCORERS[qtype](model, answer)


# --- what a learner may be shown -------------------------------------------------------


def correct_answer(qtype: str, spec: Any) -> list[str]:
    """Human-readable correct answer(s), one line each."""
    model = spec if isinstance(spec, _Spec) else parse_spec(qtype, spec)
    if qtype in ("single", "multiple"):
        return [c.text for c in model.choices if c.weight > 0]
    if qtype == "true_false":
        return ["True" if model.answer else "False"]
    if qtype == "numeric":
        return [a.describe() for a in model.answers if a.weight == HUNDRED]
    if qtype == "short_text":
        # A pattern is the marking scheme, not an answer: showing it would hand over every
        # variant it accepts (and its internals), so only literal answers are shown.
        literal = [
            a.text for a in model.answers if a.weight == HUNDRED and a.mode != MatchMode.REGEX
        ]
        return literal or [PATTERN_ONLY]
    if qtype == "ordering":
        return [f"{n}. {i.text}" for n, i in enumerate(model.items, start=1)]
    if qtype == "matching":
        return [f"{p.prompt} → {p.match}" for p in model.pairs]
    if qtype == "essay":
        return [model.guidance or "Scored by a reviewer with a rubric."]
    if qtype == "description":
        return []
    raise SpecError(f"unknown question type {qtype!r}")


def describe_answer(qtype: str, spec: Any, answer: Any) -> list[str]:
    """The learner's own answer in words, for result pages."""
    model = spec if isinstance(spec, _Spec) else parse_spec(qtype, spec)
    if _is_empty(answer):
        return []
    try:
        if qtype == "single":
            return [c.text for c in model.choices if c.id == answer]
        if qtype == "multiple":
            return [c.text for c in model.choices if c.id in set(answer)]
        if qtype == "true_false":
            value = _as_bool(answer)
            return [] if value is None else ["True" if value else "False"]
        if qtype in ("numeric", "short_text", "essay"):
            return [str(answer)]
        if qtype == "ordering":
            text = {i.id: i.text for i in model.items}
            return [f"{n}. {text.get(a, a)}" for n, a in enumerate(answer, start=1)]
        if qtype == "matching":
            return [f"{p.prompt} → {answer.get(p.id) or '—'}" for p in model.pairs]
    except (TypeError, AttributeError):
        return [str(answer)[:200]]
    return []


# --- skill levels --------------------------------------------------------------------


# The highest level an attempt that did not reach its pass mark can evidence: "guided".
FAILED_LEVEL_CAP = 2


def level_from_fraction(fraction: Decimal, *, passed: bool = True) -> int:
    """A 1–5 skill level by quintile: <20 % → 1, <40 % → 2, <60 % → 3, <80 % → 4, else 5.

    Evidence follows the verdict: an attempt below its pass mark shows at most level 2,
    so a failed capstone never reads as independent or proficient."""
    fraction = min(max(fraction, ZERO), ONE)
    level = min(5, 1 + int(fraction * 5))
    return level if passed else min(level, FAILED_LEVEL_CAP)
