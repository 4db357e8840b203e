"""Who may see what. Every view and API endpoint asks here; nowhere else decides.

Rules:
- a platform admin (superuser or member of the `admin` group) sees everything;
- a manager sees the teams they manage and the people in them;
- an author sees and edits the curriculum, question banks and cohorts, but no
  person's data unless they also manage that person's team;
- a learner sees their own data only.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Persona, Team, User

AnyUser = User | AnonymousUser


def personas(user: AnyUser) -> frozenset[str]:
    """The personas a user acts as; cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_trellis_personas", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True)) & set(Persona.values)
    if user.is_superuser:
        names.add(Persona.ADMIN)
    names.add(Persona.LEARNER)  # everyone signed in can learn
    result = frozenset(names)
    user._trellis_personas = result  # type: ignore[union-attr]
    return result


def is_admin(user: AnyUser) -> bool:
    return Persona.ADMIN in personas(user)


def is_author(user: AnyUser) -> bool:
    return bool(personas(user) & {Persona.AUTHOR, Persona.ADMIN})


def is_manager(user: AnyUser) -> bool:
    return bool(personas(user) & {Persona.MANAGER, Persona.ADMIN})


def home_persona(user: AnyUser) -> str:
    """The persona whose home page a user lands on after login."""
    mine = personas(user)
    for persona in (Persona.ADMIN, Persona.MANAGER, Persona.AUTHOR):
        if persona in mine:
            return persona
    return Persona.LEARNER


def teams_managed_by(user: AnyUser) -> QuerySet[Team]:
    if is_admin(user):
        return Team.objects.all()
    if not user.is_authenticated or Persona.MANAGER not in personas(user):
        return Team.objects.none()
    return Team.objects.filter(managers=user)


def people_visible_to(user: AnyUser) -> QuerySet[User]:
    """The people whose personal data (progress, ratings, attempts) `user` may see."""
    if not user.is_authenticated:
        return User.objects.none()
    if is_admin(user):
        return User.objects.all()
    managed = teams_managed_by(user)
    return User.objects.filter(Q(pk=user.pk) | Q(memberships__team__in=managed)).distinct()


def can_view_person(viewer: AnyUser, person: User | int) -> bool:
    person_id = person if isinstance(person, int) else person.pk
    if not viewer.is_authenticated:
        return False
    if viewer.pk == person_id or is_admin(viewer):
        return True
    return teams_managed_by(viewer).filter(memberships__user_id=person_id).exists()


def can_view_team(viewer: AnyUser, team: Team | int) -> bool:
    team_id = team if isinstance(team, int) else team.pk
    return teams_managed_by(viewer).filter(pk=team_id).exists()


def require(allowed: bool) -> None:
    """Raise 403 unless `allowed`; for use inside views and services."""
    if not allowed:
        raise PermissionDenied


def require_persona(user: AnyUser, wanted: Iterable[str]) -> None:
    checks = {
        Persona.AUTHOR: is_author,
        Persona.MANAGER: is_manager,
        Persona.ADMIN: is_admin,
        Persona.LEARNER: lambda u: u.is_authenticated,
    }
    require(any(checks[p](user) for p in wanted))
