from django.core.management.base import BaseCommand, CommandError

from pathways.catalogue import SCHEMA_FILE
from pathways.catalogue.schema import json_schema_text


class Command(BaseCommand):
    help = "Regenerate the published JSON schema of catalogue files from the pydantic models."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file is out of date; write nothing."
        )

    def handle(self, *args, check: bool, **options) -> None:  # type: ignore[no-untyped-def]
        text = json_schema_text()
        if check:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
                raise CommandError(f"{SCHEMA_FILE} is out of date: run manage.py catalogue_schema")
            self.stdout.write(f"{SCHEMA_FILE} is up to date.")
            return
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
