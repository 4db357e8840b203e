from django.core.management.base import BaseCommand, CommandError

from org.exceptions import OrgError
from org.models import User
from org.scim.tokens import scim_token_issue


class Command(BaseCommand):
    help = "Issue a SCIM bearer token for an identity provider; prints the key once."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("name", help="Which provider uses it, e.g. Okta.")
        parser.add_argument("--by", help="E-mail address of the platform admin issuing it.")

    def handle(self, *args, name: str, by: str | None = None, **options) -> None:
        issuer = None
        if by:
            issuer = User.objects.filter(email__iexact=by).first()
            if issuer is None:
                raise CommandError(f"No user {by}.")
        try:
            token, key = scim_token_issue(name=name, by=issuer)
        except OrgError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"SCIM token {token.name} ({token.prefix}…); the key is shown once:")
        self.stdout.write(key)
