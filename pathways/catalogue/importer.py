"""Loading catalogue files: parse → validate each document → check references → write.

Everything is checked before anything is written, and the writes run in one
transaction: a load either applies completely or changes nothing. Loading the same
files twice writes nothing the second time (rows are compared first).

Pathways are upserted by (slug, version). A published or archived version is frozen:
a file may repeat it unchanged or archive it, but never change its content. Drafts are
updated in place.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from pathways import page_cache
from pathways.exceptions import CatalogueError, Issue
from pathways.models import Certification, Pathway, Role, RoleSkill, Skill

from . import assessment_docs, exporter, yaml_io
from .pathway_rules import content_problems, publish_problems
from .references import outcome_problems
from .schema import (
    DOCUMENT_MODELS,
    AssessmentDoc,
    CertificationDoc,
    CertificationsDoc,
    PathwayDocBase,
    RoleDoc,
    RolesDoc,
    SkillDoc,
    SkillsDoc,
)
from .writer import pathway_write_content

CATALOGUE_DIR = Path(__file__).resolve().parent / "data"
YAML_SUFFIXES = {".yaml", ".yml"}


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


@dataclass
class _Located:
    """A validated document and the raw one it came from (for line numbers)."""

    doc: object
    raw: yaml_io.RawDocument


def read_sources(path: Path | str) -> list[tuple[str, str]]:
    """(name, text) of a YAML file, or of every YAML file under a folder, in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise CatalogueError([Issue(file=str(path), path="", line=None, message="no such file")])
    return [(str(p), p.read_text(encoding="utf-8")) for p in files]


def _validate(raw: yaml_io.RawDocument) -> tuple[object | None, list[Issue]]:
    if not isinstance(raw.data, dict):
        return None, [raw.issue((), "a document must be a mapping with a 'kind'")]
    kind = raw.data.get("kind")
    model = DOCUMENT_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        allowed = ", ".join(DOCUMENT_MODELS)
        return None, [raw.issue(("kind",), f"'kind' must be one of: {allowed}")]
    try:
        return model.model_validate(raw.data), []
    except ValidationError as exc:
        return None, yaml_io.validation_issues(raw, exc)


