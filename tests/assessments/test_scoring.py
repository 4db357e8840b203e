"""Tables of scoring cases for every question type: partial credit, tolerance edges,
patterns, empty and malformed answers. The scorers are pure, so no database."""

from decimal import Decimal as D

import pytest

from assessments import scoring
from assessments.scoring import Outcome, SpecError

OK, PART, WRONG, EMPTY, BAD = (
    Outcome.CORRECT,
    Outcome.PARTIAL,
    Outcome.INCORRECT,
    Outcome.UNANSWERED,
    Outcome.INVALID,
)

SINGLE = {
    "choices": [
        {"id": "a", "text": "PSI on a key feature rises", "weight": "100", "feedback": "Yes."},
        {"id": "b", "text": "CPU use rises", "weight": "0", "feedback": "Not drift."},
        {"id": "c", "text": "Labels arrive late", "weight": "50", "feedback": "Related."},
        {"id": "d", "text": "The pager is silent", "weight": "-50", "feedback": "No."},
    ]
}


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome", "feedback"),
    [
        ("a", D(1), OK, ("Yes.",)),
        ("c", D("0.5"), PART, ("Related.",)),
        ("b", D(0), WRONG, ("Not drift.",)),
        ("d", D(0), WRONG, ("No.",)),  # a negative weight never goes below 0
        ("", D(0), EMPTY, ("No answer was given.",)),
        ("   ", D(0), EMPTY, ("No answer was given.",)),
        (None, D(0), EMPTY, ("No answer was given.",)),
        ("z", D(0), BAD, ("The answer could not be read: that choice is not offered.",)),
        (["a"], D(0), BAD, ("The answer could not be read: expected one choice.",)),
        (1, D(0), BAD, ("The answer could not be read: expected one choice.",)),
    ],
)
def test_single_choice(answer, fraction, outcome, feedback):
    result = scoring.score("single", SINGLE, answer)
    assert (result.fraction, result.outcome, result.feedback) == (fraction, outcome, feedback)


MULTIPLE = {
    "choices": [
        {"id": "a", "text": "PSI", "weight": "50", "feedback": "A drift metric."},
        {"id": "b", "text": "KL divergence", "weight": "50"},
        {"id": "c", "text": "Uptime", "weight": "-50", "feedback": "Availability."},
        {"id": "d", "text": "Error budget", "weight": "-50"},
    ]
}


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome"),
    [
        (["a", "b"], D(1), OK),
        (["b", "a"], D(1), OK),
        (["a"], D("0.5"), PART),
        (["a", "b", "c"], D("0.5"), PART),
        (["a", "c"], D(0), WRONG),
        (["a", "b", "c", "d"], D(0), WRONG),  # ticking everything earns nothing
        (["c", "d"], D(0), WRONG),  # never below zero
        ([], D(0), EMPTY),
        (None, D(0), EMPTY),
        ("a", D(0), BAD),
        (["a", "a"], D(0), BAD),
        (["a", "x"], D(0), BAD),
        ([1, 2], D(0), BAD),
    ],
)
def test_multiple_response_partial_credit(answer, fraction, outcome):
    result = scoring.score("multiple", MULTIPLE, answer)
    assert (result.fraction, result.outcome) == (fraction, outcome)


def test_multiple_response_feedback_lists_each_ticked_choice_in_order():
    result = scoring.score("multiple", MULTIPLE, ["c", "a"])
    assert result.feedback == ("A drift metric.", "Availability.")


def test_multiple_response_thirds_add_up_to_full_marks():
    spec = {
        "choices": [
            {"id": "a", "text": "x", "weight": "33.333"},
            {"id": "b", "text": "y", "weight": "33.333"},
            {"id": "c", "text": "z", "weight": "33.333"},
            {"id": "d", "text": "w", "weight": "-100"},
        ]
    }
    assert scoring.score("multiple", spec, ["a", "b", "c"]).fraction == D(1)
    assert scoring.score("multiple", spec, ["a", "b", "c"]).outcome == OK
    assert scoring.score("multiple", spec, ["a"]).points(D(3)) == D("1.00")


TRUE_FALSE = {"answer": True, "feedback_true": "Right.", "feedback_false": "It is true."}


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome", "feedback"),
    [
        (True, D(1), OK, ("Right.",)),
        ("true", D(1), OK, ("Right.",)),
        ("T", D(1), OK, ("Right.",)),
        (" TRUE ", D(1), OK, ("Right.",)),
        (False, D(0), WRONG, ("It is true.",)),
        ("false", D(0), WRONG, ("It is true.",)),
        ("", D(0), EMPTY, ("No answer was given.",)),
        (None, D(0), EMPTY, ("No answer was given.",)),
        ("yes", D(0), BAD, ("The answer could not be read: expected true or false.",)),
        (1, D(0), BAD, ("The answer could not be read: expected true or false.",)),
    ],
)
def test_true_false(answer, fraction, outcome, feedback):
    result = scoring.score("true_false", TRUE_FALSE, answer)
    assert (result.fraction, result.outcome, result.feedback) == (fraction, outcome, feedback)


