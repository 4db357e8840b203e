"""Assessments in catalogue files: reading a bank document's questions (GIFT text or
YAML) and writing the assessment with its bank. Registered with
`pathways.catalogue.references` when the app is ready; the catalogue importer decides
when to call it (after every check passed, inside its transaction)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from string import ascii_lowercase
from typing import Any

from pathways.models import Module, Pathway, Skill

from . import scoring, services
from .exceptions import AssessmentError
from .gift import parse_gift
from .models import Assessment, AssessmentQuestion, QuestionBank


@dataclass
class CatalogueQuestion:
    qtype: str
    text: str
    spec: dict[str, Any]
    title: str = ""
    general_feedback: str = ""
    notes: str = ""
    points: Decimal = Decimal(1)
    category: str = ""
    tags: list[str] = field(default_factory=list)
    gift_line: int | None = None
    index: int | None = None

    def key(self) -> tuple:
        return (
            self.qtype,
            self.text,
            scoring.dump_spec(scoring.parse_spec(self.qtype, self.spec)),
            self.title,
            self.general_feedback,
            self.notes,
            Decimal(self.points).normalize(),
            self.category,
            tuple(sorted(set(self.tags))),
        )


def _yaml_spec(question: Any) -> dict[str, Any]:
    if question.type == "true_false":
        return {"answer": question.answer}
    rights = sum(c.right for c in question.choices)
    choices = []
    for letter, choice in zip(ascii_lowercase, question.choices, strict=False):
        if question.type == "single":
            weight = Decimal(100) if choice.right else Decimal(0)
        else:
            # As for GIFT: a wrong tick costs as much as a right one earns.
            weight = (Decimal(100) if choice.right else Decimal(-100)) / rights
        choices.append(
            {"id": letter, "text": choice.text, "weight": str(weight), "feedback": choice.feedback}
        )
    return {"choices": choices}


class CatalogueAssessments:
    def bank_read(self, bank: Any) -> tuple[list[CatalogueQuestion], list[tuple]]:
        if bank.gift:
            result = parse_gift(bank.gift)
            questions = [
                CatalogueQuestion(
                    qtype=q.qtype,
                    text=q.text,
                    spec=q.spec,
                    title=q.title[:200],
                    general_feedback=q.general_feedback,
                    notes=q.notes,
                    points=q.points,
                    category=q.category[:200],
                    tags=list(q.tags),
                    gift_line=q.line,
                )
                for q in result.questions
            ]
            return questions, [(e.line, None, e.message) for e in result.errors]
        questions, errors = [], []
        for index, q in enumerate(bank.questions):
            try:
                spec = scoring.dump_spec(scoring.parse_spec(q.type, _yaml_spec(q)))
            except scoring.SpecError as exc:
                errors.append((None, index, str(exc)))
                continue
            questions.append(
                CatalogueQuestion(
                    qtype=q.type,
                    text=q.text,
                    spec=spec,
                    title=q.title,
                    general_feedback=q.feedback,
                    tags=list(q.skills),
                    index=index,
                )
            )
        return questions, errors

    def assessment_write(
        self,
        doc: Any,
        questions: list[CatalogueQuestion],
        *,
        pathway: Pathway,
        module: Module | None,
        skills: Mapping[str, Skill],
    ) -> str:
        status = "unchanged"
        assessment = Assessment.objects.filter(slug=doc.slug).first()
        bank = QuestionBank.objects.filter(slug=doc.bank.slug).first()
        if bank is None:
            bank = QuestionBank.objects.create(
                slug=doc.bank.slug, name=doc.bank.name, description=doc.bank.description
            )
            status = "created"
        elif (bank.name, bank.description) != (doc.bank.name, doc.bank.description):
            bank.name, bank.description = doc.bank.name, doc.bank.description
            bank.save()
            status = "updated"

        stored = list(bank.questions.order_by("pk").prefetch_related("skills"))
        current = [
            CatalogueQuestion(
                qtype=q.qtype,
                text=q.text,
                spec=q.spec,
                title=q.title,
                general_feedback=q.general_feedback,
                notes=q.notes,
                points=q.points,
                category=q.category,
                tags=[s.slug for s in q.skills.all()],
            ).key()
            for q in stored
        ]
        question_ids = [q.pk for q in stored]
        if current != [q.key() for q in questions]:
            if assessment is not None and assessment.attempts.exists():
                raise ValueError(
                    f"assessment {doc.slug!r} has attempts, so its questions are frozen; "
                    "give it a new slug"
                )
            used = AssessmentQuestion.objects.filter(question__bank=bank)
            if assessment is not None:
                used = used.exclude(assessment=assessment)
            if used.exists():
                raise ValueError(f"bank {doc.bank.slug!r} is used by other assessments")
            if assessment is not None:
                services.assessment_set_questions(assessment=assessment, question_ids=[])
            bank.questions.all().delete()
            question_ids = [
                services.question_create(
                    bank=bank,
                    qtype=q.qtype,
                    text=q.text,
                    spec=q.spec,
                    title=q.title,
                    points=q.points,
                    category=q.category,
                    general_feedback=q.general_feedback,
                    notes=q.notes,
                    skills=[skills[t] for t in q.tags],
                ).pk
                for q in questions
            ]
            status = status if status == "created" else "updated"

        fields = {
            "title": doc.title,
            "description": doc.description,
            "kind": doc.assessment_kind,
            "check_phase": doc.check_phase,
            "pathway": pathway,
            "module": module,
            "pass_mark": doc.pass_mark,
            "attempts_allowed": doc.attempts_allowed,
            "shuffle_choices": doc.shuffle_choices,
            "feedback_timing": doc.feedback_timing,
            "answers_timing": doc.answers_timing,
            "is_published": True,
        }
        wanted_skills = [skills[s] for s in doc.skills]
        try:
            if assessment is None:
                services.assessment_create(
                    created_by=None,
                    slug=doc.slug,
                    question_ids=question_ids,
                    skills=wanted_skills,
                    **fields,
                )
                return "created"
            changed = any(getattr(assessment, k) != v for k, v in fields.items())
            if changed or {s.pk for s in assessment.skills.all()} != {s.pk for s in wanted_skills}:
                services.assessment_update(assessment=assessment, skills=wanted_skills, **fields)
                status = status if status == "created" else "updated"
            if (
                list(assessment.items.order_by("order").values_list("question_id", flat=True))
                != question_ids
            ):
                services.assessment_set_questions(assessment=assessment, question_ids=question_ids)
                status = status if status == "created" else "updated"
        except AssessmentError as exc:
            raise ValueError(str(exc)) from exc
        return status
