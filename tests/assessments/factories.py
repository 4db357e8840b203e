"""Helpers for assessments tests: right and wrong answers for the factory specs, a quiz
of given question types. The factories themselves live in tests/factories/."""

from django.utils import timezone

from assessments.models import QuestionType
from tests.factories import (
    AssessmentFactory,
    CapstoneFactory,
    CertificationFactory,
    EnrollmentFactory,
    LabFactory,
    ModuleFactory,
    PathwayFactory,
    QuestionBankFactory,
    QuestionFactory,
    RoleFactory,
    SkillFactory,
)
from tests.factories.assessments import SPECS

# A right answer for each factory spec.
RIGHT = {
    QuestionType.SINGLE: "a",
    QuestionType.MULTIPLE: ["a", "b"],
    QuestionType.TRUE_FALSE: True,
    QuestionType.NUMERIC: "0.2",
    QuestionType.SHORT_TEXT: "psi",
    QuestionType.ORDERING: ["a", "b", "c"],
    QuestionType.MATCHING: {"p1": "detect", "p2": "recover"},
}
WRONG = {
    QuestionType.SINGLE: "b",
    QuestionType.MULTIPLE: ["c"],
    QuestionType.TRUE_FALSE: False,
    QuestionType.NUMERIC: "9",
    QuestionType.SHORT_TEXT: "cpu",
    QuestionType.ORDERING: ["c", "b", "a"],
    QuestionType.MATCHING: {"p1": "recover", "p2": "detect"},
}


def quiz_with(types, **assessment_fields):
    """A published assessment with one question of each given type, in that order."""
    bank = QuestionBankFactory()
    questions = [QuestionFactory(bank=bank, qtype=t) for t in types]
    return AssessmentFactory(questions=questions, **assessment_fields), questions


def now():
    return timezone.now()


__all__ = [
    "RIGHT",
    "SPECS",
    "WRONG",
    "AssessmentFactory",
    "CapstoneFactory",
    "CertificationFactory",
    "EnrollmentFactory",
    "LabFactory",
    "ModuleFactory",
    "PathwayFactory",
    "QuestionBankFactory",
    "QuestionFactory",
    "RoleFactory",
    "SkillFactory",
    "now",
    "quiz_with",
]
