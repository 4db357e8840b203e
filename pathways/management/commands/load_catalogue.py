from django.core.management.base import BaseCommand, CommandError

from pathways import services
from pathways.catalogue.importer import CATALOGUE_DIR, read_sources
from pathways.exceptions import CatalogueError


class Command(BaseCommand):
    help = (
        "Load catalogue YAML (a file, or every .yaml/.yml under a folder; default: the "
        "built-in catalogue). Idempotent; all or nothing: on any error nothing is written."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("path", nargs="?", default=str(CATALOGUE_DIR))

    def handle(self, *args, path: str, verbosity: int = 1, **options) -> None:  # type: ignore[no-untyped-def]
        try:
            result = services.catalogue_load(sources=read_sources(path))
        except CatalogueError as exc:
            raise CommandError(f"Nothing was loaded; {len(exc.issues)} problem(s):\n{exc}") from exc
        if verbosity > 1:
            for label in result.created:
                self.stdout.write(f"created {label}")
            for label in result.updated:
                self.stdout.write(f"updated {label}")
        self.stdout.write(self.style.SUCCESS(f"Catalogue loaded: {result.summary()}."))
