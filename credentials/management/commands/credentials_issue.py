from django.core.management.base import BaseCommand

from credentials.services import credential_issue
from pathways.models import CertificationAward


class Command(BaseCommand):
    help = "Issue the Open Badges credential of every certification award that has none."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        missing = CertificationAward.objects.filter(credential__isnull=True).values_list(
            "pk", flat=True
        )
        count = 0
        for award_id in missing.iterator():
            credential_issue(award_id=award_id)
            count += 1
        self.stdout.write(f"{count} credential(s) issued")
