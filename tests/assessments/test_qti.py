"""QTI import per interaction type (2.1, 2.2, 3.0 fixtures written from the specifications),
partial credit, unsupported items reported, and a QTI 3.0 export that reads back unchanged."""

import io
import zipfile
from decimal import Decimal as D

import pytest

from assessments import qti, scoring, services
from assessments.models import Question
from tests.assessments.factories import QuestionBankFactory, QuestionFactory

pytestmark = pytest.mark.django_db

QTI21 = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"'
QTI22 = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2"'
QTI3 = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'
MATCH_CORRECT_21 = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MAP_RESPONSE_22 = "http://www.imsglobal.org/question/qti_v2p2/rptemplates/map_response"
MAP_RESPONSE_3 = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml"

CHOICE_21 = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {QTI21} identifier="rollback" title="Rollback" adaptive="false"
    timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>B</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>A canary fails its checks.</p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <prompt>What comes first?</prompt>
      <simpleChoice identifier="A">Debug in production<feedbackInline outcomeIdentifier="FEEDBACK"
        identifier="A" showHide="show">Users wait meanwhile.</feedbackInline></simpleChoice>
      <simpleChoice identifier="B">Roll back</simpleChoice>
      <simpleChoice identifier="C">Page everyone</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="{MATCH_CORRECT_21}"/>
  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="GENERAL" showHide="show">
    Mitigate before you diagnose.</modalFeedback>
</assessmentItem>"""

MULTIPLE_22 = f"""<assessmentItem {QTI22} identifier="signals" title="Signals">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">
    <correctResponse><value>A</value><value>B</value></correctResponse>
    <mapping lowerBound="0" upperBound="2" defaultValue="0">
      <mapEntry mapKey="A" mappedValue="1.5"/>
      <mapEntry mapKey="B" mappedValue="0.5"/>
      <mapEntry mapKey="C" mappedValue="-1"/>
    </mapping>
  </responseDeclaration>
  <itemBody>
    <choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">
      <prompt>Which are golden signals?</prompt>
      <simpleChoice identifier="A">Latency</simpleChoice>
      <simpleChoice identifier="B">Errors</simpleChoice>
      <simpleChoice identifier="C">Office temperature</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="{MAP_RESPONSE_22}"/>
</assessmentItem>"""

TEXT_ENTRY_3 = f"""<qti-assessment-item {QTI3} identifier="acronym" title="Acronym">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>MTTR</qti-value></qti-correct-response>
    <qti-mapping default-value="0">
      <qti-map-entry map-key="MTTR" mapped-value="2"/>
      <qti-map-entry map-key="mean time to recovery" mapped-value="1"/>
    </qti-mapping>
  </qti-response-declaration>
  <qti-item-body>
    <p>The time from detection to recovery is the
      <qti-text-entry-interaction response-identifier="RESPONSE"/> of a service.</p>
  </qti-item-body>
  <qti-response-processing template="{MAP_RESPONSE_3}"/>
</qti-assessment-item>"""

ORDER_3 = f"""<qti-assessment-item {QTI3} identifier="lifecycle" title="Lifecycle">
  <qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">
    <qti-correct-response>
      <qti-value>D</qti-value><qti-value>A</qti-value><qti-value>M</qti-value>
    </qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <qti-order-interaction response-identifier="RESPONSE" shuffle="true">
      <qti-prompt>Put the incident phases in order.</qti-prompt>
      <qti-simple-choice identifier="A">Acknowledge</qti-simple-choice>
      <qti-simple-choice identifier="M">Mitigate</qti-simple-choice>
      <qti-simple-choice identifier="D">Detect</qti-simple-choice>
    </qti-order-interaction>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""

MATCH_21 = f"""<assessmentItem {QTI21} identifier="owners" title="Owners">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">
    <correctResponse><value>P1 T2</value><value>P2 T1</value></correctResponse>
  </responseDeclaration>
  <itemBody>
    <matchInteraction responseIdentifier="RESPONSE" maxAssociations="2">
      <prompt>Who owns what?</prompt>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="P1" matchMax="1">Paging</simpleAssociableChoice>
        <simpleAssociableChoice identifier="P2" matchMax="1">Postmortem</simpleAssociableChoice>
      </simpleMatchSet>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="T1" matchMax="1">Incident lead</simpleAssociableChoice>
        <simpleAssociableChoice identifier="T2" matchMax="1">On-call</simpleAssociableChoice>
        <simpleAssociableChoice identifier="T3" matchMax="1">Finance</simpleAssociableChoice>
      </simpleMatchSet>
    </matchInteraction>
  </itemBody>
  <responseProcessing template="{MATCH_CORRECT_21}"/>
</assessmentItem>"""

