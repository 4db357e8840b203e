"""Per-attempt public ids for choices and ordering items.

A question's own ids ("a", "b", … or "i1" … "i5" in the right order) would give the answer
away in the page source, so each attempt shows random ids instead, fixed when it starts
(`layout["public"]`: question id → {own id: public id}). Pages and the API speak only
public ids; services, storage and scorers only own ids. Attempts started before public
ids existed have no table and keep their own ids.
"""

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

# An answer naming an id this attempt never showed: no choice, so it scores as unreadable.
UNKNOWN = "?"


def public_ids(own_ids: Iterable[str]) -> dict[str, str]:
    """Random, unguessable public ids, distinct within the question."""
    table: dict[str, str] = {}
    used: set[str] = set()
    for own in own_ids:
        public = secrets.token_hex(4)
        while public in used:
            public = secrets.token_hex(4)
        used.add(public)
        table[str(own)] = public
    return table


def _table(layout: Mapping[str, Any], question_id: int | str) -> dict[str, str] | None:
    return (layout.get("public") or {}).get(str(question_id))


def _map(answer: Any, table: Mapping[str, str], missing: str | None) -> Any:
    def one(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return table.get(value, value if missing is None else missing)

    if isinstance(answer, list):
        return [one(v) for v in answer]
    return one(answer)


def to_public(layout: Mapping[str, Any], question_id: int | str, answer: Any) -> Any:
    table = _table(layout, question_id)
    return answer if table is None else _map(answer, table, None)


def to_own(layout: Mapping[str, Any], question_id: int | str, answer: Any) -> Any:
    """A public answer in the question's own ids; ids this attempt never showed become
    UNKNOWN, so guessing a question's own ids ("a") earns nothing."""
    table = _table(layout, question_id)
    if table is None:
        return answer
    return _map(answer, {public: own for own, public in table.items()}, UNKNOWN)


def answers_to_own(layout: Mapping[str, Any], answers: Mapping[Any, Any]) -> dict[Any, Any]:
    return {qid: to_own(layout, qid, answer) for qid, answer in answers.items()}
