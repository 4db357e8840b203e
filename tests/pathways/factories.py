"""Helpers for pathways tests. The factories themselves live in tests/factories/."""

from pathways.models import Pathway
from tests.factories import (
    CapstoneFactory,
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    ModuleSkillFactory,
    OutcomeFactory,
    PathwayFactory,
    RoleFactory,
    SkillFactory,
)


def pathway_with_modules(count: int, **kwargs) -> Pathway:  # type: ignore[no-untyped-def]
    """A published pathway with `count` modules, each with a skill and a lab."""
    pathway = PathwayFactory(**kwargs)
    skill = SkillFactory()
    for index in range(count):
        week = index % pathway.duration_weeks + 1
        module = ModuleFactory(pathway=pathway, order=index + 1, week_start=week, week_end=week)
        ModuleSkillFactory(module=module, skill=skill)
        lab = LabFactory(module=module, checklist=["Units on every panel"])
        lab.skills.add(skill)
    OutcomeFactory(pathway=pathway, filters={"failure_mode": "hallucination"})
    rubric = [{"criterion": "Tests", "description": "", "levels": [{"label": "Ok", "points": 1}]}]
    CapstoneFactory(pathway=pathway, rubric=rubric).skills.add(skill)
    return pathway


__all__ = [
    "CapstoneFactory",
    "EnrollmentFactory",
    "LabFactory",
    "ModuleFactory",
    "ModuleSkillFactory",
    "OutcomeFactory",
    "PathwayFactory",
    "RoleFactory",
    "SkillFactory",
    "pathway_with_modules",
]
