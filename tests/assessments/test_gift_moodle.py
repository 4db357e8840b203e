"""GIFT as Moodle reads it: the constructs Moodle accepts, format markers everywhere,
re-import updating instead of copying, and the size and count caps."""

from decimal import Decimal as D

import pytest

from assessments import gift, scoring, services
from assessments.models import Question
from tests.assessments.factories import QuestionBankFactory

pytestmark = pytest.mark.django_db


def one(text: str) -> gift.ParsedQuestion:
    result = gift.parse_gift(text)
    assert result.errors == []
    [question] = result.questions
    return question


def choice(cid, text, weight, feedback=""):
    return {"id": cid, "text": text, "weight": weight, "feedback": feedback}


def test_several_equals_answers_are_each_fully_right_single_choice():
    q = one("::Colours:: A primary colour? {=red =blue ~green#mixed ~orange}")

    assert q.qtype == "single"
    assert q.spec == {
        "choices": [
            choice("a", "red", "100"),
            choice("b", "blue", "100"),
            choice("c", "green", "0", "mixed"),
            choice("d", "orange", "0"),
        ]
    }
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert scoring.score(q.qtype, spec, "b").fraction == 1
    assert scoring.score(q.qtype, spec, "c").fraction == 0


def test_one_word_short_answer_in_braces():
    q = one("::Capital:: The capital of France is {=Paris}.")

    assert (q.qtype, q.text) == ("short_text", "The capital of France is _____ .")
    assert q.spec == {"answers": [{"text": "Paris", "mode": "iexact", "feedback": ""}]}


def test_arrow_inside_multiple_choice_text_is_text_not_matching():
    q = one("::Flow:: Which is the rollback? {=deploy -> previous version ~deploy -> next ~pause}")

    assert q.qtype == "single"
    assert [c["text"] for c in q.spec["choices"]] == [
        "deploy -> previous version",
        "deploy -> next",
        "pause",
    ]
    matching = one("::M:: Match {=a -> 1 =b -> 2}")
    assert matching.qtype == "matching"


def test_feedback_only_and_catch_all_short_answers():
    q = one("::City:: Name it {=Paris#right =%0%London#that is England =%0%*#no, think France}")

    assert q.spec == {
        "answers": [
            {"text": "Paris", "mode": "iexact", "feedback": "right"},
            {"text": "London", "mode": "iexact", "feedback": "that is England", "weight": "0"},
            {"text": "(?is).*", "mode": "regex", "feedback": "no, think France", "weight": "0"},
        ]
    }
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert scoring.score(q.qtype, spec, "paris") == scoring.Result(
        D(1), scoring.Outcome.CORRECT, ("right",)
    )
    london = scoring.score(q.qtype, spec, "London")
    assert (london.fraction, london.feedback) == (D(0), ("that is England",))
    other = scoring.score(q.qtype, spec, "Rome")
    assert (other.fraction, other.feedback) == (D(0), ("no, think France",))


def test_numeric_with_feedback_only_and_wrong_answers():
    q = one(
        "::Pi:: Pi to two places? {#=3.14:0.005#yes =%50%3.1:0.05#close =%0%3#too rough ~22#no}"
    )

    assert q.spec == {
        "answers": [
            {"feedback": "yes", "value": "3.14", "tolerance": "0.005"},
            {"feedback": "close", "weight": "50", "value": "3.1", "tolerance": "0.05"},
            {"feedback": "too rough", "weight": "0", "value": "3"},
            {"feedback": "no", "weight": "0", "value": "22"},
        ]
    }
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert scoring.score(q.qtype, spec, "3.14").fraction == 1
    assert scoring.score(q.qtype, spec, "3.1").fraction == D("0.5")
    wrong = scoring.score(q.qtype, spec, "22")
    assert (wrong.fraction, wrong.feedback) == (D(0), ("no",))


def test_format_markers_are_stripped_from_answers_feedback_and_pairs():
    q = one(
        "::Fmt:: [html]Pick {=[html]<b>yes</b>#[markdown]**good** ~[plain]no#[moodle]bad"
        "####[markdown]General}"
    )
    pairs = one("::P:: Match {=[html]a -> [plain]1 =[markdown]b -> [moodle]2}")

    assert (q.text, q.general_feedback) == ("Pick", "General")
    assert q.spec["choices"] == [
        choice("a", "<b>yes</b>", "100", "**good**"),
        choice("b", "no", "0", "bad"),
    ]
    assert pairs.spec["pairs"] == [
        {"id": "p1", "prompt": "a", "match": "1"},
        {"id": "p2", "prompt": "b", "match": "2"},
    ]


def test_multi_line_feedback_is_trimmed():
    q = one("::ML:: Which?\n{\n  =right#  well done,\n  keep going  \n  ~wrong#   not this   \n}")

    # As in Moodle: trimmed at both ends, the line break inside kept.
    assert [c["feedback"] for c in q.spec["choices"]] == ["well done,\n  keep going", "not this"]


FILE = """::Named:: Which? {=a ~b}

An unnamed question {=yes ~no}

::Short:: Capital of France {=Paris}
"""


def test_reimport_updates_by_name_or_content_and_keeps_the_count(author):
    bank = QuestionBankFactory()
    first = services.gift_import(bank=bank, text=FILE)
    ids = sorted(q.pk for q in first.created)

    second = services.gift_import(bank=bank, text=FILE.replace("{=a ~b}", "{=a ~c}"))

    assert (len(first.created), len(second.created), len(second.updated)) == (3, 0, 3)
    assert sorted(q.pk for q in Question.objects.filter(bank=bank)) == ids
    named = Question.objects.get(bank=bank, title="Named")
    assert [c["text"] for c in named.spec["choices"]] == ["a", "c"]
