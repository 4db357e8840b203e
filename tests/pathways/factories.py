import factory

from pathways.models import (
    Capstone,
    Enrollment,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Pillar,
    Role,
    Skill,
)
from tests.factories import UserFactory


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.Sequence(lambda n: f"Role {n}")
    exposure = 4
    influence = 3


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")
    pillar = Pillar.OBSERVABILITY
    kind = Skill.Kind.SKILL


class PathwayFactory(factory.django.DjangoModelFactory):
    """A published 12-week role track (no modules: add them with ModuleFactory)."""

    class Meta:
        model = Pathway

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    version = 1
    kind = Pathway.Kind.TRACK
    title = factory.Sequence(lambda n: f"Pathway {n}")
    role = factory.SubFactory(RoleFactory)
    duration_weeks = 12
    primary_goal = "Fewer AI incidents."
    summary = "A track."
    status = Pathway.Status.PUBLISHED
    published_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    week_start = 1
    week_end = 2
    pillar = Pillar.OBSERVABILITY
    objectives = factory.LazyFunction(lambda: ["Explain the thing.", "Do the thing."])
    content = "Some **markdown**."


class ModuleSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleSkill

    module = factory.SubFactory(ModuleFactory)
    skill = factory.SubFactory(SkillFactory)
    target_level = 3


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"lab-{n}")
    title = factory.Sequence(lambda n: f"Lab {n}")
    instructions = "Build it."
    deliverables = factory.LazyFunction(lambda: ["A dashboard"])
    checklist = factory.LazyFunction(lambda: ["Units on every panel"])


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PathwayOutcome

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    kpi_key = "mttm"
    description = "Mitigate faster"
    target_change_pct = -40
    window_days = 90


class CapstoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capstone

    pathway = factory.SubFactory(PathwayFactory)
    slug = factory.Sequence(lambda n: f"capstone-{n}")
    title = factory.Sequence(lambda n: f"Capstone {n}")
    rubric = factory.LazyFunction(
        lambda: [
            {"criterion": "Tests", "description": "", "levels": [{"label": "Ok", "points": 1}]}
        ]
    )


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    pathway = factory.SubFactory(PathwayFactory)
    pathway_slug = factory.SelfAttribute("pathway.slug")


def pathway_with_modules(count: int, **kwargs) -> Pathway:  # type: ignore[no-untyped-def]
    """A published pathway with `count` modules, each with a skill and a lab."""
    pathway = PathwayFactory(**kwargs)
    skill = SkillFactory()
    for index in range(count):
        week = index % pathway.duration_weeks + 1
        module = ModuleFactory(pathway=pathway, order=index + 1, week_start=week, week_end=week)
        ModuleSkillFactory(module=module, skill=skill)
        lab = LabFactory(module=module)
        lab.skills.add(skill)
    OutcomeFactory(pathway=pathway, filters={"failure_mode": "hallucination"})
    CapstoneFactory(pathway=pathway).skills.add(skill)
    return pathway