class _Checker:
    """Cross-document checks against the load set and what the database already holds."""

    def __init__(self, located: list[_Located], *, use_database: bool = True):
        self.use_database = use_database
        self.issues: list[Issue] = []
        self.skills: list[_Located] = []
        self.roles: list[_Located] = []
        self.pathways: list[_Located] = []
        self.certifications: list[_Located] = []
        self.assessments: list[_Located] = []
        # Questions read from each assessment document's bank, by assessment slug.
        self.questions: dict[str, list] = {}
        for item in located:
            {
                SkillsDoc: self.skills,
                RolesDoc: self.roles,
                CertificationsDoc: self.certifications,
                AssessmentDoc: self.assessments,
            }.get(type(item.doc), self.pathways).append(item)

        # Without the database (a check of files alone) only the load set counts.
        self.skill_slugs = (
            set(Skill.objects.values_list("slug", flat=True)) if use_database else set()
        )
        self.role_slugs = (
            set(Role.objects.values_list("slug", flat=True)) if use_database else set()
        )
        self._unique_entries(self.skills, "skills", self.skill_slugs)
        self._unique_entries(self.roles, "roles", self.role_slugs)

    def _unique_entries(self, items: list[_Located], key: str, known: set[str]) -> None:
        seen: dict[str, str] = {}
        for item in items:
            for index, entry in enumerate(getattr(item.doc, key)):
                if entry.slug in seen:
                    self.issues.append(
                        item.raw.issue(
                            (key, index, "slug"),
                            f"{entry.slug!r} is also defined in {seen[entry.slug]}",
                        )
                    )
                seen[entry.slug] = item.raw.file
                known.add(entry.slug)

    def _skill_refs(self, raw: yaml_io.RawDocument, path: tuple, slugs: Iterable[str]) -> None:
        # Validated skill lists are sorted; point at the entry's place in the file.
        written = raw.value_at(path)
        for slug in slugs:
            if slug not in self.skill_slugs:
                index = written.index(slug) if isinstance(written, list) else 0
                self.issues.append(raw.issue((*path, index), f"unknown skill {slug!r}"))

    def check_roles(self) -> None:
        for item in self.roles:
            for r_index, role in enumerate(item.doc.roles):  # type: ignore[attr-defined]
                seen: set[str] = set()
                for s_index, row in enumerate(role.skills):
                    path = ("roles", r_index, "skills", s_index, "skill")
                    if row.skill not in self.skill_slugs:
                        self.issues.append(item.raw.issue(path, f"unknown skill {row.skill!r}"))
                    if row.skill in seen:
                        self.issues.append(item.raw.issue(path, f"{row.skill!r} is listed twice"))
                    seen.add(row.skill)

    def check_pathways(self) -> None:
        seen: dict[tuple[str, int], str] = {}
        drafts: dict[str, int] = {}
        for item in self.pathways:
            doc: PathwayDocBase = item.doc  # type: ignore[assignment]
            raw = item.raw
            key = (doc.slug, doc.version)
            if key in seen:
                self.issues.append(
                    raw.issue(("version",), f"{doc.slug} v{doc.version} is also in {seen[key]}")
                )
            seen[key] = raw.file
            if doc.status == Pathway.Status.DRAFT:
                if doc.slug in drafts:
                    self.issues.append(
                        raw.issue(("status",), f"{doc.slug} already has a draft in this load")
                    )
                drafts[doc.slug] = doc.version
            if doc.role and doc.role not in self.role_slugs:
                self.issues.append(raw.issue(("role",), f"unknown role {doc.role!r}"))
            for path, message in content_problems(doc):
                self.issues.append(raw.issue(path, message))
            if doc.status != Pathway.Status.DRAFT:
                for path, message in publish_problems(doc):
                    self.issues.append(raw.issue(path, message))
            for o_index, outcome in enumerate(doc.outcomes):
                for name, message in outcome_problems(outcome.kpi_key, outcome.filters):
                    path = ("outcomes", o_index, *(("filters", name) if name else ("kpi_key",)))
                    self.issues.append(raw.issue(path, message))
            for m_index, module in enumerate(doc.modules):
                for slug in module.skills:
                    if slug not in self.skill_slugs:
                        path = ("modules", m_index, "skills", slug)
                        self.issues.append(raw.issue(path, f"unknown skill {slug!r}"))
                for l_index, lab in enumerate(module.labs):
                    path = ("modules", m_index, "labs", l_index, "skills")
                    self._skill_refs(raw, path, lab.skills)
            for c_index, capstone in enumerate(doc.capstones):
                self._skill_refs(raw, ("capstones", c_index, "skills"), capstone.skills)

    def latest_docs(self) -> dict[str, PathwayDocBase]:
        latest: dict[str, PathwayDocBase] = {}
        for item in self.pathways:
            doc: PathwayDocBase = item.doc  # type: ignore[assignment]
            if doc.slug not in latest or latest[doc.slug].version < doc.version:
                latest[doc.slug] = doc
        return latest

    def check_assessments(self) -> None:
        assessment_docs.check(self)

    def check_certifications(self) -> None:
        latest_docs = self.latest_docs()
        seen: dict[str, str] = {}
        for item in self.certifications:
            for index, cert in enumerate(item.doc.certifications):  # type: ignore[attr-defined]
                base = ("certifications", index)
                if cert.slug in seen:
                    self.issues.append(
                        item.raw.issue(
                            (*base, "slug"), f"{cert.slug!r} is also defined in {seen[cert.slug]}"
                        )
                    )
                seen[cert.slug] = item.raw.file
                self._skill_refs(item.raw, (*base, "skills"), cert.skills)
                self._check_criteria(item.raw, base, cert, latest_docs)

    def _check_criteria(
        self,
        raw: yaml_io.RawDocument,
        base: tuple,
        cert: CertificationDoc,
        latest_docs: dict[str, PathwayDocBase],
    ) -> None:
        criteria = cert.criteria
        needs_pathway = criteria.labs or criteria.capstone
        if not cert.pathway:
            if needs_pathway:
                self.issues.append(
                    raw.issue((*base, "pathway"), "criteria name labs or a capstone: set 'pathway'")
                )
            return
        if cert.pathway in latest_docs:
            doc = latest_docs[cert.pathway]
            labs = {lab.slug for module in doc.modules for lab in module.labs}
            capstones = {c.slug for c in doc.capstones}
        else:
            pathway = None
            if self.use_database:
                pathway = Pathway.objects.filter(slug=cert.pathway).order_by("-version").first()
            if pathway is None:
                self.issues.append(
                    raw.issue((*base, "pathway"), f"unknown pathway {cert.pathway!r}")
                )
                return
            labs = set(
                pathway.modules.values_list("labs__slug", flat=True).exclude(labs__slug=None)
            )
            capstones = set(pathway.capstones.values_list("slug", flat=True))
        for index, slug in enumerate(criteria.labs):
            if slug not in labs:
                self.issues.append(
                    raw.issue(
                        (*base, "criteria", "labs", index),
                        f"pathway {cert.pathway!r} has no lab {slug!r}",
                    )
                )
        if criteria.capstone and criteria.capstone not in capstones:
            self.issues.append(
                raw.issue(
                    (*base, "criteria", "capstone"),
                    f"pathway {cert.pathway!r} has no capstone {criteria.capstone!r}",
                )
            )


