"""One importer per format, all behind `incidents.importers.base.Importer`."""

from .base import Document, Importer, ImportOptions, RawRecord, RecordError
from .csvfile import CsvImporter
from .mapped import MappedImporter
from .markdown import MarkdownImporter
from .native import JsonImporter, JsonLinesImporter
from .opsgenie import OpsgenieImporter
from .pagerduty import PagerDutyImporter

IMPORTERS: dict[str, type[Importer]] = {
    cls.format: cls
    for cls in (
        JsonImporter,
        JsonLinesImporter,
        CsvImporter,
        MarkdownImporter,
        PagerDutyImporter,
        OpsgenieImporter,
        MappedImporter,
    )
}


def importer_for(format: str, options: ImportOptions | None = None) -> Importer:
    """The importer for `format`; IncidentsError for an unknown format or a bad mapping."""
    from incidents.exceptions import IncidentsError

    try:
        cls = IMPORTERS[format]
    except KeyError:
        known = ", ".join(IMPORTERS)
        raise IncidentsError(f"Unknown format {format!r}; use one of {known}.") from None
    return cls(options)


__all__ = [
    "IMPORTERS",
    "Document",
    "ImportOptions",
    "Importer",
    "RawRecord",
    "RecordError",
    "importer_for",
]
