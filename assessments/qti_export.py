"""Writing a question bank as a QTI 3.0 content package that `qti.read_qti` reads back the
same (the types QTI export covers; the others are reported, not dropped silently)."""

import io
import zipfile
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from .qti import CP_NS, QTI3_NS, QtiProblem, QtiQuestion, _decimal_text
from .scoring import parse_spec

EXPORTABLE = {"single", "multiple", "short_text", "ordering", "matching", "essay"}
_DEFAULT_ESSAY = parse_spec("essay", {})


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _template_url(name: str) -> str:
    return f"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{name}.xml"


def write_item(question: QtiQuestion) -> bytes:
    """One QTI 3.0 item; raises ValueError for a type QTI export does not cover."""
    if question.qtype not in EXPORTABLE:
        raise ValueError(f"{question.qtype} questions are not exported to QTI")
    spec = question.spec
    if question.qtype == "essay":
        model = parse_spec("essay", spec)
        if (model.rubric, model.max_chars) != (_DEFAULT_ESSAY.rubric, _DEFAULT_ESSAY.max_chars):
            raise ValueError("an essay with its own rubric or length limit has no QTI form")
    item = ET.Element(
        "qti-assessment-item",
        {
            "xmlns": QTI3_NS,
            "identifier": question.identifier,
            "title": question.title or question.identifier,
            "adaptive": "false",
            "time-dependent": "false",
        },
    )
    qtype = question.qtype
    template = "map_response"
    if qtype in ("ordering", "matching"):
        template = "match_correct"
    single = {"single": "single", "multiple": "multiple", "short_text": "single", "essay": "single"}
    cardinality = single.get(qtype, "ordered" if qtype == "ordering" else "multiple")
    base = {"ordering": "identifier", "matching": "directedPair", "short_text": "string"}.get(
        qtype, "string" if qtype == "essay" else "identifier"
    )
    declaration = _el(
        item,
        "qti-response-declaration",
        identifier="RESPONSE",
        cardinality=cardinality,
        base_type=base,
    )
    correct = _el(declaration, "qti-correct-response")
    body_parent = None
    if qtype == "essay":
        # Scored by a reviewer with the rubric: no correct response, no response processing.
        declaration.remove(correct)
    elif qtype in ("single", "multiple"):
        for c in spec["choices"]:
            if Decimal(c["weight"]) > 0:
                _el(correct, "qti-value", c["id"])
        mapping = _el(declaration, "qti-mapping", default_value="0")
        for c in spec["choices"]:
            _el(
                mapping,
                "qti-map-entry",
                map_key=c["id"],
                mapped_value=_decimal_text(Decimal(c["weight"]) / 100),
            )
    elif qtype == "short_text":
        for a in spec["answers"]:
            if Decimal(a.get("weight", "100")) == 100:
                _el(correct, "qti-value", a["text"])
        mapping = _el(declaration, "qti-mapping", default_value="0")
        for a in spec["answers"]:
            _el(
                mapping,
                "qti-map-entry",
                map_key=a["text"],
                mapped_value=_decimal_text(Decimal(a.get("weight", "100")) / 100),
                case_sensitive="true" if a.get("mode") == "exact" else "false",
            )
    elif qtype == "ordering":
        for i in spec["items"]:
            _el(correct, "qti-value", i["id"])
    else:
        targets = _matching_targets(spec)
        for p in spec["pairs"]:
            _el(correct, "qti-value", f"{p['id']} {targets[p['match']]}")
    outcome = _el(
        item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float"
    )
    _el(_el(outcome, "qti-default-value"), "qti-value", "0")
    if question.general_feedback:
        _el(
            item,
            "qti-outcome-declaration",
            identifier="FEEDBACK",
            cardinality="single",
            base_type="identifier",
        )
    body = _el(item, "qti-item-body")
    for paragraph in question.text.split("\n"):
        _el(body, "p", paragraph)
    if qtype in ("single", "multiple"):
        body_parent = _el(
            body,
            "qti-choice-interaction",
            response_identifier="RESPONSE",
            max_choices="1" if qtype == "single" else "0",
            shuffle="false",
        )
        for c in spec["choices"]:
            choice = _el(body_parent, "qti-simple-choice", c["text"], identifier=c["id"])
            if c.get("feedback"):
                _el(
                    choice,
                    "qti-feedback-inline",
                    c["feedback"],
                    outcome_identifier="FEEDBACK",
                    identifier=c["id"],
                    show_hide="show",
                )
    elif qtype == "short_text":
        _el(_el(body, "p"), "qti-text-entry-interaction", response_identifier="RESPONSE")
    elif qtype == "essay":
        if spec.get("guidance"):
            block = _el(_el(body, "qti-rubric-block", view="scorer"), "qti-content-body")
            for line in spec["guidance"].split("\n"):
                _el(block, "p", line)
        _el(body, "qti-extended-text-interaction", response_identifier="RESPONSE")
    elif qtype == "ordering":
        body_parent = _el(
            body, "qti-order-interaction", response_identifier="RESPONSE", shuffle="true"
        )
        for i in spec["items"]:
            _el(body_parent, "qti-simple-choice", i["text"], identifier=i["id"])
    else:
        body_parent = _el(
            body,
            "qti-match-interaction",
            response_identifier="RESPONSE",
            max_associations=str(len(spec["pairs"])),
            shuffle="true",
        )
        sources = _el(body_parent, "qti-simple-match-set")
        for p in spec["pairs"]:
            _el(
                sources,
                "qti-simple-associable-choice",
                p["prompt"],
                identifier=p["id"],
                match_max="1",
            )
        target_set = _el(body_parent, "qti-simple-match-set")
        for text, key in _matching_targets(spec).items():
            _el(target_set, "qti-simple-associable-choice", text, identifier=key, match_max="0")
    if qtype != "essay":
        _el(item, "qti-response-processing", template=_template_url(template))
    if question.general_feedback:
        _el(
            item,
            "qti-modal-feedback",
            question.general_feedback,
            outcome_identifier="FEEDBACK",
            identifier="GENERAL",
            show_hide="hide",
        )
    ET.indent(item)
    return ET.tostring(item, encoding="utf-8", xml_declaration=True)


def _matching_targets(spec: dict[str, Any]) -> dict[str, str]:
    texts = [p["match"] for p in spec["pairs"]] + list(spec.get("distractors", []))
    return {text: f"t{n}" for n, text in enumerate(dict.fromkeys(texts), start=1)}


def write_package(questions: list[QtiQuestion]) -> tuple[bytes, list[QtiProblem]]:
    """A QTI 3.0 content package, and the questions left out with the reason."""
    skipped: list[QtiProblem] = []
    buffer = io.BytesIO()
    manifest = ET.Element("manifest", {"xmlns": CP_NS, "identifier": "trellis-bank-export"})
    _el(manifest, "organizations")
    resources = _el(manifest, "resources")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for question in questions:
            try:
                xml = write_item(question)
            except ValueError as exc:
                skipped.append(QtiProblem(question.identifier, str(exc)))
                continue
            href = f"items/{question.identifier}.xml"
            package.writestr(href, xml)
            resource = _el(
                resources,
                "resource",
                identifier=question.identifier,
                type="imsqti_item_xmlv3p0",
                href=href,
            )
            _el(resource, "file", href=href)
        ET.indent(manifest)
        package.writestr(
            "imsmanifest.xml", ET.tostring(manifest, encoding="utf-8", xml_declaration=True)
        )
    return buffer.getvalue(), skipped
