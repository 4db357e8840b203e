from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import services
from assessments.exceptions import AssessmentError
from assessments.models import QuestionBank


class Command(BaseCommand):
    help = "Import QTI items or packages into a question bank, or export a bank as QTI 3.0."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        read = sub.add_parser("import", help="a QTI 2.1/2.2/3.0 item file or content package")
        read.add_argument("bank", help="question bank slug")
        read.add_argument("path")
        write = sub.add_parser("export", help="a QTI 3.0 content package (zip)")
        write.add_argument("bank", help="question bank slug")
        write.add_argument("path")

    def handle(self, *args, **options):
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"no question bank {options['bank']}")
        path = Path(options["path"])
        if options["action"] == "import":
            try:
                report = services.qti_import(bank=bank, data=path.read_bytes(), filename=path.name)
            except (OSError, AssessmentError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{len(report.created)} question(s) imported")
            for problem in report.unsupported:
                self.stdout.write(f"not imported: {problem}")
        else:
            data, skipped = services.qti_export(bank=bank)
            path.write_bytes(data)
            self.stdout.write(f"wrote {path} ({len(data)} bytes)")
            for problem in skipped:
                self.stdout.write(f"not exported: {problem}")
