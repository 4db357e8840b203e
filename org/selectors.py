"""Reads for users, teams and memberships."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.module_loading import import_string

from . import access
from .models import Membership, Team, User


def team_list_for_user(*, user: User) -> QuerySet[Team]:
    """Teams the user manages (all for admins), with member counts, in one query."""
    return access.teams_managed_by(user).annotate(member_count=Count("memberships"))


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team")


def role_names(slugs: Iterable[str]) -> dict[str, str]:
    """Job-role names by slug from the module named in `settings.ROLE_NAMES_PROVIDER`
    (pathways); {} when none is set, and the slug is shown."""
    dotted = getattr(settings, "ROLE_NAMES_PROVIDER", "")
    return import_string(dotted)(list(slugs)) if dotted else {}


def team_memberships(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
