"""What single sign-on (OpenID Connect or SAML) says about a person, applied to Trellis:
their name, personas and team memberships. Both `org.oidc` and `org.saml` call it."""

from collections.abc import Iterable, Mapping

from django.conf import settings

from . import services
from .models import Membership, Persona, Team, User


def apply_identity(
    user: User,
    *,
    name: str,
    groups: Iterable[str] | None,
    job_role: str | None,
    persona_groups: Mapping[str, str],
    team_prefix: str,
) -> User:
    """Name, personas and team memberships from the provider's claims or attributes.

    `groups` None (the provider sent no groups) leaves personas and teams alone. With
    `persona_groups` set, personas follow the groups (everyone is a learner); with
    `team_prefix` set, the groups named `<prefix><team slug>` are the person's teams:
    missing memberships are added, memberships of teams no longer listed are removed.
    """
    name = (name or "")[:200]
    if name and name != user.full_name:
        user.full_name = name
        user.save(update_fields=["full_name"])
    if groups is None:
        return user
    groups = {str(g) for g in groups}
    if persona_groups:
        personas = {Persona.LEARNER} | {
            persona for persona, group in persona_groups.items() if group in groups
        }
        services.user_set_personas(user=user, personas=personas)
    if not team_prefix:
        return user
    slugs = {g.removeprefix(team_prefix) for g in groups if g.startswith(team_prefix)}
    teams = list(Team.objects.filter(slug__in=slugs))
    current = {m.team_id: m for m in Membership.objects.filter(user=user)}
    for team in teams:
        existing = current.get(team.pk)
        role = job_role or (existing.job_role if existing else settings.TRELLIS_SSO_JOB_ROLE)
        if existing is None or existing.job_role != role:
            services.membership_set(user=user, team=team, job_role=role)
    for team_id, membership in current.items():
        if team_id not in {t.pk for t in teams}:
            membership.delete()
    return user
