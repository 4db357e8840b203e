"""manage.py import_postmortems FILE --format FMT [--mapping FILE] [--source NAME]
[--timezone TZ] [--dry-run] [--sync]"""

from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents import services
from incidents.encoding import decode_input
from incidents.exceptions import IncidentsError
from incidents.importers import IMPORTERS, Document
from incidents.models import ImportBatch
from incidents.streaming import document_parts, file_blocks

MARKDOWN_SUFFIXES = (".md", ".markdown")
SHOW_REJECTED = 20


def _read(path: Path) -> str:
    # Invalid UTF-8 is kept (marked) so that exactly the records holding it are rejected.
    return decode_input(path.read_bytes())


class Command(BaseCommand):
    help = (
        "Import postmortems or incident exports from FILE (a folder of .md files works "
        "for --format markdown). Queues a Celery task unless --sync or --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file, or a folder of Markdown postmortems.")
        parser.add_argument("--format", required=True, choices=list(IMPORTERS))
        parser.add_argument("--mapping", help="YAML mapping file (with --format mapped).")
        parser.add_argument("--source", default="", help="Source name; default per format.")
        parser.add_argument(
            "--timezone", default="UTC", help="Zone for timestamps without an offset."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--sync", action="store_true", help="Import in this process instead of a task."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        documents = self._documents(path, options["format"])
        mapping = ""
        if options["mapping"]:
            mapping_path = Path(options["mapping"])
            if not mapping_path.is_file():
                raise CommandError(f"No mapping file at {mapping_path}.")
            mapping = _read(mapping_path)
        try:
            if options["dry_run"]:
                self._dry_run(documents, options, mapping)
                return
            batch = services.import_batch_create(
                format=options["format"],
                documents=documents,
                created_by=None,
                source=options["source"],
                timezone=options["timezone"],
                mapping=mapping,
                channel=ImportBatch.Channel.COMMAND,
                enqueue=not options["sync"],
            )
        except IncidentsError as exc:
            raise CommandError(str(exc)) from None
        if options["sync"]:
            services.import_batch_process(batch_id=batch.pk, time_budget=float("inf"))
        batch.refresh_from_db()
        self._report(batch)

    def _documents(self, path: Path, format: str) -> Iterator[Document]:
        """The input, read from disk in blocks as it is stored (see incidents.streaming)."""
        if path.is_dir():
            if format != ImportBatch.Format.MARKDOWN:
                raise CommandError("A folder can be imported with --format markdown only.")
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in MARKDOWN_SUFFIXES)
            if not files:
                raise CommandError(f"No .md files under {path}.")
            return (Document(str(p.relative_to(path)), _read(p)) for p in files)
        if not path.is_file():
            raise CommandError(f"No file or folder at {path}.")
        return self._parts(path, format)

    def _parts(self, path: Path, format: str) -> Iterator[Document]:
        with path.open("rb") as handle:
            yield from document_parts(path.name, file_blocks(handle), format)

    def _dry_run(self, documents: list[Document], options: dict, mapping: str) -> None:
        request = services.import_request_check(
            format=options["format"],
            source=options["source"],
            timezone=options["timezone"],
            mapping=mapping,
        )
        preview = services.import_preview(
            request=request, documents=documents, sample=0, validate_limit=None
        )
        self.stdout.write(
            f"Dry run ({request.source}): {preview.total} records: "
            f"{preview.would_create} to create, {preview.would_update} to update, "
            f"{preview.would_keep} unchanged, {preview.rejected_count} rejected. "
            "Nothing was written."
        )
        self._rejected((r.locator, r.errors) for r in preview.rejected)

    def _report(self, batch: ImportBatch) -> None:
        if batch.status in (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING):
            self.stdout.write(
                f"Import #{batch.pk} ({batch.source}) is queued; follow it on its page or at "
                f"/api/v1/import-batches/{batch.pk}/."
            )
            return
        line = (
            f"Import #{batch.pk} ({batch.source}) {batch.status}: {batch.total_count} records: "
            f"{batch.created_count} created, {batch.updated_count} updated, "
            f"{batch.unchanged_count} unchanged, {batch.rejected_count} rejected."
        )
        style = self.style.SUCCESS if batch.status == ImportBatch.Status.DONE else self.style.ERROR
        self.stdout.write(style(line))
        if batch.error:
            self.stdout.write(self.style.ERROR(batch.error))
        self._rejected(
            (r.locator, r.errors) for r in batch.rejected.order_by("position")[:SHOW_REJECTED]
        )

    def _rejected(self, rejected) -> None:  # type: ignore[no-untyped-def]
        for shown, (locator, errors) in enumerate(rejected):
            if shown == SHOW_REJECTED:
                self.stdout.write("  …")
                break
            problems = "; ".join(f"{e['path'] or 'record'}: {e['message']}" for e in errors)
            self.stdout.write(f"  rejected {locator}: {problems}")
