"""One factory_boy factory per model, one module per app; every test imports them from
here (`from tests.factories import PathwayFactory`). Helpers that build several rows for
one area of tests stay next to those tests (tests/<area>/factories.py)."""

from .assessments import AssessmentFactory, QuestionBankFactory, QuestionFactory
from .incidents import (
    IncidentFactory,
    IncidentSourceFactory,
    ServiceFactory,
    TimelineEventFactory,
)
from .org import MembershipFactory, TeamFactory, UserFactory
from .pathways import (
    CapstoneFactory,
    CertificationFactory,
    CohortFactory,
    CohortMemberFactory,
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    ModuleSkillFactory,
    OutcomeFactory,
    PathwayFactory,
    ProgressFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SkillRatingFactory,
)

__all__ = [
    "AssessmentFactory",
    "CapstoneFactory",
    "CertificationFactory",
    "CohortFactory",
    "CohortMemberFactory",
    "EnrollmentFactory",
    "IncidentFactory",
    "IncidentSourceFactory",
    "LabFactory",
    "MembershipFactory",
    "ModuleFactory",
    "ModuleSkillFactory",
    "OutcomeFactory",
    "PathwayFactory",
    "ProgressFactory",
    "QuestionBankFactory",
    "QuestionFactory",
    "RoleFactory",
    "RoleSkillFactory",
    "ServiceFactory",
    "SkillFactory",
    "SkillRatingFactory",
    "TeamFactory",
    "TimelineEventFactory",
    "UserFactory",
]
