"""QTI packages in and out of a question bank."""

from dataclasses import dataclass, field

from django.db import transaction

from .. import qti
from ..exceptions import AssessmentError
from ..models import Question, QuestionBank
from ..qti_export import write_package
from .authoring import question_create


@dataclass
class QtiImportReport:
    created: list[Question] = field(default_factory=list)
    unsupported: list[qti.QtiProblem] = field(default_factory=list)


@transaction.atomic
def qti_import(*, bank: QuestionBank, data: bytes, filename: str = "") -> QtiImportReport:
    """Import the items of a QTI file or package; each item that cannot be read is reported
    with its identifier and the reason, never dropped silently."""
    try:
        result = qti.read_qti(data, filename)
    except (ValueError, OSError) as exc:
        raise AssessmentError(f"The QTI file cannot be read: {exc}") from exc
    report = QtiImportReport(unsupported=result.unsupported)
    for item in result.questions:
        report.created.append(
            question_create(
                bank=bank,
                qtype=item.qtype,
                text=item.text,
                spec=item.spec,
                title=(item.title or item.identifier)[:200],
                general_feedback=item.general_feedback,
            )
        )
    return report


def qti_export(*, bank: QuestionBank) -> tuple[bytes, list[qti.QtiProblem]]:
    """The bank as a QTI 3.0 content package, and the questions QTI export leaves out."""
    questions = [
        qti.QtiQuestion(
            identifier=f"q{q.pk}",
            qtype=q.qtype,
            title=q.title,
            text=q.text,
            spec=q.spec,
            general_feedback=q.general_feedback,
        )
        for q in Question.objects.filter(bank=bank).order_by("pk")
    ]
    return write_package(questions)