ASSOCIATE_22 = f"""<assessmentItem {QTI22} identifier="pairs" title="Pairs">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="pair">
    <correctResponse><value>S1 T1</value><value>S2 T2</value></correctResponse>
  </responseDeclaration>
  <itemBody>
    <associateInteraction responseIdentifier="RESPONSE" maxAssociations="2">
      <prompt>Pair each metric with its unit.</prompt>
      <simpleAssociableChoice identifier="S1" matchMax="1">Latency</simpleAssociableChoice>
      <simpleAssociableChoice identifier="S2" matchMax="1">Throughput</simpleAssociableChoice>
      <simpleAssociableChoice identifier="T1" matchMax="1">ms</simpleAssociableChoice>
      <simpleAssociableChoice identifier="T2" matchMax="1">req/s</simpleAssociableChoice>
    </associateInteraction>
  </itemBody>
  <responseProcessing template="{MATCH_CORRECT_21}"/>
</assessmentItem>"""

HOTSPOT_21 = f"""<assessmentItem {QTI21} identifier="map-click" title="Map">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier"/>
  <itemBody><hotspotInteraction responseIdentifier="RESPONSE" maxChoices="1"/></itemBody>
</assessmentItem>"""

CUSTOM_RP_21 = CHOICE_21.replace(
    f'<responseProcessing template="{MATCH_CORRECT_21}"/>',
    "<responseProcessing><responseCondition/></responseProcessing>",
).replace('identifier="rollback"', 'identifier="custom-rules"')


def one(xml: str) -> qti.QtiQuestion:
    result = qti.read_qti(xml.encode())
    assert result.unsupported == []
    [question] = result.questions
    return question


def test_qti21_single_choice_with_inline_and_modal_feedback():
    q = one(CHOICE_21)

    assert (q.identifier, q.qtype, q.title) == ("rollback", "single", "Rollback")
    assert q.text == "A canary fails its checks.\nWhat comes first?"
    assert q.spec == {
        "choices": [
            {
                "id": "A",
                "text": "Debug in production",
                "feedback": "Users wait meanwhile.",
                "weight": "0",
            },
            {"id": "B", "text": "Roll back", "feedback": "", "weight": "100"},
            {"id": "C", "text": "Page everyone", "feedback": "", "weight": "0"},
        ]
    }
    assert q.general_feedback == "Mitigate before you diagnose."


def test_qti22_multiple_response_with_map_response_gives_partial_credit():
    q = one(MULTIPLE_22)

    assert q.qtype == "multiple"
    assert [c["weight"] for c in q.spec["choices"]] == ["75", "25", "-50"]
    spec = scoring.parse_spec(q.qtype, q.spec)
    assert scoring.score(q.qtype, spec, ["A", "B"]).fraction == 1
    assert scoring.score(q.qtype, spec, ["B"]).fraction == D("0.25")
    assert scoring.score(q.qtype, spec, ["A", "C"]).fraction == D("0.25")


def test_qti3_text_entry_with_map_response_weights_the_answers():
    q = one(TEXT_ENTRY_3)

    assert q.qtype == "short_text"
    assert q.text == "The time from detection to recovery is the _____ of a service."
    assert q.spec == {
        "answers": [
            {"text": "MTTR", "mode": "iexact", "feedback": ""},
            {"text": "mean time to recovery", "mode": "iexact", "feedback": "", "weight": "50"},
        ]
    }


def test_qti3_order_interaction_keeps_the_correct_order():
    q = one(ORDER_3)

    assert (q.qtype, q.text) == ("ordering", "Put the incident phases in order.")
    assert q.spec == {
        "items": [
            {"id": "D", "text": "Detect"},
            {"id": "A", "text": "Acknowledge"},
            {"id": "M", "text": "Mitigate"},
        ]
    }


def test_match_and_associate_interactions_become_matching_questions():
    match = one(MATCH_21)
    associate = one(ASSOCIATE_22)

    assert match.spec == {
        "pairs": [
            {"id": "P1", "prompt": "Paging", "match": "On-call"},
            {"id": "P2", "prompt": "Postmortem", "match": "Incident lead"},
        ],
        "distractors": ["Finance"],
    }
    assert associate.spec == {
        "pairs": [
            {"id": "S1", "prompt": "Latency", "match": "ms"},
            {"id": "S2", "prompt": "Throughput", "match": "req/s"},
        ],
        "distractors": [],
    }


