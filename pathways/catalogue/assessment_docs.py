"""Assessment documents in catalogue files: their references are checked with the rest
of the load (pathway, module, skills, GIFT problems and question tags at their file
lines) and, once every check passed, they are written through the assessments app
(`references.assessment_support`) inside the load's transaction."""

from typing import Any

from pathways.exceptions import CatalogueError, Issue
from pathways.models import Pathway, Skill

from . import yaml_io
from .references import assessment_support
from .schema import AssessmentDoc, PathwayDocBase

# The importer's checker and load result are passed in (typed Any): importing them here
# would make the two modules import each other.


def check(checker: Any) -> None:
    support = assessment_support()
    latest_docs = checker.latest_docs()
    seen: dict[str, str] = {}
    banks: dict[str, str] = {}
    for item in checker.assessments:
        doc: AssessmentDoc = item.doc  # type: ignore[assignment]
        raw = item.raw
        if support is None:
            checker.issues.append(raw.issue(("kind",), "assessments cannot be loaded here"))
            continue
        if doc.slug in seen:
            checker.issues.append(
                raw.issue(("slug",), f"assessment {doc.slug!r} is also in {seen[doc.slug]}")
            )
        seen[doc.slug] = raw.file
        if doc.bank.slug in banks:
            checker.issues.append(
                raw.issue(
                    ("bank", "slug"),
                    f"bank {doc.bank.slug!r} is also in {banks[doc.bank.slug]}",
                )
            )
        banks[doc.bank.slug] = raw.file
        modules = _pathway_modules(checker, doc.pathway, latest_docs)
        if modules is None:
            checker.issues.append(raw.issue(("pathway",), f"unknown pathway {doc.pathway!r}"))
        elif doc.module and doc.module not in modules:
            checker.issues.append(
                raw.issue(("module",), f"pathway {doc.pathway!r} has no module {doc.module!r}")
            )
        checker._skill_refs(raw, ("skills",), doc.skills)
        questions, errors = support.bank_read(doc.bank)
        gift_at = raw.line_of(("bank", "gift")) or 0
        for gift_line, index, message in errors:
            checker.issues.append(_bank_issue(raw, gift_at, gift_line, index, message))
        for question in questions:
            for tag in question.tags:
                if tag not in checker.skill_slugs:
                    checker.issues.append(
                        _bank_issue(
                            raw, gift_at, question.gift_line, question.index,
                            f"unknown skill {tag!r}",
                        )
                    )  # fmt: skip
        checker.questions[doc.slug] = questions


def _bank_issue(
    raw: yaml_io.RawDocument, gift_at: int, gift_line: int | None, index: int | None, message
) -> Issue:
    if gift_line is not None:
        # A block scalar's text starts on the line after its key.
        return Issue(file=raw.file, path="bank.gift", line=gift_at + gift_line, message=message)
    return raw.issue(("bank", "questions", index if index is not None else 0), message)


def _pathway_modules(checker: Any, slug: str, latest_docs: dict[str, PathwayDocBase]) -> set | None:
    if slug in latest_docs:
        return {m.slug for m in latest_docs[slug].modules}
    if not checker.use_database:
        return None
    pathway = Pathway.objects.filter(slug=slug).order_by("-version").first()
    if pathway is None:
        return None
    return set(pathway.modules.values_list("slug", flat=True))


def write(checker: Any, skills: dict[str, Skill], result: Any) -> None:
    support = assessment_support()
    if support is None:
        return
    for item in checker.assessments:
        doc: AssessmentDoc = item.doc  # type: ignore[assignment]
        pathway = Pathway.objects.filter(slug=doc.pathway).order_by("-version").first()
        module = pathway.modules.filter(slug=doc.module).first() if doc.module else None
        try:
            status = support.assessment_write(
                doc, checker.questions[doc.slug], pathway=pathway, module=module, skills=skills
            )
        except ValueError as exc:
            raise CatalogueError([item.raw.issue(("slug",), str(exc))]) from exc
        {"created": result.created, "updated": result.updated}.get(status, result.unchanged).append(
            f"assessment {doc.slug}"
        )
