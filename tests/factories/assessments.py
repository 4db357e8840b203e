"""Factories for the assessments app: question banks, questions (one spec per type),
assessments."""

from decimal import Decimal

import factory

from assessments.models import Assessment, AssessmentQuestion, Question, QuestionBank, QuestionType

# A valid spec for each question type (answers that score them: tests/assessments/factories.py).
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
    QuestionType.ESSAY: {
        "rubric": [
            {
                "criterion": "Diagnosis",
                "levels": [{"label": "Missing", "points": "0"}, {"label": "Sound", "points": "2"}],
            },
            {
                "criterion": "Next steps",
                "levels": [{"label": "Missing", "points": "0"}, {"label": "Clear", "points": "2"}],
            },
        ],
        "guidance": "Names memory pressure and a mitigation.",
    },
    QuestionType.DESCRIPTION: {},
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
