"""Writing a question back as GIFT text."""

import re
from decimal import Decimal
from typing import Any

from ..scoring import SpecError, parse_spec
from ._common import _SPECIAL, _dec


def escape(text: str) -> str:
    out = ["\\"] if text.startswith("%") else []
    for ch in text:
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _w(weight: Any) -> str:
    return f"%{_dec(Decimal(str(weight)))}%"


def dump_question(
    *,
    qtype: str,
    text: str,
    spec: dict[str, Any],
    title: str = "",
    general_feedback: str = "",
    notes: str = "",
    tags: list[str] | tuple[str, ...] = (),
    points: Decimal | str | int = 1,
) -> str:
    """One question as GIFT text that `parse_gift` reads back to the same spec."""
    model = parse_spec(qtype, spec)
    lines = [f"// {escape(line)}" for line in notes.splitlines() if line.strip()]
    lines += [f"// [tag:{tag}]" for tag in tags]
    if qtype == "multiple" and any(c.weight == 100 for c in model.choices):
        lines.append("// [type:multiple]")
    if Decimal(str(points)) != 1:
        lines.append(f"// [points:{Decimal(str(points)).normalize():f}]")
    head = f"::{escape(title)}::" if title else ""
    if qtype == "description":
        lines.append(f"{head}[markdown]{escape(text)}")
        return "\n".join(lines)
    answers = _dump_answers(qtype, model)
    general = f" ####{escape(general_feedback)}" if general_feedback else ""
    lines.append(f"{head}[markdown]{escape(text)} {{{answers}{general}}}")
    return "\n".join(lines)


def _fb(feedback: str) -> str:
    return f"#{escape(feedback)}" if feedback else ""


def _dump_answers(qtype: str, model: Any) -> str:
    if qtype == "true_false":
        right, wrong = (
            (model.feedback_true, model.feedback_false)
            if model.answer
            else (model.feedback_false, model.feedback_true)
        )
        tail = f"#{escape(wrong)}#{escape(right)}" if (right or wrong) else ""
        return ("TRUE" if model.answer else "FALSE") + tail
    if qtype == "single":
        parts = []
        for c in model.choices:
            marker = "=" if c.weight == 100 else "~" + (_w(c.weight) if c.weight else "")
            parts.append(f"{marker}{escape(c.text)}{_fb(c.feedback)}")
        return " ".join(parts)
    if qtype == "multiple":
        return " ".join(f"~{_w(c.weight)}{escape(c.text)}{_fb(c.feedback)}" for c in model.choices)
    if qtype == "numeric":
        parts = []
        for a in model.answers:
            value = f"{a.value}:{a.tolerance}" if a.value is not None else f"{a.low}..{a.high}"
            weight = "" if a.weight == 100 else _w(a.weight)
            parts.append(f"={weight}{value}{_fb(a.feedback)}")
        return "# " + " ".join(parts)
    if qtype == "short_text":
        parts = []
        for a in model.answers:
            if a.mode == "exact":
                raise SpecError("GIFT has no case-sensitive short answers")
            if a.mode == "regex":
                value = f"/{a.text}/"
            elif "*" in a.text:
                # GIFT reads * as a wildcard; say "this literal text, any case" as a pattern.
                value = f"/(?i){re.escape(a.text)}/"
            else:
                value = a.text
            weight = "" if a.weight == 100 else _w(a.weight)
            parts.append(f"={weight}{escape(value)}{_fb(a.feedback)}")
        return " ".join(parts)
    if qtype == "ordering":
        if not model.partial:
            raise SpecError("GIFT ordering questions always give partial credit")
        return " ".join(f">{escape(i.text)}" for i in model.items)
    if qtype == "matching":
        parts = [f"={escape(p.prompt)} -> {escape(p.match)}" for p in model.pairs]
        parts += [f"= -> {escape(d)}" for d in model.distractors]
        return " ".join(parts)
    if qtype == "essay":
        if model != parse_spec("essay", {}):
            raise SpecError("GIFT essays carry no rubric, guidance or length limit")
        return ""
    raise SpecError(f"unknown question type {qtype!r}")
