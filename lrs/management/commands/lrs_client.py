from django.core.management.base import BaseCommand, CommandError

from lrs.models import Client
from lrs.services import lrs_client_create, lrs_client_revoke


class Command(BaseCommand):
    help = "Issue, list or revoke HTTP Basic credentials for the xAPI LRS at /xapi/."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print KEY SECRET on one line")
        create.add_argument("name")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("key")
        sub.add_parser("list")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            client, secret = lrs_client_create(name=options["name"])
            self.stdout.write(f"{client.key} {secret}")
        elif action == "revoke":
            if not lrs_client_revoke(key=options["key"]):
                raise CommandError(f"no active client with key {options['key']}")
            self.stdout.write(f"revoked {options['key']}")
        else:
            for client in Client.objects.order_by("created_at"):
                state = "active" if client.is_active else f"revoked {client.revoked_at:%Y-%m-%d}"
                self.stdout.write(f"{client.key}\t{client.name}\t{state}")
