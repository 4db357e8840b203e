from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pathways.catalogue import exporter
from pathways.models import Pathway


class Command(BaseCommand):
    help = (
        "Write one pathway version as catalogue YAML (default: its newest version) to "
        "standard output or --output FILE. `load_catalogue` reads it back unchanged."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument(
            "--pathway-version",
            dest="pathway_version",
            type=int,
            default=None,
            help="Version to export (default: the newest).",
        )
        parser.add_argument("--output", "-o", default=None, help="File to write (default: stdout).")

    def handle(
        self, *args, slug: str, pathway_version: int | None, output: str | None, **options
    ) -> None:  # type: ignore[no-untyped-def]
        queryset = Pathway.objects.filter(slug=slug)
        if pathway_version is not None:
            queryset = queryset.filter(version=pathway_version)
        pathway = exporter.pathway_prefetch(queryset.order_by("-version")).first()
        if pathway is None:
            which = f"{slug} v{pathway_version}" if pathway_version else slug
            raise CommandError(f"No pathway {which}.")
        text = exporter.pathway_yaml(pathway)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {pathway.slug} v{pathway.version} to {output}.")
        else:
            self.stdout.write(text, ending="")
