"""GIFT: the sample with every supported construct parses exactly; malformed input is
reported with line numbers; what we write reads back the same."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import gift, scoring

SAMPLE = Path(__file__).parent / "data" / "every_construct.gift"


def _q(line, qtype, title, text, spec, category, **extra):
    return {
        "line": line,
        "qtype": qtype,
        "title": title,
        "text": text,
        "spec": spec,
        "category": category,
        "general_feedback": extra.get("general_feedback", ""),
        "notes": extra.get("notes", ""),
        "tags": extra.get("tags", []),
        "points": extra.get("points", Decimal("1")),
    }


def _choice(cid, text, weight, feedback=""):
    return {"id": cid, "text": text, "weight": weight, "feedback": feedback}


DRIFT, ONCALL = "MLOps/Drift", "MLOps/On-call"
EXPECTED = [
    _q(
        7,
        "single",
        "Drift signal",
        "Which signal **most directly** shows input drift?",
        {
            "choices": [
                _choice(
                    "a", "PSI on a key feature rises", "100", "Yes: PSI compares distributions."
                ),
                _choice("b", "CPU use rises", "0", "That is load, not drift."),
                _choice(
                    "c",
                    "Labels arrive late",
                    "50",
                    "Related, but it is a symptom of another problem.",
                ),
            ]
        },
        DRIFT,
        general_feedback="Drift is about the data, not the machine.",
        notes="Checks the basic idea of drift.",
        tags=["drift-detection"],
    ),
    _q(
        14,
        "multiple",
        "Drift metrics",
        "Tick every drift metric.",
        {
            "choices": [
                _choice("a", "PSI", "50"),
                _choice("b", "KL divergence", "50", "Also a distance between distributions."),
                _choice("c", "Uptime", "-50"),  # no weight: −100 / 2 right choices
                _choice("d", "Error budget", "-100", "Reliability, not drift."),
            ]
        },
        DRIFT,
    ),
    _q(
        22,
        "true_false",
        "Retrain fixes all",
        "Retraining always fixes drift.",
        {
            "answer": False,
            "feedback_true": "It can bake the drift in.",
            "feedback_false": "Right: first find out why.",
        },
        DRIFT,
        points=Decimal("2"),
    ),
    _q(
        24,
        "true_false",
        "Is alerting code",
        "Alert rules belong in version control.",
        {"answer": True, "feedback_true": "", "feedback_false": ""},
        DRIFT,
    ),
    _q(
        26,
        "numeric",
        "p95 budget",
        "The latency budget is 300 ms; give it in seconds.",
        {"answers": [{"feedback": "", "value": "0.3", "tolerance": "0.01"}]},
        DRIFT,
    ),
    _q(
        28,
        "numeric",
        "Window",
        "Pick a drift window length in hours between 1 and 24.",
        {"answers": [{"feedback": "", "low": "1", "high": "24"}]},
        DRIFT,
    ),
    _q(
        30,
        "numeric",
        "Pi",
        "Give pi to two places.",
        {
            "answers": [
                {"feedback": "Exactly.", "value": "3.14", "tolerance": "0"},
                {
                    "feedback": "Close enough for half.",
                    "weight": "50",
                    "value": "3.1",
                    "tolerance": "0.1",
                },
            ]
        },
        DRIFT,
    ),
    _q(
        37,
        "short_text",
        "Metric name",
        "Name the metric that compares a feature's histogram with its reference.",
        {
            "answers": [
                {"text": "PSI", "mode": "iexact", "feedback": ""},
                {"text": "population stability index", "mode": "iexact", "feedback": "Spelt out."},
                {
                    "text": "(?is)stability.*",
                    "mode": "regex",
                    "feedback": "Nearly.",
                    "weight": "50",
                },
                {"text": "p{1}s{1}i", "mode": "regex", "feedback": "Odd spelling accepted."},
            ]
        },
        ONCALL,
    ),
    _q(
        44,
        "ordering",
        "Incident order",
        "Put the on-call steps in order.",
        {
            "items": [
                {"id": "i1", "text": "Acknowledge the page"},
                {"id": "i2", "text": "Mitigate customer impact"},
                {"id": "i3", "text": "Find the cause"},
                {"id": "i4", "text": "Write the postmortem"},
            ]
        },
        ONCALL,
    ),
    _q(
        51,
        "matching",
        "Owners",
        "Match each alert to its owner.",
        {
            "pairs": [
                {"id": "p1", "prompt": "Feature drift", "match": "ML platform"},
                {"id": "p2", "prompt": "Pager storm", "match": "SRE"},
                {"id": "p3", "prompt": "Label delay", "match": "Data engineering"},
            ],
            "distractors": ["Security"],
        },
        ONCALL,
    ),
    _q(
        58,
        "single",
        "Blank",
        "A drift alarm without an _____ is noise.",
        {
            "choices": [
                _choice("a", "owner", "100"),
                _choice("b", "threshold", "0"),
                _choice("c", "colour", "0"),
            ]
        },
        ONCALL,
    ),
    _q(
        60,
        "single",
        "Escapes",
        "Which is a valid GIFT answer about {braces} and 1:2 ratios?",
        {
            "choices": [
                _choice("a", "Use \\{ and \\}", "100", "Escaped = and ~ and # too."),
                _choice("b", "Nothing needs escaping", "0"),
            ]
        },
        ONCALL,
    ),
    _q(
        65,
        "true_false",
        "",
        "No title, plain text. Rollbacks need an owner.",
        {"answer": True, "feedback_true": "", "feedback_false": ""},
        ONCALL,
    ),
]


def test_sample_with_every_construct_parses_exactly():
    # given the sample file covering every supported construct
    text = SAMPLE.read_text()

    # when it is parsed
    result = gift.parse_gift(text)

    # then every question comes out exactly as written, with no errors
    assert result.errors == []
    assert [q.__dict__ for q in result.questions] == EXPECTED
    assert {q.qtype for q in result.questions} == set(scoring.SPECS) - {"essay", "description"}


def test_every_parsed_spec_is_valid_for_the_scorers():
    for q in gift.parse_gift(SAMPLE.read_text()).questions:
        scoring.parse_spec(q.qtype, q.spec)


MALFORMED = """\
::Fine:: A good one. {=yes ~no}

