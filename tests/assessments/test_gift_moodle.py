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


def test_an_empty_answer_block_is_an_essay_scored_with_the_default_rubric():
    q = one("::Postmortem:: [markdown]Describe what **you** would change. {####[html]Mention SLOs}")

    assert (q.qtype, q.title, q.text, q.spec) == (
        "essay",
        "Postmortem",
        "Describe what **you** would change.",
        {},
    )
    assert q.general_feedback == "Mention SLOs"
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert [c.criterion for c in spec.rubric] == ["Answer"]
    assert scoring.score(q.qtype, spec, "Add an SLO").outcome == scoring.Outcome.AWAITING_REVIEW
    assert one("Why? {}").qtype == "essay"


def test_a_block_without_an_answer_block_is_a_text_block():
    q = one("// shown before the next questions\n::Intro:: [html]Read the <b>timeline</b>\nbelow.")

    assert (q.qtype, q.title, q.text, q.spec) == (
        "description",
        "Intro",
        "Read the <b>timeline</b>\nbelow.",
        {},
    )
    assert q.notes == "shown before the next questions"
    assert scoring.correct_answer(q.qtype, q.spec) == []


def test_essays_and_text_blocks_are_imported_and_written_back(author):
    bank = QuestionBankFactory()
    text = "::Intro:: Read this first.\n\n::Why:: Explain the outage. {}\n\n::Q:: Ok? {T}\n"

    report = services.gift_import(bank=bank, text=text)

    assert report.errors == []
    stored = {q.title: q for q in Question.objects.filter(bank=bank)}
    assert {t: (q.qtype, q.text) for t, q in stored.items()} == {
        "Intro": ("description", "Read this first."),
        "Why": ("essay", "Explain the outage."),
        "Q": ("true_false", "Ok?"),
    }
    assert (
        services.question_as_gift(question=stored["Intro"]) == "::Intro::[markdown]Read this first."
    )
    assert (
        services.question_as_gift(question=stored["Why"])
        == "::Why::[markdown]Explain the outage. {}"
    )
    again = services.gift_import(bank=bank, text=text)
    assert (len(again.created), len(again.updated), bank.questions.count()) == (0, 3, 3)


def test_an_essay_with_its_own_rubric_is_not_written_as_gift():
    spec = {"rubric": [{"criterion": "Depth", "levels": [{"label": "None", "points": 0},
            {"label": "Some", "points": 1}]}]}  # fmt: skip
    with pytest.raises(scoring.SpecError, match="GIFT essays carry no rubric"):
        gift.dump_question(qtype="essay", text="Why?", spec=spec)


def test_several_right_answers_with_weights_and_feedback_in_a_short_answer():
    q = one("::Tools:: Name a tracer {=Jaeger#yes =%50%Zipkin#older}")
    assert q.spec == {
        "answers": [
            {"text": "Jaeger", "mode": "iexact", "feedback": "yes"},
            {"text": "Zipkin", "mode": "iexact", "feedback": "older", "weight": "50"},
        ]
    }
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert scoring.score(q.qtype, spec, "zipkin").fraction == D("0.5")


def test_an_essay_with_its_own_rubric_opens_for_editing_with_a_warning(client, author):
    bank = QuestionBankFactory()
    question = services.question_create(
        bank=bank,
        qtype="essay",
        text="Why?",
        spec={
            "rubric": [
                {
                    "criterion": "Depth",
                    "levels": [{"label": "None", "points": 0}, {"label": "Some", "points": 1}],
                }
            ]
        },
    )
    client.force_login(author)

    page = client.get(f"/author/assessments/questions/{question.pk}/")

    assert page.status_code == 200
    assert "This question cannot be written as GIFT" in page.content.decode()
