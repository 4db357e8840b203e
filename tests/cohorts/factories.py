"""Helpers for cohort and progress tests: pathways with a schedule, the SRE demo catalogue.
The factories themselves live in tests/factories/."""

from pathways.models import Pathway, Role, RoleSkill
from tests.factories import (
    CohortFactory,
    CohortMemberFactory,
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    PathwayFactory,
    ProgressFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
)


def pathway_with_schedule(role: Role, weeks: list[tuple[int, int]], *, labs: int = 1, **kwargs):
    """A published 12-week pathway for `role` with one module per (week_start, week_end)
    and `labs` labs in each module."""
    pathway = PathwayFactory(role=role, **kwargs)
    for order, (start, end) in enumerate(weeks, start=1):
        module = ModuleFactory(
            pathway=pathway,
            order=order,
            slug=f"{pathway.slug}-m{order}",
            title=f"{pathway.title} module {order}",
            week_start=start,
            week_end=end,
        )
        for n in range(1, labs + 1):
            LabFactory(
                module=module,
                order=n,
                slug=f"{module.slug}-lab{n}",
                title=f"{module.title} lab {n}",
            )
    return pathway


SRE_SKILLS = [
    # slug, name, criticality, (junior, mid, senior, principal), (day30, day60, day90)
    ("slo-design", "SLOs for AI features", 5, (2, 3, 4, 5), (2, 3, 3)),
    ("llm-observability", "Observability of model outputs", 5, (2, 3, 4, 5), (2, 2, 3)),
    ("ai-incident-response", "Incident response for AI failures", 4, (2, 3, 4, 5), (1, 2, 3)),
    ("rollback-discipline", "Rollback and kill switches", 3, (2, 3, 4, 4), (1, 2, 3)),
    ("prompt-review", "Reviewing prompts as code", 2, (1, 2, 3, 4), (1, 2, 2)),
]
SRE_WEEKS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)]


def ensure_sre_catalogue() -> Pathway:
    """The catalogue rows the SRE demo needs, unless a catalogue is already loaded:
    returns the latest published pathway of role `sre`."""
    existing = (
        Pathway.objects.filter(role__slug="sre", status=Pathway.Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if existing is not None:
        return existing
    role = RoleFactory(slug="sre", name="Site reliability engineer", exposure=5, influence=4)
    for slug, name, crit, levels, minimums in SRE_SKILLS:
        skill = SkillFactory(slug=slug, name=name)
        RoleSkill.objects.update_or_create(
            role=role,
            skill=skill,
            defaults={
                "criticality": crit,
                "level_junior": levels[0],
                "level_mid": levels[1],
                "level_senior": levels[2],
                "level_principal": levels[3],
                "min_day30": minimums[0],
                "min_day60": minimums[1],
                "min_day90": minimums[2],
            },
        )
    return pathway_with_schedule(
        role, SRE_WEEKS, slug="sre-ai-reliability", title="Reliability for AI features"
    )


__all__ = [
    "SRE_SKILLS",
    "SRE_WEEKS",
    "CohortFactory",
    "CohortMemberFactory",
    "EnrollmentFactory",
    "LabFactory",
    "ModuleFactory",
    "PathwayFactory",
    "ProgressFactory",
    "RoleFactory",
    "RoleSkillFactory",
    "SkillFactory",
    "SkillRatingFactory",
    "ensure_sre_catalogue",
    "pathway_with_schedule",
]