def _content_key(doc: PathwayDocBase) -> dict:
    data = exporter.document_data(doc)
    data.pop("version")
    data.pop("status")
    return data


@dataclass
class _PathwayPlan:
    item: _Located
    existing: Pathway | None
    same_content: bool


def _plan_pathways(checker: _Checker) -> list[_PathwayPlan]:
    docs = list(checker.pathways)
    slugs = {item.doc.slug for item in docs}  # type: ignore[attr-defined]
    existing = {
        (p.slug, p.version): p
        for p in exporter.pathway_prefetch(Pathway.objects.filter(slug__in=slugs))
    }
    drafts = {p.slug: p.version for p in existing.values() if p.status == Pathway.Status.DRAFT}
    plans = []
    for item in sorted(docs, key=lambda i: (i.doc.slug, i.doc.version)):  # type: ignore[attr-defined]
        doc: PathwayDocBase = item.doc  # type: ignore[assignment]
        row = existing.get((doc.slug, doc.version))
        same = bool(row) and _content_key(exporter.pathway_to_document(row)) == _content_key(doc)
        raw = item.raw
        if row is None:
            other = drafts.get(doc.slug)
            if doc.status == Pathway.Status.DRAFT and other is not None:
                checker.issues.append(
                    raw.issue(("status",), f"{doc.slug} already has a draft: version {other}")
                )
        elif row.status != Pathway.Status.DRAFT:
            if not same:
                checker.issues.append(
                    raw.issue(
                        ("version",),
                        f"{doc.slug} v{doc.version} is {row.status} and cannot change; "
                        f"give this file a new version number",
                    )
                )
            elif doc.status == Pathway.Status.DRAFT:
                checker.issues.append(
                    raw.issue(("status",), f"{doc.slug} v{doc.version} is already {row.status}")
                )
        elif doc.status == Pathway.Status.ARCHIVED:
            checker.issues.append(
                raw.issue(("status",), "a draft cannot be archived; publish it or leave it a draft")
            )
        plans.append(_PathwayPlan(item=item, existing=row, same_content=same))
    return plans


def _write_skills(checker: _Checker, result: LoadResult) -> dict[str, Skill]:
    rows = {s.slug: s for s in Skill.objects.all()}
    for item in checker.skills:
        doc: SkillsDoc = item.doc  # type: ignore[assignment]
        for entry in doc.skills:
            _upsert_skill(entry, rows, result)
    return rows