NUMERIC = {
    "answers": [
        {"value": "3.0", "tolerance": "0.5", "feedback": "Within tolerance."},
        {"value": "3.0", "tolerance": "1", "weight": "50", "feedback": "Close."},
    ]
}
NOT_A_NUMBER = (
    "The answer could not be read: enter a number such as 3.5 (digits, one point, no commas).",
)


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome", "feedback"),
    [
        ("3", D(1), OK, ("Within tolerance.",)),
        ("3.5", D(1), OK, ("Within tolerance.",)),  # upper edge included
        ("2.5", D(1), OK, ("Within tolerance.",)),  # lower edge included
        ("3.5000001", D("0.5"), PART, ("Close.",)),
        ("2.4999999", D("0.5"), PART, ("Close.",)),
        ("4", D("0.5"), PART, ("Close.",)),  # edge of the wider interval
        ("4.0000001", D(0), WRONG, ()),
        ("-3", D(0), WRONG, ()),
        (" 3.2 ", D(1), OK, ("Within tolerance.",)),
        ("3e0", D(1), OK, ("Within tolerance.",)),
        (".3e1", D(1), OK, ("Within tolerance.",)),
        (3, D(1), OK, ("Within tolerance.",)),
        (3.5, D(1), OK, ("Within tolerance.",)),
        ("", D(0), EMPTY, ("No answer was given.",)),
        (None, D(0), EMPTY, ("No answer was given.",)),
        ("abc", D(0), BAD, NOT_A_NUMBER),
        ("3,5", D(0), BAD, NOT_A_NUMBER),
        ("1,000", D(0), BAD, NOT_A_NUMBER),
        ("nan", D(0), BAD, NOT_A_NUMBER),
        ("inf", D(0), BAD, NOT_A_NUMBER),
        ("3..5", D(0), BAD, NOT_A_NUMBER),
        (True, D(0), BAD, NOT_A_NUMBER),
        (["3"], D(0), BAD, NOT_A_NUMBER),
    ],
)
def test_numeric_with_tolerance(answer, fraction, outcome, feedback):
    result = scoring.score("numeric", NUMERIC, answer)
    assert (result.fraction, result.outcome, result.feedback) == (fraction, outcome, feedback)


@pytest.mark.parametrize(
    ("answer", "fraction"),
    [("3.2", D(1)), ("3.0", D(1)), (3.2, D(1)), ("3.2000001", D(0)), ("2.9999999", D(0))],
)
def test_numeric_edges_are_exact_in_decimal(answer, fraction):
    # In binary floating point 3.2 - 3.1 > 0.1, which would wrongly reject 3.2.
    spec = {"answers": [{"value": "3.1", "tolerance": "0.1"}]}
    assert scoring.score("numeric", spec, answer).fraction == fraction


@pytest.mark.parametrize(
    ("answer", "fraction"),
    [("1", D(1)), ("5", D(1)), ("0.999", D(0)), ("5.01", D(0)), ("-2", D(0))],
)
def test_numeric_range(answer, fraction):
    spec = {"answers": [{"low": "1", "high": "5"}]}
    assert scoring.score("numeric", spec, answer).fraction == fraction


@pytest.mark.parametrize(
    ("mode", "accepted", "answer", "fraction", "outcome"),
    [
        ("iexact", "PSI", "psi", D(1), OK),
        ("iexact", "PSI", "  PSI  ", D(1), OK),
        ("iexact", "PSI", "P S I", D(0), WRONG),
        ("iexact", "population stability index", "Population  Stability\tIndex", D(1), OK),
        ("exact", "kubectl rollout undo", "kubectl rollout undo", D(1), OK),
        ("exact", "kubectl rollout undo", "kubectl  rollout undo ", D(1), OK),
        ("exact", "kubectl rollout undo", "Kubectl rollout undo", D(0), WRONG),
        ("regex", r"p(95|99)", "p99", D(1), OK),
        ("regex", r"p(95|99)", " p95 ", D(1), OK),
        ("regex", r"p(95|99)", "P99", D(0), WRONG),
        ("regex", r"p(95|99)", "xp99", D(0), WRONG),  # the whole answer must match
        ("regex", r"p(95|99)", "p999", D(0), WRONG),
        ("regex", r"(?i)p(95|99)", "P99", D(1), OK),
        ("iexact", "PSI", "", D(0), EMPTY),
        ("iexact", "PSI", None, D(0), EMPTY),
        ("iexact", "PSI", 42, D(0), BAD),
        ("iexact", "PSI", ["PSI"], D(0), BAD),
        ("iexact", "PSI", "x" * 1001, D(0), BAD),
    ],
)
def test_short_text_modes(mode, accepted, answer, fraction, outcome):
    spec = {"answers": [{"text": accepted, "mode": mode}]}
    result = scoring.score("short_text", spec, answer)
    assert (result.fraction, result.outcome) == (fraction, outcome)


