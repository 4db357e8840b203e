"""Names a pathway refers to but does not own: KPI keys and their filters.

The KPI registry lives in `metrics`, which reads pathways; pathways may not import it.
So `metrics` registers its vocabulary here when the app registry is ready, and the
catalogue importer and the outcome editor ask this module whether a KPI key and its
filters resolve. Without a registered vocabulary every key is unknown: an outcome must
name a KPI that something measures.
"""

from collections.abc import Mapping
from typing import Any, Protocol


class OutcomeVocabulary(Protocol):
    def kpi_keys(self) -> frozenset[str]: ...

    def filter_problems(self, kpi_key: str, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(filter name, message) for every filter that does not resolve."""
        ...


_vocabulary: OutcomeVocabulary | None = None


def vocabulary_register(vocabulary: OutcomeVocabulary) -> None:
    global _vocabulary
    _vocabulary = vocabulary


def outcome_problems(kpi_key: str, filters: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """What does not resolve in an outcome: (None, message) for the KPI key,
    (filter name, message) for a filter."""
    known = _vocabulary.kpi_keys() if _vocabulary else frozenset()
    if kpi_key not in known:
        listed = ", ".join(sorted(known)) or "none registered"
        return [(None, f"unknown KPI {kpi_key!r}; known: {listed}")]
    assert _vocabulary is not None
    return list(_vocabulary.filter_problems(kpi_key, filters))


# --- assessments ------------------------------------------------------------------------
# `assessments` reads pathways and owns question banks, so it registers how to read a
# bank's questions and how to write an assessment document.


class BankQuestion(Protocol):
    """One question of a bank document: where it is (a GIFT line or a YAML index) and the
    skill slugs it is tagged with."""

    gift_line: int | None
    index: int | None
    tags: list[str]


class AssessmentSupport(Protocol):
    def bank_read(self, bank: Any) -> tuple[list[Any], list[tuple[int | None, int | None, str]]]:
        """The bank's questions, and (GIFT line, YAML question index, message) for each
        question that cannot be read."""
        ...

    def assessment_write(
        self, doc: Any, questions: list[Any], *, pathway: Any, module: Any, skills: Mapping
    ) -> str:
        """Create or update the assessment and its bank: 'created', 'updated' or
        'unchanged'. Raises ValueError when the change cannot be made."""
        ...


_assessments: AssessmentSupport | None = None


def assessment_support_register(support: AssessmentSupport) -> None:
    global _assessments
    _assessments = support


def assessment_support() -> AssessmentSupport | None:
    return _assessments