def package(items: dict[str, str]) -> bytes:
    resources = "".join(
        f'<resource identifier="{name}" type="imsqti_item_xmlv2p1" href="{name}.xml">'
        f'<file href="{name}.xml"/></resource>'
        for name in items
    )
    manifest = (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
        f"<organizations/><resources>{resources}</resources></manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for name, xml in items.items():
            archive.writestr(f"{name}.xml", xml)
    return buffer.getvalue()


def test_a_package_imports_what_it_can_and_reports_each_other_item(author):
    bank = QuestionBankFactory()
    data = package(
        {
            "choice": CHOICE_21,
            "multiple": MULTIPLE_22,
            "hotspot": HOTSPOT_21,
            "custom": CUSTOM_RP_21,
            "broken": "<assessmentItem identifier='x'",
        }
    )

    report = services.qti_import(bank=bank, data=data, filename="bank.zip")

    assert [q.title for q in report.created] == ["Rollback", "Signals"]
    assert [str(p) for p in report.unsupported] == [
        "map-click: hotspotInteraction is not supported",
        "custom-rules: response processing other than the match_correct and map_response templates",
        "broken.xml: not well-formed XML: unclosed token: line 1, column 0",
    ]
    assert Question.objects.filter(bank=bank).count() == 2


def test_qti3_export_reads_back_unchanged(author):
    bank = QuestionBankFactory()
    sources = [CHOICE_21, MULTIPLE_22, TEXT_ENTRY_3, ORDER_3, MATCH_21, EXTENDED_21]
    services.qti_import(bank=bank, data=package({f"i{n}": x for n, x in enumerate(sources)}))
    QuestionFactory(bank=bank, qtype="numeric")

    data, skipped = services.qti_export(bank=bank)
    again = QuestionBankFactory()
    services.qti_import(bank=again, data=data)

    def snapshot(b):
        return [
            (q.qtype, q.title, q.text, q.spec, q.general_feedback)
            for q in Question.objects.filter(bank=b).exclude(qtype="numeric").order_by("pk")
        ]

    assert [p.reason for p in skipped] == ["numeric questions are not exported to QTI"]
    assert snapshot(again) == snapshot(bank)
    assert len(snapshot(again)) == 6
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = archive.read("imsmanifest.xml").decode()
        item = archive.read(archive.namelist()[0]).decode()
    assert 'type="imsqti_item_xmlv3p0"' in manifest
    assert "qti-assessment-item" in item and "imsqtiasi_v3p0" in item


EXTENDED_21 = f"""<assessmentItem {QTI21} identifier="postmortem" title="Postmortem">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <rubricBlock view="scorer"><p>Full marks name a cause and a follow-up.</p>
      <p>Blame loses a level.</p></rubricBlock>
    <p>The deploy of 14:02 doubled the error rate.</p>
    <extendedTextInteraction responseIdentifier="RESPONSE" expectedLength="400">
      <prompt>Write the summary of the postmortem.</prompt>
    </extendedTextInteraction>
  </itemBody>
</assessmentItem>"""

EXTENDED_3 = f"""<qti-assessment-item {QTI3} identifier="runbook" title="Runbook">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
  <qti-item-body>
    <p>Describe the first three steps of the disk-full runbook.</p>
    <qti-extended-text-interaction response-identifier="RESPONSE"/>
  </qti-item-body>
</qti-assessment-item>"""


def test_extended_text_becomes_an_essay_with_the_scorer_rubric_as_guidance():
    q21 = one(EXTENDED_21)
    q3 = one(EXTENDED_3)

    assert (q21.qtype, q21.title) == ("essay", "Postmortem")
    assert q21.text == (
        "The deploy of 14:02 doubled the error rate.\nWrite the summary of the postmortem."
    )
    assert q21.spec == {
        "guidance": "Full marks name a cause and a follow-up.\nBlame loses a level."
    }
    assert (q3.qtype, q3.text, q3.spec) == (
        "essay",
        "Describe the first three steps of the disk-full runbook.",
        {},
    )
    spec = scoring.parse_spec(q3.qtype, q3.spec)
    assert scoring.score("essay", spec, "Free space").outcome == scoring.Outcome.AWAITING_REVIEW
    several = EXTENDED_3.replace('cardinality="single"', 'cardinality="multiple"')
    assert [str(p) for p in qti.read_qti(several.encode()).unsupported] == [
        "runbook: an extended text interaction with several strings per response"
    ]


def test_essays_are_exported_and_read_back_unless_their_rubric_is_their_own(author):
    bank = QuestionBankFactory()
    services.qti_import(bank=bank, data=package({"a": EXTENDED_21, "b": EXTENDED_3}))
    own = QuestionFactory(bank=bank, qtype="essay", title="Own rubric")
    own.spec = {"rubric": [{"criterion": "Depth", "levels": [{"label": "None", "points": 0},
                {"label": "Some", "points": 1}]}]}  # fmt: skip
    own.save()

    data, skipped = services.qti_export(bank=bank)
    again = QuestionBankFactory()
    report = services.qti_import(bank=again, data=data)

    assert [str(p) for p in skipped] == [
        f"q{own.pk}: an essay with its own rubric or length limit has no QTI form"
    ]
    assert report.unsupported == []

    def snapshot(b):
        return [
            (q.qtype, q.title, q.text, q.spec, q.general_feedback)
            for q in Question.objects.filter(bank=b).exclude(pk=own.pk).order_by("pk")
        ]

    assert snapshot(again) == snapshot(bank)
    assert [q[3]["guidance"] for q in snapshot(again)] == [
        "Full marks name a cause and a follow-up.\nBlame loses a level.",
        "",
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        item = archive.read("items/" + archive.namelist()[0].split("/")[-1]).decode()
    assert "qti-extended-text-interaction" in item and 'view="scorer"' in item
    assert "qti-response-processing" not in item and "qti-correct-response" not in item
