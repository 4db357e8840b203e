from django.core.management.base import BaseCommand, CommandError

from pathways.catalogue import SCHEMA_FILE
from pathways.catalogue.importer import CATALOGUE_DIR, catalogue_check, read_sources
from pathways.catalogue.schema import json_schema_text


class Command(BaseCommand):
    help = (
        "Regenerate the published JSON schema of catalogue files from the pydantic models. "
        "With --check: fail if the schema file is out of date or if the built-in catalogue "
        "has a problem (format or a reference that does not resolve); write nothing."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--check",
            action="store_true",
            help="Check the schema file and the catalogue's references; write nothing.",
        )
        parser.add_argument("--catalogue", default=str(CATALOGUE_DIR), help="Folder to check.")

    def handle(self, *args, check: bool, catalogue: str, **options) -> None:  # type: ignore[no-untyped-def]
        text = json_schema_text()
        if check:
            problems = []
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
                problems.append(f"{SCHEMA_FILE} is out of date: run manage.py catalogue_schema")
            problems += [str(issue) for issue in catalogue_check(sources=read_sources(catalogue))]
            if problems:
                raise CommandError(f"{len(problems)} problem(s):\n" + "\n".join(problems))
            self.stdout.write(f"{SCHEMA_FILE} is up to date; every catalogue reference resolves.")
            return
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
