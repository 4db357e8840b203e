"""Re-encrypt incident-source secrets with the first key of TRELLIS_SECRETS_KEY."""

from django.core.management.base import BaseCommand, CommandError

from incidents.connectors.services import sources_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every incident source's token and webhook secret with the first key "
        "of TRELLIS_SECRETS_KEY (after putting a new key first; then drop the old one)."
    )

    def handle(self, *args, **options) -> None:
        rotated, unreadable = sources_secrets_rotate()
        self.stdout.write(f"{rotated} incident source(s) re-encrypted with the first key.")
        if unreadable:
            raise CommandError(
                "No configured key reads the secrets of: "
                + ", ".join(unreadable)
                + ". Enter them again in the admin."
            )
