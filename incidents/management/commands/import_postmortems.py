"""manage.py import_postmortems PATH [PATH…] --format FMT [--mapping FILE] [--source NAME]
[--timezone TZ] [--dry-run | --check [--show N]] [--sync]

A PATH is a file, a folder (its files of the format, at any depth) or a glob; all of
them make one batch, files in name order, each record naming its file. Files are read
from disk in blocks as they are stored (see incidents.streaming)."""

import glob
import json
from collections.abc import Iterator
from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.safe_yaml import load as load_yaml
from incidents import services
from incidents.checks import import_check
from incidents.encoding import decode_input
from incidents.exceptions import IncidentsError
from incidents.importers import IMPORTERS, Document
from incidents.models import ImportBatch
from incidents.streaming import document_parts, file_blocks

MARKDOWN_SUFFIXES = (".md", ".markdown")
SUFFIXES = {
    "markdown": MARKDOWN_SUFFIXES,
    "json": (".json",),
    "jsonl": (".jsonl", ".ndjson"),
    "csv": (".csv",),
    "pagerduty": (".json",),
    "opsgenie": (".json",),
}
SHOW_REJECTED = 20
GLOB_CHARS = frozenset("*?[")


def _read(path: Path) -> str:
    # Invalid UTF-8 is kept (marked) so that exactly the records holding it are rejected.
    return decode_input(path.read_bytes())


class Command(BaseCommand):
    # The models' checks only: the URL checks would import every view of the project
    # (about 90 MB of libraries the import never uses) into the importing process.
    requires_system_checks = [Tags.models, Tags.database]
    help = (
        "Import postmortems or incident exports from FILE (a folder of .md files works "
        "for --format markdown). Queues a Celery task unless --sync or --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="+",
            help="Files, folders (every file of the format under them) or globs; one batch.",
        )
        parser.add_argument("--format", required=True, choices=list(IMPORTERS))
        parser.add_argument(
            "--mapping", help="YAML mapping file (with --format mapped or markdown)."
        )
        parser.add_argument("--source", default="", help="Source name; default per format.")
        parser.add_argument(
            "--timezone", default="UTC", help="Zone for timestamps without an offset."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Show the first mapped records and every problem; write nothing.",
        )
        parser.add_argument(
            "--show", type=int, default=5, help="With --check: how many records to show."
        )
        parser.add_argument(
            "--sync", action="store_true", help="Import in this process instead of a task."
        )

    def handle(self, *args, **options) -> None:
        mapping = ""
        if options["mapping"]:
            mapping_path = Path(options["mapping"])
            if not mapping_path.is_file():
                raise CommandError(f"No mapping file at {mapping_path}.")
            mapping = _read(mapping_path)
        documents = self._documents(options["file"], options["format"], mapping)
        try:
            if options["check"]:
                self._check(documents, options, mapping)
                return
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

    def _suffixes(self, format: str, mapping: str) -> tuple[str, ...]:
        if format != ImportBatch.Format.MAPPED:
            return SUFFIXES[format]
        try:
            spec_format = (load_yaml(mapping) or {}).get("format", "json")
        except Exception:  # the import itself reports a broken mapping
            spec_format = "json"
        return SUFFIXES.get(str(spec_format), (".json",))

    def _documents(self, paths: list[str], format: str, mapping: str) -> Iterator[Document]:
        """Every file named, found under a folder or matched by a glob, once, by name;
        each read from disk in blocks as it is stored."""
        suffixes = self._suffixes(format, mapping)
        found: dict[Path, str] = {}
        for given in paths:
            path = Path(given)
            if path.is_dir():
                files = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes]
                if not files:
                    wanted = " or ".join(suffixes)
                    raise CommandError(f"No {wanted} files under {path}.")
                for file in files:
                    found.setdefault(file.resolve(), str(file.relative_to(path)))
            elif path.is_file():
                found.setdefault(path.resolve(), path.name if len(paths) == 1 else given)
            elif GLOB_CHARS & set(given):
                matches = [Path(m) for m in glob.glob(given, recursive=True)]
                matches = [m for m in matches if m.is_file()]
                if not matches:
                    raise CommandError(f"No file matches {given}.")
                for match in matches:
                    found.setdefault(match.resolve(), str(match))
            else:
                raise CommandError(f"No file or folder at {path}.")
        ordered = sorted(found.items(), key=lambda item: item[1])
        self.file_count = len(ordered)
        return self._parts(ordered, format)

    def _parts(self, files: list[tuple[Path, str]], format: str) -> Iterator[Document]:
        for path, name in files:
            with path.open("rb") as handle:
                yield from document_parts(name, file_blocks(handle), format)

    def _check(self, documents: Iterator[Document], options: dict, mapping: str) -> None:
        request = services.import_request_check(
            format=options["format"],
            source=options["source"],
            timezone=options["timezone"],
            mapping=mapping,
        )
        report = import_check(request=request, documents=documents, show=options["show"])
        self.stdout.write(
            f"Check ({request.source}): {self.file_count} files, {report.total} records: "
            f"{report.valid} valid ({len(report.dropped)} with values left out), "
            f"{len(report.rejected)} rejected. Nothing was written."
        )
        for locator, sample in report.samples:
            text = json.dumps(sample, indent=2, ensure_ascii=False, default=str)
            self.stdout.write(f"--- {locator}\n{text}")
        for locator, dropped in report.dropped:
            for entry in dropped:
                self.stdout.write(
                    f"  left out {locator}: {entry['path']}: {entry['message']} "
                    f"(was {entry['value']})"
                )
        for locator, errors in report.rejected:
            problems = "; ".join(f"{e['path'] or 'record'}: {e['message']}" for e in errors)
            self.stdout.write(f"  rejected {locator}: {problems}")

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
