"""`import_postmortems --check`: what a mapping makes of the input, without writing.

Reads every record, shows the first few as the native records the importer made of
them, and lists every problem: records that would be rejected and values that would
be left out.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .importers import Document, RecordError
from .importers.mappings import zone
from .services import ImportRequest
from .validation import Directory, Rejected, validate_record


@dataclass(slots=True)
class CheckReport:
    total: int = 0
    valid: int = 0
    samples: list[tuple[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, list[dict[str, str]]]] = field(default_factory=list)
    dropped: list[tuple[str, list[dict[str, str]]]] = field(default_factory=list)


def import_check(
    *, request: ImportRequest, documents: Sequence[Document], show: int = 5
) -> CheckReport:
    """Map and validate every record of `documents`; the first `show` mapped records."""
    report = CheckReport()
    importer = request.importer
    directory = Directory.load()
    tz = zone(request.timezone)
    for position, raw in enumerate(importer.split(documents)):
        raw.position = position
        report.total += 1
        if len(report.samples) < show and not raw.errors:
            try:
                sample = raw.json_text if raw.json_text is not None else importer.to_native(raw)
            except RecordError as exc:
                sample = {"errors": exc.errors}
            report.samples.append((raw.locator, sample))
            raw.dropped = []  # validation below reads the record again
        result = validate_record(raw, importer, tz=tz, directory=directory)
        if isinstance(result, Rejected):
            report.rejected.append((result.locator, result.errors))
            continue
        report.valid += 1
        if result.fields["dropped_fields"]:
            report.dropped.append((result.locator, result.fields["dropped_fields"]))
    return report
