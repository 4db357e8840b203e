"""Factories for the pathways app: the catalogue, enrolments, cohorts, progress, ratings."""

import datetime as dt
from datetime import timedelta

import factory
from django.utils import timezone

from pathways.models import (
    Capstone,
    Certification,
    Cohort,
    CohortMember,
    Enrollment,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Pillar,
    Progress,
    Role,
    RoleSkill,
    Skill,
    SkillRating,
)

from .org import UserFactory

CAPSTONE_RUBRIC = [
    {
        "criterion": "Observability",
        "description": "Metrics, traces and alerts",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Partial", "points": 2},
            {"label": "Complete", "points": 4},
        ],
    },
    {
        "criterion": "Runbook",
        "description": "",
        "levels": [
            {"label": "Missing", "points": 0},
            {"label": "Usable", "points": 3},
            {"label": "Tested", "points": 6},
        ],
    },
]
LAB_CHECKLIST = ["Alert rules are in version control", "Dashboards link to the runbook"]


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
    kind = Skill.Kind.SKILL


class RoleSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleSkill

    role = factory.SubFactory(RoleFactory)
    skill = factory.SubFactory(SkillFactory)
    criticality = 3


class PathwayFactory(factory.django.DjangoModelFactory):
    """A published 12-week role track (no modules: add them with ModuleFactory)."""

    class Meta:
        model = Pathway

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    version = 1
    kind = Pathway.Kind.TRACK
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    role = factory.SubFactory(RoleFactory)
    duration_weeks = 12
    primary_goal = "Fewer AI incidents."
    summary = "A track."
    status = Pathway.Status.PUBLISHED
    published_at = factory.Faker("date_time", tzinfo=dt.UTC)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    week_start = 1
    week_end = 1
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
    checklist = factory.LazyFunction(lambda: list(LAB_CHECKLIST))
    artifact_schema = ""


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
    title = "Observable RAG feature"
    rubric = factory.LazyFunction(lambda: [dict(c) for c in CAPSTONE_RUBRIC])


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    slug = factory.Sequence(lambda n: f"cert-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    criteria = factory.LazyFunction(dict)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    pathway = factory.SubFactory(PathwayFactory)
    pathway_slug = factory.SelfAttribute("pathway.slug")


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
