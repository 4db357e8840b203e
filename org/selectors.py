"""Reads for users, teams and memberships."""

from django.db.models import Count, QuerySet

from . import access
from .models import Membership, Team, User


def team_list_for_user(*, user: User) -> QuerySet[Team]:
    """Teams the user manages (all for admins), with member counts, in one query."""
    return access.teams_managed_by(user).annotate(member_count=Count("memberships"))


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team")


def team_memberships(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
