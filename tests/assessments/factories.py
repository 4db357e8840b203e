"""Factories for assessments and the pathways rows they refer to."""

from decimal import Decimal

import factory
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentQuestion,
    Question,
    QuestionBank,
    QuestionType,
)
from pathways.models import (
    Capstone,
    Certification,
    Enrollment,
    Lab,
    Module,
    Pathway,
    Role,
    Skill,
)
from tests.factories import UserFactory

# --- pathways ---------------------------------------------------------------------


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    pillar = "observability"


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pathway

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    role = factory.SubFactory(RoleFactory)
    status = Pathway.Status.PUBLISHED
    duration_weeks = 10


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    pathway = factory.SubFactory(PathwayFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"lab-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    checklist = ["Alert rules are in version control", "Dashboards link to the runbook"]
    artifact_schema = ""


class CapstoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capstone

    pathway = factory.SubFactory(PathwayFactory)
    slug = factory.Sequence(lambda n: f"capstone-{n}")
    title = "Observable RAG feature"
    rubric = factory.LazyFunction(
        lambda: [
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
                "levels": [
                    {"label": "Missing", "points": 0},
                    {"label": "Usable", "points": 3},
                    {"label": "Tested", "points": 6},
                ],
            },
        ]
    )


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
    pathway_slug = factory.LazyAttribute(lambda o: o.pathway.slug)


# --- assessments -----------------------------------------------------------------------

SPECS = {
    QuestionType.SINGLE: {
        "choices": [
            {"id": "a", "text": "PSI rises", "weight": "100", "feedback": "Yes."},
            {"id": "b", "text": "CPU rises", "weight": "0", "feedback": "That is load."},
            {"id": "c", "text": "Disk fills", "weight": "0", "feedback": "That is capacity."},
        ]
    },
    QuestionType.MULTIPLE: {
        "choices": [
            {"id": "a", "text": "PSI", "weight": "50"},
            {"id": "b", "text": "KL divergence", "weight": "50"},
            {"id": "c", "text": "Uptime", "weight": "-50"},
        ]
    },
    QuestionType.TRUE_FALSE: {"answer": True, "feedback_true": "", "feedback_false": ""},
    QuestionType.NUMERIC: {"answers": [{"value": "0.2", "tolerance": "0.05"}]},
    QuestionType.SHORT_TEXT: {"answers": [{"text": "PSI", "mode": "iexact"}]},
    QuestionType.ORDERING: {
        "items": [
            {"id": "a", "text": "Ack"},
            {"id": "b", "text": "Mitigate"},
            {"id": "c", "text": "Fix"},
        ]
    },
    QuestionType.MATCHING: {
        "pairs": [
            {"id": "p1", "prompt": "MTTD", "match": "detect"},
            {"id": "p2", "prompt": "MTTR", "match": "recover"},
        ],
        "distractors": [],
    },
}

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


class QuestionBankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBank

    slug = factory.Sequence(lambda n: f"bank-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    bank = factory.SubFactory(QuestionBankFactory)
    qtype = QuestionType.SINGLE
    title = factory.Sequence(lambda n: f"Question {n}")
    text = factory.LazyAttribute(lambda o: f"{o.title}: which is right?")
    spec = factory.LazyAttribute(lambda o: SPECS[o.qtype])
    points = Decimal("1")

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.add(*extracted)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"assessment-{n}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    kind = Assessment.Kind.QUIZ
    is_published = True

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create and extracted:
            for order, question in enumerate(extracted):
                AssessmentQuestion.objects.create(assessment=self, question=question, order=order)

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.add(*extracted)


def quiz_with(types, **assessment_fields):
    """A published assessment with one question of each given type, in that order."""
    bank = QuestionBankFactory()
    questions = [QuestionFactory(bank=bank, qtype=t) for t in types]
    return AssessmentFactory(questions=questions, **assessment_fields), questions


def now():
    return timezone.now()
