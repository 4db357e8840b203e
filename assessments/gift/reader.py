"""Reading GIFT text into question specs, with a line-numbered error per unreadable block."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..scoring import SpecError, parse_spec
from ._common import (
    _FORMATS,
    _NONCHARACTERS,
    _PLACEHOLDER,
    _RESTORE,
    GiftError,
    GiftResult,
    ParsedQuestion,
    _dec,
    _Problem,
)


def _protect(text: str) -> str:
    """Replace escaped specials with private-use placeholders; `\\n` becomes a newline."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _PLACEHOLDER:
                out.append(_PLACEHOLDER[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(ch, ch) for ch in text).strip()


def _text(raw: str) -> str:
    """Answer, feedback or pair text as Moodle reads it: unescaped, without a leading format
    marker ([html], [markdown], [plain], [moodle]), trimmed line by line at both ends."""
    text = _restore(raw)
    for marker in _FORMATS:
        if text.startswith(marker):
            text = text[len(marker) :].strip()
            break
    return text


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Lines grouped into blank-line separated blocks, with 1-based line numbers.

    As in Moodle, a blank line always ends a question, so one unclosed brace cannot
    swallow the questions after it.
    """
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _protect(raw)
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        current.append((number, line))
    if current:
        blocks.append(current)
    return blocks


def parse_gift(text: str) -> GiftResult:
    questions: list[ParsedQuestion] = []
    errors: list[GiftError] = []
    category = ""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    refused = {
        n for n, line in enumerate(text.splitlines(), start=1) if _NONCHARACTERS.intersection(line)
    }
    for block in _blocks(text):
        comments = [(n, line.strip()[2:].strip()) for n, line in block if _is_comment(line)]
        body = [(n, line) for n, line in block if not _is_comment(line)]
        if body and body[0][1].strip().startswith("$CATEGORY:"):
            category = _category(_restore(body[0][1].strip()[len("$CATEGORY:") :]))
            body = body[1:]
        if not body:
            continue
        first_line = body[0][0]
        bad_line = next((n for n, _ in body if n in refused), None)
        if bad_line is not None:
            errors.append(
                GiftError(
                    bad_line,
                    "the text holds a Unicode noncharacter (U+FDD0 to U+FDEF); remove it",
                    _title_of(body),
                )
            )
            continue
        try:
            meta = _read_comments(comments)
            question = _parse_question(body, category, meta.get("type"))
            question.notes, question.tags = meta["notes"], meta["tags"]
            question.points = meta.get("points", question.points)
            # Every spec must also satisfy the scorer's own validation.
            parse_spec(question.qtype, question.spec)
        except _Problem as problem:
            line = _line_of(body, problem.offset) if problem.offset is not None else first_line
            errors.append(GiftError(line, str(problem), _title_of(body)))
            continue
        except SpecError as problem:
            errors.append(GiftError(first_line, str(problem), _title_of(body)))
            continue
        questions.append(question)
    return GiftResult(questions, errors)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("//")


def _category(raw: str) -> str:
    path = raw.strip()
    for prefix in ("$course$/", "$system$/", "$module$/"):
        path = path.removeprefix(prefix)
    path = path.removeprefix("top/")
    return "/".join(part.strip() for part in path.split("/") if part.strip())


_TAG = re.compile(r"^\[(tag|points|id|type):([^\]]*)\]$")


def _read_comments(comments: list[tuple[int, str]]) -> dict[str, Any]:
    notes: list[str] = []
    meta: dict[str, Any] = {"tags": []}
    for _, comment in comments:
        match = _TAG.match(_restore(comment))
        if not match:
            notes.append(_restore(comment))
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "tag":
            if not re.fullmatch(r"[-a-zA-Z0-9_]+", value):
                raise _Problem(f"[tag:{value}] is not a skill slug")
            meta["tags"].append(value)
        elif key == "points":
            try:
                points = Decimal(value)
            except InvalidOperation:
                points = Decimal(0)
            if not points.is_finite() or points <= 0 or points >= 10_000:
                raise _Problem(f"[points:{value}] must be a number above 0")
            meta["points"] = points
        elif key == "type":
            if value != "multiple":
                raise _Problem(f"[type:{value}]: only [type:multiple] is understood")
            meta["type"] = value
    meta["notes"] = "\n".join(notes)
    return meta


def _line_of(body: list[tuple[int, str]], offset: int) -> int:
    seen = 0
    for number, line in body:
        seen += len(line) + 1
        if offset < seen:
            return number
    return body[-1][0]


def _title_of(body: list[tuple[int, str]]) -> str:
    joined = "\n".join(line for _, line in body).strip()
    if joined.startswith("::"):
        end = joined.find("::", 2)
        if end > 0:
            return _restore(joined[2:end])
    return ""


def _parse_question(
    body: list[tuple[int, str]], category: str, forced: str | None = None
) -> ParsedQuestion:
    joined = "\n".join(line for _, line in body)
    start = len(joined) - len(joined.lstrip())
    title = ""
    if joined.startswith("::", start):
        end = joined.find("::", start + 2)
        if end < 0:
            raise _Problem("the title is not closed with ::", start)
        title = _restore(joined[start + 2 : end])
        start = end + 2
    opening = joined.find("{", start)
    if opening < 0:
        return _description(body, joined[start:], title, category, start)
    if "}" in joined[start:opening]:
        raise _Problem("} without a matching {; escape a literal } as \\}", start)
    closing = joined.find("}", opening)
    if closing < 0:
        raise _Problem("the answer block is not closed with }", opening)
    if "{" in joined[opening + 1 : closing]:
        raise _Problem("an answer block opens inside another; escape a literal { as \\{", opening)
    after = joined[closing + 1 :]
    if "{" in after:
        raise _Problem(
            "several answer blocks in one question are not supported", joined.find("{", closing)
        )
    if "}" in after:
        raise _Problem("} without a matching {; escape a literal } as \\}", closing + 1)
    before = joined[start:opening]
    fmt_stripped = before.lstrip()
    for marker in _FORMATS:
        if fmt_stripped.startswith(marker):
            before = fmt_stripped[len(marker) :]
            break
    text = _restore(before)
    tail = _restore(after)
    if tail:
        text = f"{text} _____ {tail}".strip()
    if not text:
        raise _Problem("the question has no text", start)
    qtype, spec, general = _parse_answers(joined[opening + 1 : closing], opening + 1, forced)
    return ParsedQuestion(
        line=body[0][0],
        qtype=qtype,
        text=text,
        spec=spec,
        title=title,
        category=category,
        general_feedback=general,
    )


def _description(
    body: list[tuple[int, str]], raw: str, title: str, category: str, start: int
) -> ParsedQuestion:
    """As in Moodle: a block without an answer block is a description (a text block)."""
    if "}" in raw:
        raise _Problem("} without a matching {; escape a literal } as \\}", start)
    text = _text(raw)
    if not text:
        raise _Problem("the description has no text", start)
    return ParsedQuestion(
        line=body[0][0], qtype="description", text=text, spec={}, title=title, category=category
    )


def _split_general(content: str) -> tuple[str, str]:
    index = content.find("####")
    if index < 0:
        return content, ""
    return content[:index], _text(content[index + 4 :])


def _split_feedback(token: str) -> tuple[str, str]:
    if "#" in token:
        text, feedback = token.split("#", 1)
        return text, _text(feedback)
    return token, ""


_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")


def _weight(token: str, offset: int) -> tuple[Decimal | None, str]:
    match = _WEIGHT.match(token)
    if not match:
        if token.lstrip().startswith("%"):
            raise _Problem(f"bad weight in {_restore(token)!r}: write %50% or %-100%", offset)
        return None, token
    weight = Decimal(match.group(1))
    if not -100 <= weight <= 100:
        raise _Problem(f"weight {weight}% is outside -100..100", offset)
    return weight, token[match.end() :]


def _tokens(content: str, base: int, markers: str) -> list[tuple[str, str, int]]:
    """Split on unescaped marker characters: [(marker, text, offset of the marker)]."""
    tokens: list[tuple[str, str, int]] = []
    stray = content[: _first(content, markers)].strip()
    if stray:
        raise _Problem(f"unexpected text {_restore(stray)!r} before the first answer", base)
    index = _first(content, markers)
    while index < len(content):
        nxt = _first(content, markers, index + 1)
        tokens.append((content[index], content[index + 1 : nxt], base + index))
        index = nxt
    return tokens


def _first(content: str, markers: str, start: int = 0) -> int:
    positions = [p for p in (content.find(m, start) for m in markers) if p >= 0]
    return min(positions) if positions else len(content)


_TRUE_FALSE = re.compile(r"^\s*(T|TRUE|F|FALSE)\s*(#.*)?$", re.IGNORECASE | re.DOTALL)


def _parse_answers(
    raw: str, base: int, forced: str | None = None
) -> tuple[str, dict[str, Any], str]:
    content, general = _split_general(raw)
    if not content.strip():
        # As in Moodle: an empty answer block (general feedback aside) is an essay.
        return "essay", {}, general
    stripped = content.strip()
    if stripped.startswith("#"):
        return "numeric", _numeric(content, base), general
    tf = _TRUE_FALSE.match(content)
    if tf:
        feedbacks = [_restore(f) for f in (tf.group(2) or "").split("#")[1:]]
        answer = tf.group(1).upper().startswith("T")
        wrong, right = [*feedbacks, "", ""][:2]
        # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
        spec = {
            "answer": answer,
            "feedback_true": right if answer else wrong,
            "feedback_false": wrong if answer else right,
        }
        return "true_false", spec, general
    if stripped.startswith(">"):
        return "ordering", _ordering(content, base), general
    tokens = _tokens(content, base, "=~")
    if not tokens:
        raise _Problem("the answer block has no answers (start each with = or ~)", base)
    equals = [t for t in tokens if t[0] == "="]
    tildes = [t for t in tokens if t[0] == "~"]
    if equals and not tildes and all("->" in t[1] for t in equals):
        return "matching", _matching(equals), general
    if equals and not tildes:
        return "short_text", _short(equals), general
    qtype = _choices(tokens, equals)
    qtype = forced or qtype
    return qtype, _choice_spec(tokens, qtype), general


def _numeric(content: str, base: int) -> dict[str, Any]:
    body = content.strip()[1:]
    answers: list[dict[str, Any]] = []
    if body.lstrip().startswith("="):
        for marker, token, offset in _tokens(body, base + content.find("#") + 1, "=~"):
            weight, rest = _weight(token, offset)
            if marker == "~":
                # As in Moodle: a ~ answer is a wrong one, matched for its feedback.
                weight = Decimal(0)
            value, feedback = _split_feedback(rest)
            answers.append(_numeric_answer(value, weight, feedback, offset))
    else:
        value, feedback = _split_feedback(body)
        answers.append(_numeric_answer(value, None, feedback, base))
    return {"answers": answers}


def _number(text: str, offset: int) -> str:
    value = _restore(text)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not value:
        raise _Problem(f"numeric answer {value!r} is not a number", offset)
    return value


def _numeric_answer(raw: str, weight: Decimal | None, feedback: str, offset: int) -> dict[str, Any]:
    text = _restore(raw)
    answer: dict[str, Any] = {"feedback": feedback}
    if weight is not None:
        if weight < 0:
            raise _Problem("numeric answers need a weight of 0 or more", offset)
        answer["weight"] = _dec(weight)
    if ".." in text:
        low, high = text.split("..", 1)
        answer["low"], answer["high"] = _number(low, offset), _number(high, offset)
    elif ":" in raw:
        value, tolerance = raw.split(":", 1)
        answer["value"], answer["tolerance"] = _number(value, offset), _number(tolerance, offset)
    else:
        answer["value"] = _number(text, offset)
    return answer


def _ordering(content: str, base: int) -> dict[str, Any]:
    items = []
    for number, (_, token, offset) in enumerate(_tokens(content, base, ">"), start=1):
        text, feedback = _split_feedback(token)
        if feedback:
            raise _Problem("ordering items take no feedback", offset)
        if not _restore(text):
            raise _Problem("an ordering item is empty", offset)
        items.append({"id": f"i{number}", "text": _restore(text)})
    return {"items": items}


def _matching(equals: list[tuple[str, str, int]]) -> dict[str, Any]:
    pairs: list[dict[str, str]] = []
    distractors: list[str] = []
    for _, token, offset in equals:
        text, feedback = _split_feedback(token)
        if feedback:
            raise _Problem("matching pairs take no feedback", offset)
        prompt, match = (_text(part) for part in text.split("->", 1))
        if not match:
            raise _Problem("a matching pair has nothing after ->", offset)
        if prompt:
            pairs.append({"id": f"p{len(pairs) + 1}", "prompt": prompt, "match": match})
        else:
            distractors.append(match)
    return {"pairs": pairs, "distractors": distractors}


def _short(equals: list[tuple[str, str, int]]) -> dict[str, Any]:
    answers = []
    for _, token, offset in equals:
        weight, rest = _weight(token, offset)
        text, feedback = _split_feedback(rest)
        value = _text(text)
        if not value:
            raise _Problem("an accepted answer is empty", offset)
        if weight is not None and weight < 0:
            raise _Problem("short answers need a weight of 0 or more", offset)
        answer: dict[str, Any] = {"text": value, "mode": "iexact", "feedback": feedback}
        if len(value) > 2 and value.startswith("/") and value.endswith("/"):
            answer.update(text=value[1:-1], mode="regex")
        elif "*" in value:
            pattern = ".*".join(re.escape(part) for part in value.split("*"))
            answer.update(text=f"(?is){pattern}", mode="regex")
        if weight is not None:
            answer["weight"] = _dec(weight)
        answers.append(answer)
    return {"answers": answers}


def _choices(tokens: list[tuple[str, str, int]], equals: list[tuple[str, str, int]]) -> str:
    if equals:
        # As in Moodle: with ~ answers, every = answer is a fully right single choice.
        return "single"
    weights = [_weight(t[1], t[2])[0] for t in tokens]
    positive = [w for w in weights if w is not None and w > 0]
    if not positive:
        raise _Problem("no answer is marked right (= or a positive %weight%)", tokens[0][2])
    # As in Moodle: one fully right choice makes it single choice (others may give partial
    # credit); otherwise several choices share the credit.
    return "single" if any(w == 100 for w in positive) else "multiple"


def _choice_spec(tokens: list[tuple[str, str, int]], qtype: str) -> dict[str, Any]:
    parsed = []
    for marker, token, offset in tokens:
        weight, rest = _weight(token, offset)
        text, feedback = _split_feedback(rest)
        if not _text(text):
            raise _Problem("an answer is empty", offset)
        if marker == "=":
            if weight is not None and weight != 100:
                raise _Problem("= marks the right answer; use ~%n% for partial credit", offset)
            weight = Decimal(100)
        parsed.append((weight, _text(text), feedback))
    right = sum(1 for w, _, _ in parsed if w is not None and w > 0)
    if qtype == "single" or not right:
        penalty = Decimal(0)
    else:
        penalty = -(Decimal(100) / right).quantize(Decimal("0.00001"))
    choices = []
    for index, (weight, text, feedback) in enumerate(parsed):
        value = weight if weight is not None else penalty
        choices.append(
            {"id": chr(ord("a") + index) if index < 26 else f"c{index + 1}", "text": text}
            | {"weight": _dec(value), "feedback": feedback}
        )
    return {"choices": choices}
