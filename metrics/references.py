"""The metrics side of catalogue references: which KPI keys exist and which filters
each one takes (see `pathways.catalogue.references`)."""

from collections.abc import Mapping
from typing import Any

from incidents.models import FailureMode, Severity

from .exceptions import MetricsError
from .registry import REGISTRY, kpi

FILTER_NAMES = ("severity", "ai_related", "failure_mode")


class MetricsVocabulary:
    def kpi_keys(self) -> frozenset[str]:
        return frozenset(REGISTRY)

    def filter_problems(self, kpi_key: str, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        from .selectors import filters_parse

        problems: list[tuple[str, str]] = []
        family = kpi(kpi_key).family
        for name, value in filters.items():
            if name not in FILTER_NAMES:
                problems.append((name, f"unknown filter {name!r}; use {', '.join(FILTER_NAMES)}"))
            elif family != "incident":
                problems.append(
                    (name, f"{kpi_key} is a{'n' if family[0] in 'aeiou' else ''} {family} KPI "
                     "and takes no incident filter")
                )  # fmt: skip
            elif name == "failure_mode":
                for mode in str(value).split(","):
                    if mode.strip() not in FailureMode.values:
                        problems.append(
                            (
                                name,
                                f"unknown failure mode {mode.strip()!r}; "
                                f"known: {', '.join(FailureMode.values)}",
                            )
                        )
            elif name == "severity":
                for sev in str(value).split(","):
                    if sev.strip() not in Severity.values:
                        problems.append((name, f"unknown severity {sev.strip()!r}"))
            else:
                try:
                    filters_parse({name: value})
                except MetricsError as exc:
                    problems.append((name, str(exc)))
        return problems
