"""Factories for the curriculum rows this area reads, and for its own rows."""

from datetime import timedelta

import factory
from django.utils import timezone

from pathways.models import (
    Cohort,
    CohortMember,
    Enrollment,
    Lab,
    Module,
    Pathway,
    Pillar,
    Progress,
    Role,
    RoleSkill,
    Skill,
    SkillRating,
)
from tests.factories import UserFactory


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    exposure = 3
    influence = 3


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    pillar = Pillar.OBSERVABILITY


class RoleSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleSkill

    role = factory.SubFactory(RoleFactory)
    skill = factory.SubFactory(SkillFactory)
    criticality = 3


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pathway

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    role = factory.SubFactory(RoleFactory)
    duration_weeks = 12
    status = Pathway.Status.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    week_start = 1
    week_end = 1


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    module = factory.SubFactory(ModuleFactory)
    order = 1
    slug = factory.Sequence(lambda n: f"lab-{n}")
    title = factory.Sequence(lambda n: f"Lab {n}")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    pathway = factory.SubFactory(PathwayFactory)
    pathway_slug = factory.LazyAttribute(lambda o: o.pathway.slug)


class SkillRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillRating

    person = factory.SubFactory(UserFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 3
    source = SkillRating.Source.MANAGER
    rated_at = factory.LazyFunction(timezone.now)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cohort {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=44))

    @factory.post_generation
    def pathways(self, create, extracted, **kwargs):
        if create and extracted:
            self.pathways.add(*extracted)


class CohortMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortMember

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Progress

    enrollment = factory.SubFactory(EnrollmentFactory)
    status = Progress.Status.DONE


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