::Essay:: Tell us about drift. {}

::Description:: This block has no answer block.

::Not a number:: How many? {#abc}

::Open:: Never closed {=a ~b

::Later:: Still fine? {T}
"""


def test_malformed_blocks_are_reported_with_their_line_numbers():
    result = gift.parse_gift(MALFORMED)
    # an unclosed brace does not swallow the question after the next blank line
    assert [(q.title, q.qtype) for q in result.questions] == [
        ("Fine", "single"),
        ("Essay", "essay"),
        ("Description", "description"),
        ("Later", "true_false"),
    ]
    assert [str(e) for e in result.errors] == [
        "line 7 (Not a number): numeric answer 'abc' is not a number",
        "line 9 (Open): the answer block is not closed with }",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("::B:: Q {~a ~b}", "line 1 (B): no answer is marked right"),
        ("::D:: Q {=a} and {=b}", "line 1 (D): several answer blocks in one question"),
        ("::D2:: Q } and no block", "line 1 (D2): } without a matching {"),
        ("::E:: Q {~%150%a =b}", "line 1 (E): weight 150% is outside -100..100"),
        ("::F:: Q {~%x%a =b}", "line 1 (F): bad weight in '%x%a'"),
        ("::G:: Q {~%50%a ~%20%b}", "line 1 (G): the weights of the right choices must add up"),
        ("::H:: Q {#1..x}", "line 1 (H): numeric answer 'x' is not a number"),
        ("::I:: Q {=a ->}", "line 1 (I): a matching pair has nothing after ->"),
        ("// [points:0]\n::J:: Q {T}", "line 2 (J): [points:0] must be a number above 0"),
        ("// [tag:no spaces]\n::K:: Q {T}", "line 2 (K): [tag:no spaces] is not a skill slug"),
        ("::L:: Q {=/p(9/}", "line 1 (L): answers.0: pattern 'p(9' is not a valid"),
        ("::M:: Q {>a}", "line 1 (M): items: List should have at least 2 items"),
        ("::N no end Q {T}", "line 1: the title is not closed with ::"),
        ("::O:: {T}", "line 1 (O): the question has no text"),
        ("::P:: Q }{T}", "line 1 (P): } without a matching {"),
    ],
)
def test_malformed_questions_say_what_is_wrong(text, error):
    result = gift.parse_gift(text)
    assert result.questions == []
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(error)


def test_error_line_points_inside_a_multi_line_question():
    text = "::Multi::\nWhich?\n{\n  =fine\n  ~%abc%broken\n}\n"
    assert [str(e) for e in gift.parse_gift(text).errors] == [
        "line 5 (Multi): bad weight in '%abc%broken': write %50% or %-100%"
    ]


def test_every_sample_question_reads_back_from_what_we_write():
    for q in gift.parse_gift(SAMPLE.read_text()).questions:
        written = gift.dump_question(
            qtype=q.qtype,
            text=q.text,
            spec=q.spec,
            title=q.title,
            general_feedback=q.general_feedback,
            notes=q.notes,
            tags=q.tags,
            points=q.points,
        )
        (again,) = gift.parse_gift(written).questions
        assert (again.qtype, again.text, again.title, again.general_feedback) == (
            q.qtype,
            q.text,
            q.title,
            q.general_feedback,
        )
        assert (again.notes, again.tags, again.points) == (q.notes, q.tags, q.points)
        assert scoring.parse_spec(again.qtype, again.spec) == scoring.parse_spec(q.qtype, q.spec)


texts = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\r"
    ).filter(lambda ch: not 0xFDD0 <= ord(ch) < 0xFDF0),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() and s == s.strip() and "->" not in s and "_____" not in s)


def test_noncharacters_are_refused_with_their_line():
    result = gift.parse_gift("::A:: fine {T}\n\n::B::\nbad \ufdd0 text {T}")
    assert [q.title for q in result.questions] == ["A"]
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "the text holds a Unicode noncharacter (U+FDD0 to U+FDEF); remove it")
    ]


@settings(max_examples=150, deadline=None)
@given(question=texts, right=texts, wrong=texts, feedback=texts)
def test_any_text_survives_a_round_trip_through_gift(question, right, wrong, feedback):
    spec = {
        "choices": [
            {"id": "a", "text": right, "weight": "100", "feedback": feedback},
            {"id": "b", "text": wrong, "weight": "0", "feedback": ""},
        ]
    }
    written = gift.dump_question(qtype="single", text=question, spec=spec, title=wrong)
    result = gift.parse_gift(written)
    assert result.errors == []
    (again,) = result.questions
    assert (again.text, again.title) == (question, wrong)
    assert scoring.parse_spec("single", again.spec) == scoring.parse_spec("single", spec)


@pytest.mark.parametrize(
    ("text", "qtype", "weights"),
    [
        ("::S:: Q {~%100%a ~%50%b ~c}", "single", ["100", "50", "0"]),
        ("::M:: Q {~%60%a ~%40%b ~c}", "multiple", ["60", "40", "-50"]),
        ("// [type:multiple]\n::M:: Q {~%100%a ~b ~c}", "multiple", ["100", "-100", "-100"]),
    ],
)
def test_choice_questions_take_their_type_from_the_weights(text, qtype, weights):
    (question,) = gift.parse_gift(text).questions
    assert question.qtype == qtype
    assert [c["weight"] for c in question.spec["choices"]] == weights