def test_short_text_best_matching_answer_wins_with_its_feedback():
    spec = {
        "answers": [
            {"text": r"p\d+", "mode": "regex", "weight": "50", "feedback": "A percentile."},
            {"text": "p99", "mode": "iexact", "feedback": "The tail."},
        ]
    }
    assert scoring.score("short_text", spec, "P99").feedback == ("The tail.",)
    assert scoring.score("short_text", spec, "p99").fraction == D(1)
    assert scoring.score("short_text", spec, "p50").fraction == D("0.5")
    assert scoring.score("short_text", spec, "p50").feedback == ("A percentile.",)


ORDERING = {"items": [{"id": k, "text": k.upper()} for k in "abcd"]}


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome"),
    [
        (["a", "b", "c", "d"], D(1), OK),
        (["b", "a", "c", "d"], D(5) / D(6), PART),  # one adjacent swap: 5 of 6 pairs
        (["a", "b", "d", "c"], D(5) / D(6), PART),
        (["d", "a", "b", "c"], D(3) / D(6), PART),
        (["d", "c", "b", "a"], D(0), WRONG),
        ([], D(0), EMPTY),
        (None, D(0), EMPTY),
        (["a", "b", "c"], D(0), BAD),
        (["a", "b", "c", "c"], D(0), BAD),
        (["a", "b", "c", "x"], D(0), BAD),
        ("abcd", D(0), BAD),
        ({"a": 1}, D(0), BAD),
    ],
)
def test_ordering_kendall_partial_credit(answer, fraction, outcome):
    result = scoring.score("ordering", ORDERING, answer)
    assert (result.fraction, result.outcome) == (fraction, outcome)


def test_ordering_all_or_nothing():
    spec = {**ORDERING, "partial": False}
    assert scoring.score("ordering", spec, ["b", "a", "c", "d"]).fraction == D(0)
    assert scoring.score("ordering", spec, ["a", "b", "c", "d"]).fraction == D(1)


MATCHING = {
    "pairs": [
        {"id": "p1", "prompt": "PSI", "match": "distribution shift"},
        {"id": "p2", "prompt": "MTTR", "match": "time to recover"},
        {"id": "p3", "prompt": "MTTD", "match": "time to detect"},
    ],
    "distractors": ["uptime"],
}
ALL_RIGHT = {"p1": "distribution shift", "p2": "time to recover", "p3": "time to detect"}


@pytest.mark.parametrize(
    ("answer", "fraction", "outcome"),
    [
        (ALL_RIGHT, D(1), OK),
        ({**ALL_RIGHT, "p3": "uptime"}, D(2) / D(3), PART),
        ({"p1": "distribution shift"}, D(1) / D(3), PART),
        ({**ALL_RIGHT, "p2": "time to detect", "p3": "time to recover"}, D(1) / D(3), PART),
        ({"p1": "uptime", "p2": "uptime", "p3": "uptime"}, D(0), WRONG),
        ({"p1": "", "p2": "", "p3": ""}, D(0), WRONG),
        ({}, D(0), EMPTY),
        (None, D(0), EMPTY),
        ({"p9": "uptime"}, D(0), BAD),
        ({"p1": "made up"}, D(0), BAD),
        (["distribution shift"], D(0), BAD),
        ({"p1": 3}, D(0), BAD),
    ],
)
def test_matching(answer, fraction, outcome):
    result = scoring.score("matching", MATCHING, answer)
    assert (result.fraction, result.outcome) == (fraction, outcome)


@pytest.mark.parametrize(
    ("fraction", "max_points", "points"),
    [(D(1), D(2), D("2.00")), (D(5) / D(6), D(1), D("0.83")), (D(1) / D(3), D(2), D("0.67"))],
)
def test_points_are_rounded_half_up_to_cents(fraction, max_points, points):
    assert scoring.Result(fraction, OK).points(max_points) == points


