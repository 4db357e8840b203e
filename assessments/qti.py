"""QTI items in and out of a question bank.

Reads QTI 2.1, 2.2 and 3.0 assessment items (one item file, or an IMS content package with
`imsmanifest.xml`): choice and multiple response, text entry, extended text (an essay
scored by a reviewer with a rubric; a scorer rubric block becomes the reviewers' guidance),
order, match and associate interactions, inline feedback in choices and modal feedback,
and the response processing templates `match_correct` and `map_response` (partial credit).
Anything else is reported per item with its identifier and the reason. `qti_export` writes
QTI 3.0 packages that read back the same.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from .scoring import SpecError, parse_spec

QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
TEMPLATES = ("match_correct", "map_response")
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
MAX_ITEMS = 2000


@dataclass
class QtiQuestion:
    identifier: str
    qtype: str
    title: str
    text: str
    spec: dict[str, Any]
    general_feedback: str = ""


@dataclass(frozen=True)
class QtiProblem:
    identifier: str
    reason: str

    def __str__(self) -> str:
        return f"{self.identifier}: {self.reason}"


@dataclass
class QtiResult:
    questions: list[QtiQuestion] = field(default_factory=list)
    unsupported: list[QtiProblem] = field(default_factory=list)


class _Unsupported(Exception):
    pass


# ---- reading -------------------------------------------------------------------------


def _local(tag: str) -> str:
    """`{ns}qti-choice-interaction` and `{ns}choiceInteraction` both become choiceInteraction."""
    name = tag.rsplit("}", 1)[-1]
    if name.startswith("qti-"):
        head, *rest = name[4:].split("-")
        name = head + "".join(part.capitalize() for part in rest)
    return name


def _normalise(element: ET.Element) -> ET.Element:
    """A copy with QTI 3.0 names and namespaces folded into the QTI 2.x names."""
    copy = ET.Element(_local(element.tag), {_attr(k): v for k, v in element.attrib.items()})
    copy.text, copy.tail = element.text, element.tail
    for child in element:
        copy.append(_normalise(child))
    return copy


def _attr(name: str) -> str:
    name = name.rsplit("}", 1)[-1]
    head, *rest = name.split("-")
    return head + "".join(part.capitalize() for part in rest)


def _text(element: ET.Element | None, skip: tuple[str, ...] = ()) -> str:
    if element is None:
        return ""
    parts: list[str] = []

    # Line breaks inside the XML are layout; paragraphs and prompts end lines.
    def walk(node: ET.Element) -> None:
        if node.tag in skip:
            if node.tail:
                parts.append(node.tail.replace("\n", " "))
            return
        if node.tag == "textEntryInteraction":
            parts.append(" _____ ")
        elif node.text:
            parts.append(node.text.replace("\n", " "))
        for child in node:
            walk(child)
        if node.tag in ("p", "div", "br", "li", "prompt") and parts:
            parts.append("\n")
        if node.tail and node is not element:
            parts.append(node.tail.replace("\n", " "))

    walk(element)
    lines = [" ".join(line.split()) for line in "".join(parts).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def parse_item(xml: bytes | str) -> QtiQuestion:
    """One assessment item; raises _Unsupported with the reason for what we do not read."""
    try:
        root = _normalise(ET.fromstring(xml))
    except ET.ParseError as exc:
        raise _Unsupported(f"not well-formed XML: {exc}") from exc
    if root.tag != "assessmentItem":
        raise _Unsupported(f"<{root.tag}> is not an assessment item")
    identifier = root.get("identifier", "")
    body = root.find("itemBody")
    if body is None:
        raise _Unsupported("the item has no itemBody")
    interactions = [e for e in body.iter() if e.tag.endswith("Interaction")]
    if len(interactions) != 1:
        kinds = ", ".join(sorted({e.tag for e in interactions})) or "none"
        raise _Unsupported(f"one interaction per item is read; this one has {kinds}")
    interaction = interactions[0]
    declarations = {d.get("identifier"): d for d in root.findall("responseDeclaration")}
    declaration = declarations.get(interaction.get("responseIdentifier"))
    if declaration is None:
        raise _Unsupported("the interaction has no response declaration")
    template = _template(root)
    guidance = _scorer_guidance(body)
    text = _text(body, skip=(interaction.tag,) if interaction.tag != "textEntryInteraction" else ())
    # A text entry alone at the end leaves a trailing blank that says nothing.
    text = text.removesuffix("_____").strip()
    prompt = _text(interaction.find("prompt"))
    if prompt:
        text = f"{text}\n{prompt}".strip()
    feedback = "\n".join(t for t in (_text(f) for f in root.findall("modalFeedback")) if t)
    readers = {
        "choiceInteraction": _choice,
        "textEntryInteraction": _text_entry,
        "orderInteraction": _order,
        "matchInteraction": _match,
        "associateInteraction": _associate,
        "extendedTextInteraction": _extended_text,
    }
    reader = readers.get(interaction.tag)
    if reader is None:
        raise _Unsupported(f"{interaction.tag} is not supported")
    qtype, spec = reader(interaction, declaration, template)
    if qtype == "essay" and guidance:
        spec["guidance"] = guidance
    try:
        parse_spec(qtype, spec)
    except SpecError as exc:
        raise _Unsupported(f"the item does not make a valid {qtype} question: {exc}") from exc
    return QtiQuestion(
        identifier=identifier,
        qtype=qtype,
        title=root.get("title", ""),
        text=text or root.get("title", ""),
        spec=spec,
        general_feedback=feedback,
    )


def _scorer_guidance(body: ET.Element) -> str:
    """The text of the rubric blocks meant for scorers, taken out of the item body (learners
    never see them)."""
    parts = []
    for parent in list(body.iter()):
        for block in [c for c in parent if c.tag == "rubricBlock"]:
            if "scorer" in block.get("view", "").split():
                parts.append(_text(block))
                parent.remove(block)
    return "\n".join(p for p in parts if p)


def _extended_text(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    """Extended text is an essay: the rubric scores it, not the response processing."""
    if declaration.get("cardinality", "single") != "single":
        raise _Unsupported("an extended text interaction with several strings per response")
    if declaration.get("baseType", "string") != "string":
        raise _Unsupported("an extended text interaction that does not take a string")
    return "essay", {}


def _template(root: ET.Element) -> str:
    processing = root.find("responseProcessing")
    if processing is None:
        return "match_correct"
    template = processing.get("template", "")
    name = template.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
    if name not in TEMPLATES:
        raise _Unsupported(
            "response processing other than the match_correct and map_response templates"
        )
    return name


def _values(declaration: ET.Element) -> list[str]:
    correct = declaration.find("correctResponse")
    return [(v.text or "").strip() for v in correct.findall("value")] if correct is not None else []


def _mapping(declaration: ET.Element) -> tuple[dict[str, Decimal], bool]:
    mapping = declaration.find("mapping")
    if mapping is None:
        raise _Unsupported("map_response without a mapping")
    entries = {}
    case_sensitive = False
    for entry in mapping.findall("mapEntry"):
        entries[entry.get("mapKey", "")] = Decimal(entry.get("mappedValue", "0"))
        case_sensitive = case_sensitive or entry.get("caseSensitive", "false") == "true"
    return entries, case_sensitive


def _choice(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    multiple = declaration.get("cardinality") == "multiple"
    correct = set(_values(declaration))
    choices = []
    for choice in interaction.findall("simpleChoice"):
        feedback = _text(choice.find("feedbackInline"))
        choices.append(
            {
                "id": choice.get("identifier", ""),
                "text": _text(choice, skip=("feedbackInline",)),
                "feedback": feedback,
            }
        )
    if template == "map_response":
        values, _ = _mapping(declaration)
        weights = {c["id"]: values.get(c["id"], Decimal(0)) for c in choices}
    else:
        weights = {c["id"]: Decimal(1) if c["id"] in correct else Decimal(0) for c in choices}
    positive = [w for w in weights.values() if w > 0]
    if not positive:
        raise _Unsupported("no choice scores above 0")
    if multiple:
        total = sum(positive, Decimal(0))
        scale = Decimal(100) / total
        penalty = -(Decimal(100) / len(positive)).quantize(Decimal("0.00001"))
        for c in choices:
            weight = weights[c["id"]]
            if template == "match_correct" and weight == 0:
                value = penalty
            else:
                value = (weight * scale).quantize(Decimal("0.00001"))
            c["weight"] = _decimal_text(value)
        return "multiple", {"choices": choices}
    top = max(positive)
    for c in choices:
        c["weight"] = _decimal_text((weights[c["id"]] * 100 / top).quantize(Decimal("0.00001")))
    return "single", {"choices": choices}


def _text_entry(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    base = declaration.get("baseType", "string")
    if base in ("float", "integer"):
        values = _values(declaration)
        if not values:
            raise _Unsupported("a numeric text entry without a correct response")
        return "numeric", {"answers": [{"value": v, "feedback": ""} for v in values]}
    if template == "map_response":
        entries, case_sensitive = _mapping(declaration)
        top = max(entries.values(), default=Decimal(0))
        if top <= 0:
            raise _Unsupported("no answer scores above 0")
        answers = []
        for key, value in entries.items():
            if value <= 0:
                continue
            answer: dict[str, Any] = {
                "text": key,
                "mode": "exact" if case_sensitive else "iexact",
                "feedback": "",
            }
            weight = (value * 100 / top).quantize(Decimal("0.00001"))
            if weight != 100:
                answer["weight"] = _decimal_text(weight)
            answers.append(answer)
        return "short_text", {"answers": answers}
    values = _values(declaration)
    if not values:
        raise _Unsupported("a text entry without a correct response")
    return "short_text", {"answers": [{"text": v, "mode": "exact", "feedback": ""} for v in values]}


def _order(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    texts = {c.get("identifier"): _text(c) for c in interaction.findall("simpleChoice")}
    order = _values(declaration)
    if sorted(order) != sorted(texts):
        raise _Unsupported("the correct order does not list every choice once")
    return "ordering", {"items": [{"id": i, "text": texts[i]} for i in order]}


def _pairs(
    sources: dict[str, str], targets: dict[str, str], declaration: ET.Element
) -> dict[str, Any]:
    pairs = []
    used = set()
    for value in _values(declaration):
        left, _, right = value.partition(" ")
        if left not in sources and right in sources:
            left, right = right, left
        if left not in sources or right not in targets:
            raise _Unsupported(f"the pair {value!r} names unknown choices")
        pairs.append({"id": left, "prompt": sources[left], "match": targets[right]})
        used.add(right)
    distractors = [text for key, text in targets.items() if key not in used]
    return {"pairs": pairs, "distractors": distractors}


def _match(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    sets = interaction.findall("simpleMatchSet")
    if len(sets) != 2:
        raise _Unsupported("a match interaction has two simpleMatchSets")
    sources, targets = (
        {c.get("identifier"): _text(c) for c in s.findall("simpleAssociableChoice")} for s in sets
    )
    return "matching", _pairs(sources, targets, declaration)


def _associate(
    interaction: ET.Element, declaration: ET.Element, template: str
) -> tuple[str, dict[str, Any]]:
    choices = {c.get("identifier"): _text(c) for c in interaction.findall("simpleAssociableChoice")}
    left = {v.partition(" ")[0] for v in _values(declaration)}
    sources = {k: v for k, v in choices.items() if k in left}
    targets = {k: v for k, v in choices.items() if k not in left}
    return "matching", _pairs(sources, targets, declaration)


def read_qti(data: bytes, filename: str = "") -> QtiResult:
    """An item file or a content package (zip with imsmanifest.xml)."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise ValueError(f"the file is larger than {MAX_PACKAGE_BYTES // (1024 * 1024)} MiB")
    result = QtiResult()
    items = _package_items(data) if data[:2] == b"PK" else [(filename or "item", data)]
    if len(items) > MAX_ITEMS:
        raise ValueError(f"the package holds {len(items)} items; at most {MAX_ITEMS} are read")
    for name, xml in items:
        try:
            result.questions.append(parse_item(xml))
        except _Unsupported as exc:
            result.unsupported.append(QtiProblem(_identifier_of(xml) or name, str(exc)))
    return result


def _identifier_of(xml: bytes) -> str:
    match = re.search(rb'identifier="([^"]+)"', xml[:4000])
    return match.group(1).decode("utf-8", "replace") if match else ""


def _package_items(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        try:
            manifest = _normalise(ET.fromstring(package.read("imsmanifest.xml")))
        except KeyError as exc:
            raise ValueError("the package has no imsmanifest.xml") from exc
        items = []
        for resource in manifest.iter("resource"):
            kind = resource.get("type", "")
            if "item" not in kind or not resource.get("href"):
                continue
            href = resource.get("href")
            try:
                items.append((href, package.read(href)))
            except KeyError:
                items.append((href, b"<missing/>"))
        return items