def _upsert_skill(entry: SkillDoc, rows: dict[str, Skill], result: LoadResult) -> None:
    values = {
        "name": entry.name,
        "pillar": entry.pillar,
        "kind": entry.kind,
        "description": entry.description,
    }
    skill = rows.get(entry.slug)
    if skill is None:
        rows[entry.slug] = Skill.objects.create(slug=entry.slug, **values)
        result.created.append(f"skill {entry.slug}")
    elif any(getattr(skill, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(skill, k, v)
        skill.save()
        result.updated.append(f"skill {entry.slug}")
    else:
        result.unchanged.append(f"skill {entry.slug}")


def _write_roles(checker: _Checker, skills: dict[str, Skill], result: LoadResult) -> None:
    roles = {r.slug: r for r in Role.objects.prefetch_related("role_skills__skill")}
    for item in checker.roles:
        doc: RolesDoc = item.doc  # type: ignore[assignment]
        for entry in doc.roles:
            _upsert_role(entry, roles.get(entry.slug), skills, result)


def _role_skill_values(entry) -> dict:  # type: ignore[no-untyped-def]
    return {
        "criticality": entry.criticality,
        "level_junior": entry.levels.junior,
        "level_mid": entry.levels.mid,
        "level_senior": entry.levels.senior,
        "level_principal": entry.levels.principal,
        "min_day30": entry.minimums.day30,
        "min_day60": entry.minimums.day60,
        "min_day90": entry.minimums.day90,
    }


def _upsert_role(
    entry: RoleDoc, role: Role | None, skills: dict[str, Skill], result: LoadResult
) -> None:
    values = {
        "name": entry.name,
        "description": entry.description,
        "cluster": entry.cluster,
        "exposure": entry.exposure,
        "influence": entry.influence,
        "career_ladder": [step.model_dump(mode="json") for step in entry.career_ladder],
    }
    label = f"role {entry.slug}"
    changed = False
    if role is None:
        role = Role.objects.create(slug=entry.slug, **values)
        result.created.append(label)
        current: dict[str, RoleSkill] = {}
    else:
        if any(getattr(role, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(role, k, v)
            role.save()
            changed = True
        current = {rs.skill.slug: rs for rs in role.role_skills.all()}
    wanted = {row.skill for row in entry.skills}
    stale = [rs.pk for slug, rs in current.items() if slug not in wanted]
    if stale:
        RoleSkill.objects.filter(pk__in=stale).delete()
        changed = True
    for row in entry.skills:
        values = _role_skill_values(row)
        existing = current.get(row.skill)
        if existing is None:
            RoleSkill.objects.create(role=role, skill=skills[row.skill], **values)
            changed = True
        elif any(getattr(existing, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(existing, k, v)
            existing.save()
            changed = True
    if label not in result.created:
        (result.updated if changed else result.unchanged).append(label)


def _archive_older(slug: str, version: int) -> None:
    Pathway.objects.filter(slug=slug, status=Pathway.Status.PUBLISHED, version__lt=version).update(
        status=Pathway.Status.ARCHIVED, updated_at=timezone.now()
    )
    page_cache.catalogue_changed()


def _write_pathway(
    plan: _PathwayPlan,
    skills: dict[str, Skill],
    by,
    result: LoadResult,  # type: ignore[no-untyped-def]
) -> None:
    doc: PathwayDocBase = plan.item.doc  # type: ignore[assignment]
    label = f"pathway {doc.slug} v{doc.version}"
    roles = {r.slug: r for r in Role.objects.filter(slug=doc.role)} if doc.role else {}
    fields = {
        "kind": doc.kind,
        "title": doc.title,
        "role": roles.get(doc.role) if doc.role else None,
        "duration_weeks": doc.duration_weeks,
        "primary_goal": doc.primary_goal,
        "summary": doc.summary,
        "change_note": doc.change_note,
    }
    pathway = plan.existing
    status_before = pathway.status if pathway else None
    if pathway is None:
        pathway = Pathway.objects.create(
            slug=doc.slug, version=doc.version, status=Pathway.Status.DRAFT, created_by=by, **fields
        )
        pathway_write_content(pathway=pathway, document=doc, skills=skills)
    elif not plan.same_content:
        for k, v in fields.items():
            setattr(pathway, k, v)
        pathway.save()
        pathway_write_content(pathway=pathway, document=doc, skills=skills)

    target = doc.status
    if pathway.status == Pathway.Status.DRAFT and target != Pathway.Status.DRAFT:
        newer = Pathway.objects.filter(
            slug=doc.slug, version__gt=doc.version, status__in=["published", "archived"]
        ).exists()
        pathway.status = Pathway.Status.ARCHIVED if newer else target
        pathway.published_at = timezone.now()
        pathway.save(update_fields=["status", "published_at", "updated_at"])
        if pathway.status == Pathway.Status.PUBLISHED:
            _archive_older(doc.slug, doc.version)
    elif pathway.status == Pathway.Status.PUBLISHED and target == Pathway.Status.ARCHIVED:
        pathway.status = Pathway.Status.ARCHIVED
        pathway.save(update_fields=["status", "updated_at"])

    if status_before is None:
        result.created.append(label)
    elif not plan.same_content or pathway.status != status_before:
        result.updated.append(label)
    else:
        result.unchanged.append(label)


def _write_certifications(checker: _Checker, skills: dict[str, Skill], result: LoadResult) -> None:
    rows = {c.slug: c for c in Certification.objects.prefetch_related("skills")}
    for item in checker.certifications:
        for entry in item.doc.certifications:  # type: ignore[attr-defined]
            values = {
                "name": entry.name,
                "description": entry.description,
                "pathway_slug": entry.pathway or "",
                "criteria": entry.criteria.model_dump(mode="json"),
            }
            label = f"certification {entry.slug}"
            cert = rows.get(entry.slug)
            wanted = {skills[s].pk for s in entry.skills}
            if cert is None:
                cert = Certification.objects.create(slug=entry.slug, **values)
                cert.skills.set(wanted)
                result.created.append(label)
                continue
            changed = any(getattr(cert, k) != v for k, v in values.items())
            if changed:
                for k, v in values.items():
                    setattr(cert, k, v)
                cert.save()
            if {s.pk for s in cert.skills.all()} != wanted:
                cert.skills.set(wanted)
                changed = True
            (result.updated if changed else result.unchanged).append(label)


def _parse_and_check(
    sources: list[tuple[str, str]], *, use_database: bool
) -> tuple[_Checker | None, list[Issue]]:
    issues: list[Issue] = []
    located: list[_Located] = []
    for name, text in sources:
        raws, parse_issues = yaml_io.parse(text, name)
        issues.extend(parse_issues)
        for raw in raws:
            doc, doc_issues = _validate(raw)
            issues.extend(doc_issues)
            if doc is not None:
                located.append(_Located(doc=doc, raw=raw))
    if issues:
        return None, issues
    checker = _Checker(located, use_database=use_database)
    checker.check_roles()
    checker.check_pathways()
    checker.check_certifications()
    checker.check_assessments()
    return checker, checker.issues


def catalogue_check(*, sources: list[tuple[str, str]]) -> list[Issue]:
    """Every problem in a self-contained set of catalogue files (format and references),
    without reading or writing the database."""
    return _parse_and_check(sources, use_database=False)[1]


def catalogue_load(*, sources: list[tuple[str, str]], by=None) -> LoadResult:  # type: ignore[no-untyped-def]
    """Load catalogue documents from (name, YAML text) pairs. All or nothing.

    Raises CatalogueError listing every problem (file, field path, line) found.
    """
    checker, issues = _parse_and_check(sources, use_database=True)
    if checker is None:
        raise CatalogueError(issues)
    plans = _plan_pathways(checker)
    if checker.issues:
        raise CatalogueError(checker.issues)

    result = LoadResult()
    try:
        with transaction.atomic():
            skills = _write_skills(checker, result)  # every skill, by slug
            _write_roles(checker, skills, result)
            for plan in plans:
                _write_pathway(plan, skills, by, result)
            _write_certifications(checker, skills, result)
            assessment_docs.write(checker, skills, result)
    except IntegrityError as exc:
        names = sorted({name for name, _ in sources})
        raise CatalogueError(
            [Issue(file=", ".join(names), path="", line=None, message=f"database refused: {exc}")]
        ) from exc
    return result


def catalogue_load_path(*, path: Path | str | None = None, by=None) -> LoadResult:  # type: ignore[no-untyped-def]
    return catalogue_load(sources=read_sources(path or CATALOGUE_DIR), by=by)