@pytest.mark.parametrize(
    ("qtype", "spec", "message"),
    [
        ("single", {"choices": [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}]}, "weight 100"),
        ("single", {"choices": [{"id": "a", "text": "x", "weight": "100"}]}, "at least 2"),
        (
            "single",
            {"choices": [{"id": "a", "text": "x", "weight": "100"}, {"id": "a", "text": "y"}]},
            "unique",
        ),
        (
            "multiple",
            {"choices": [{"id": "a", "text": "x", "weight": "50"}, {"id": "b", "text": "y"}]},
            "add up to 100",
        ),
        ("numeric", {"answers": [{"low": "5", "high": "1"}]}, "low <= high"),
        ("numeric", {"answers": [{"value": "1", "low": "0", "high": "2"}]}, "not both"),
        ("numeric", {"answers": [{"value": "1", "weight": "50"}]}, "fully right"),
        ("short_text", {"answers": [{"text": "p(9", "mode": "regex"}]}, "not a valid regular"),
        ("ordering", {"items": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, "unique"),
        ("matching", {"pairs": [{"id": "p", "prompt": "x", "match": "y"}]}, "at least 2"),
        ("cloze", {}, "unknown question type"),
        ("true_false", {"answer": True, "colour": "red"}, "Extra inputs"),
    ],
)
def test_invalid_specs_are_refused_with_a_reason(qtype, spec, message):
    with pytest.raises(SpecError, match=message):
        scoring.parse_spec(qtype, spec)


@pytest.mark.parametrize(
    ("qtype", "spec", "lines"),
    [
        ("single", SINGLE, ["PSI on a key feature rises", "Labels arrive late"]),
        ("multiple", MULTIPLE, ["PSI", "KL divergence"]),
        ("true_false", TRUE_FALSE, ["True"]),
        ("numeric", NUMERIC, ["3.0 ± 0.5"]),
        ("numeric", {"answers": [{"low": "1", "high": "5"}]}, ["between 1 and 5"]),
        (
            "short_text",
            {"answers": [{"text": "p9.", "mode": "regex"}]},
            [scoring.PATTERN_ONLY],
        ),
        (
            "short_text",
            {"answers": [{"text": "p9.", "mode": "regex"}, {"text": "p99"}]},
            ["p99"],
        ),
        ("ordering", ORDERING, ["1. A", "2. B", "3. C", "4. D"]),
        (
            "matching",
            MATCHING,
            ["PSI → distribution shift", "MTTR → time to recover", "MTTD → time to detect"],
        ),
    ],
)
def test_correct_answer_in_words(qtype, spec, lines):
    assert scoring.correct_answer(qtype, spec) == lines


@pytest.mark.parametrize(
    ("fraction", "level"),
    [(D(0), 1), (D("0.19"), 1), (D("0.2"), 2), (D("0.59"), 3), (D("0.8"), 5), (D(1), 5)],
)
def test_skill_level_by_quintile(fraction, level):
    assert scoring.level_from_fraction(fraction) == level


@pytest.mark.parametrize(("fraction", "level"), [(D("0.1"), 1), (D("0.667"), 2), (D(1), 2)])
def test_an_attempt_that_did_not_pass_evidences_at_most_level_two(fraction, level):
    assert scoring.level_from_fraction(fraction, passed=False) == level


RUBRIC = [
    {
        "criterion": "Clarity",
        "levels": [{"label": "Unclear", "points": 0}, {"label": "Clear", "points": 2}],
    },
    {
        "criterion": "Grounding",
        "levels": [
            {"label": "None", "points": 0},
            {"label": "Some", "points": 1},
            {"label": "Cited", "points": 3},
        ],
    },
]


@pytest.mark.parametrize(
    ("levels", "points"), [([0, 0], D(0)), ([1, 1], D(3)), ([1, 2], D(5)), ([0, 2], D(3))]
)
def test_rubric_points(levels, points):
    assert scoring.rubric_points(scoring.parse_rubric(RUBRIC), levels) == points


@pytest.mark.parametrize(
    ("levels", "message"),
    [([0], "each of the 2 criteria"), ([0, 3], "level 3 does not exist"), ([0, "1"], "choose")],
)
def test_rubric_points_refuse_levels_that_do_not_fit(levels, message):
    with pytest.raises(ValueError, match=message):
        scoring.rubric_points(scoring.parse_rubric(RUBRIC), levels)


def test_rubric_agreement_between_two_reviewers():
    rubric = scoring.parse_rubric(RUBRIC)
    agreement = scoring.rubric_agreement(rubric, [1, 2], [1, 1])
    assert (agreement.same_level, agreement.criteria, agreement.points_apart) == (1, 2, D(2))
    assert agreement.exact == D("0.50")
    assert rubric.max_points == D(5)
