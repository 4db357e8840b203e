from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from config import stamps
from org.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisation and each app's demo data. Idempotent."

    def handle(self, *args, **options) -> None:
        for dotted in settings.DEMO_SEEDERS:
            self.stdout.write(f"seeding {dotted} …")
            import_string(dotted)()
        # The seeders write in bulk, without the signals that invalidate cached pages.
        stamps.bump(stamps.CATALOGUE)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password: {settings.DEMO_PASSWORD}):")
        )
        for email in DEMO_LOGINS:
            self.stdout.write(f"  {email}")
