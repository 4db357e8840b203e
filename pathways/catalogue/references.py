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
