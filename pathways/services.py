"""Writes for the curriculum. HTML views, the API, commands and other apps call these.

Versioning rules: only a draft can change. Publishing freezes a version (and archives
the version it replaces); changing a published pathway starts from
`pathway_create_draft`, which copies its content into version n+1.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from pydantic import ValidationError as PydanticError

from org.audit import audit_change
from org.models import User
from pathways.catalogue.references import outcome_problems

from . import page_cache
from .catalogue import exporter, importer
from .catalogue.importer import LoadResult, content_problems, publish_problems
from .catalogue.schema import Ladder, Rubric
from .catalogue.writer import pathway_write_content, skills_used
from .exceptions import PathwayError
from .models import (
    Capstone,
    Enrollment,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Role,
    Skill,
)

# --- helpers ----------------------------------------------------------------------------


def _save(obj: Any, *, exclude: Iterable[str] = ()) -> Any:
    obj.full_clean(exclude=list(exclude))
    obj.save()
    return obj


def _slug_for(slug: str | None, title: str) -> str:
    return (slug or "").strip() or slugify(title)[:80].strip("-")


def _require_draft(pathway: Pathway) -> None:
    if pathway.status != Pathway.Status.DRAFT:
        raise PathwayError(
            f"{pathway.title} v{pathway.version} is {pathway.status}: published versions are "
            "frozen. Start a new draft to change it."
        )


def _hold_draft(pathway: Pathway) -> None:
    """Lock the pathway's row until the transaction ends and refuse unless it is still a
    draft.

    Writes to one draft then run one after another: a form sent twice finds what the first
    one added (and says so, instead of failing on a unique key), and a write that waited
    for the version to be published finds it frozen.
    """
    pathway.status = (
        Pathway.objects.select_for_update().values_list("status", flat=True).get(pk=pathway.pk)
    )
    _require_draft(pathway)


def _lines(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _describe(pathway: Pathway, path: tuple, message: str) -> str:
    if len(path) >= 2 and path[0] == "modules":
        modules = list(pathway.modules.all())
        title = modules[path[1]].title if path[1] < len(modules) else path[1]
        return f"Module “{title}”: {message}."
    return f"{message[0].upper()}{message[1:]}."


def _json_structure(adapter, value, field: str):  # type: ignore[no-untyped-def]
    """Validate a JSONField's contents with its pydantic model; errors belong to `field`."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except PydanticError as exc:
        messages = [
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
        raise ValidationError({field: messages}) from exc


# --- pathways ---------------------------------------------------------------------------


def pathway_create(
    *,
    title: str,
    slug: str | None = None,
    kind: str = Pathway.Kind.TRACK,
    role: Role | None = None,
    duration_weeks: int = 12,
    primary_goal: str = "",
    summary: str = "",
    change_note: str = "",
    by: User | None = None,
) -> Pathway:
    """A new pathway: version 1, a draft."""
    slug = _slug_for(slug, title)
    taken = ValidationError({"slug": f"A pathway with the slug “{slug}” already exists."})
    if Pathway.objects.filter(slug=slug).exists():
        raise taken
    pathway = Pathway(
        slug=slug,
        version=1,
        status=Pathway.Status.DRAFT,
        kind=kind,
        title=title,
        role=role,
        duration_weeks=duration_weeks,
        primary_goal=primary_goal,
        summary=summary,
        change_note=change_note,
        created_by=by,
    )
    _check_weeks(pathway)
    try:
        with transaction.atomic():
            return _save(pathway)
    except IntegrityError:
        # The same form sent twice at once: the first submit created it.
        if Pathway.objects.filter(slug=slug).exists():
            raise taken from None
        raise


def _check_weeks(pathway: Pathway) -> None:
    if pathway.kind == Pathway.Kind.TRACK and not 10 <= pathway.duration_weeks <= 12:
        raise ValidationError({"duration_weeks": "A role track lasts 10 to 12 weeks."})
    if pathway.pk:
        latest = pathway.modules.aggregate(m=Max("week_end"))["m"] or 0
        if latest > pathway.duration_weeks:
            raise ValidationError(
                {"duration_weeks": f"A module runs until week {latest}; shorten it first."}
            )


def pathway_update(
    *,
    pathway: Pathway,
    title: str,
    kind: str,
    role: Role | None,
    duration_weeks: int,
    primary_goal: str = "",
    summary: str = "",
    change_note: str = "",
) -> Pathway:
    _require_draft(pathway)
    pathway.title = title
    pathway.kind = kind
    pathway.role = role
    pathway.duration_weeks = duration_weeks
    pathway.primary_goal = primary_goal
    pathway.summary = summary
    pathway.change_note = change_note
    _check_weeks(pathway)
    return _save(pathway)


def pathway_publish(*, pathway: Pathway) -> Pathway:
    """Freeze a draft and make it the version new learners get.

    The previously published version is archived; learners enrolled on it keep it.
    """
    _require_draft(pathway)
    full = exporter.pathway_prefetch(Pathway.objects.filter(pk=pathway.pk)).get()
    document = exporter.pathway_to_document(full)
    problems = content_problems(document) + publish_problems(document)
    if problems:
        raise PathwayError(
            "This version cannot be published yet. "
            + " ".join(_describe(full, path, message) for path, message in problems)
        )
    with transaction.atomic():
        claimed = Pathway.objects.filter(pk=pathway.pk, status=Pathway.Status.DRAFT).update(
            status=Pathway.Status.PUBLISHED, published_at=timezone.now(), updated_at=timezone.now()
        )
        if not claimed:
            raise PathwayError("This version has already been published.")
        previous = list(
            Pathway.objects.filter(
                slug=pathway.slug, status=Pathway.Status.PUBLISHED, version__lt=pathway.version
            )
        )
        Pathway.objects.filter(pk__in=[p.pk for p in previous]).update(
            status=Pathway.Status.ARCHIVED, updated_at=timezone.now()
        )
        page_cache.catalogue_changed()
        pathway.refresh_from_db()
        audit_change(instance=pathway, changes={"status": (Pathway.Status.DRAFT, pathway.status)})
        for old in previous:
            audit_change(instance=old, changes={"status": (old.status, Pathway.Status.ARCHIVED)})
    return pathway


def pathway_archive(*, pathway: Pathway) -> Pathway:
    if pathway.status != Pathway.Status.PUBLISHED:
        raise PathwayError("Only a published version can be archived.")
    pathway.status = Pathway.Status.ARCHIVED
    pathway.save(update_fields=["status", "updated_at"])
    return pathway


def pathway_create_draft(*, pathway: Pathway, by: User | None = None) -> Pathway:
    """The draft to edit for `pathway`'s slug: the existing one, or a copy of `pathway`
    (outcomes, modules, skills, labs, capstones) as the next version."""
    existing = Pathway.objects.filter(slug=pathway.slug, status=Pathway.Status.DRAFT).first()
    if existing is not None:
        return existing
    source = exporter.pathway_prefetch(Pathway.objects.filter(pk=pathway.pk)).get()
    document = exporter.pathway_to_document(source)
    skills = {s.slug: s for s in Skill.objects.filter(slug__in=skills_used(document))}
    try:
        with transaction.atomic():
            latest = Pathway.objects.filter(slug=pathway.slug).aggregate(v=Max("version"))["v"]
            draft = Pathway.objects.create(
                slug=source.slug,
                version=latest + 1,
                status=Pathway.Status.DRAFT,
                kind=source.kind,
                title=source.title,
                role=source.role,
                duration_weeks=source.duration_weeks,
                primary_goal=source.primary_goal,
                summary=source.summary,
                change_note="",
                created_by=by,
            )
            pathway_write_content(pathway=draft, document=document, skills=skills)
    except IntegrityError:
        # Someone else started the draft at the same moment: theirs is the draft.
        return Pathway.objects.get(slug=pathway.slug, status=Pathway.Status.DRAFT)
    return draft


# --- modules ----------------------------------------------------------------------------


def _module_checks(module: Module, skills: Mapping[Skill, int]) -> None:
    errors: dict[str, list[str]] = {}
    if len(module.objectives) < 2:
        errors["objectives"] = ["Give at least two learning objectives, one per line."]
    if module.week_end < module.week_start:
        errors["week_end"] = ["The last week cannot come before the first week."]
    elif module.week_end > module.pathway.duration_weeks:
        errors["week_end"] = [
            f"The pathway lasts {module.pathway.duration_weeks} weeks; "
            f"week {module.week_end} is past its end."
        ]
    clash = Module.objects.filter(pathway=module.pathway, slug=module.slug).exclude(pk=module.pk)
    if clash.exists():
        errors["slug"] = [f"This pathway already has a module “{module.slug}”."]
    bad_levels = [s.slug for s, level in skills.items() if not 1 <= level <= 5]
    if bad_levels:
        errors["skills"] = [f"Target levels run from 1 to 5 ({', '.join(bad_levels)})."]
    if errors:
        raise ValidationError(errors)


def _set_module_skills(module: Module, skills: Mapping[Skill, int]) -> None:
    ModuleSkill.objects.filter(module=module).exclude(skill__in=list(skills)).delete()
    for skill, level in skills.items():
        ModuleSkill.objects.update_or_create(
            module=module, skill=skill, defaults={"target_level": level}
        )


@transaction.atomic
def module_create(
    *,
    pathway: Pathway,
    title: str,
    slug: str | None = None,
    week_start: int,
    week_end: int,
    objectives: Iterable[str],
    pillar: str = "",
    content: str = "",
    skills: Mapping[Skill, int] | None = None,
) -> Module:
    _hold_draft(pathway)
    skills = skills or {}
    order = (pathway.modules.aggregate(o=Max("order"))["o"] or 0) + 1
    module = Module(
        pathway=pathway,
        order=order,
        slug=_slug_for(slug, title),
        title=title,
        week_start=week_start,
        week_end=week_end,
        pillar=pillar,
        objectives=_lines(objectives),
        content=content,
    )
    _module_checks(module, skills)
    _save(module)
    _set_module_skills(module, skills)
    return module


@transaction.atomic
def module_update(
    *,
    module: Module,
    title: str,
    slug: str | None = None,
    week_start: int,
    week_end: int,
    objectives: Iterable[str],
    pillar: str = "",
    content: str = "",
    skills: Mapping[Skill, int] | None = None,
) -> Module:
    _hold_draft(module.pathway)
    skills = skills or {}
    module.title = title
    module.slug = _slug_for(slug, title)
    module.week_start = week_start
    module.week_end = week_end
    module.objectives = _lines(objectives)
    module.pillar = pillar
    module.content = content
    _module_checks(module, skills)
    _save(module)
    _set_module_skills(module, skills)
    return module


@transaction.atomic
def module_delete(*, module: Module) -> None:
    pathway = module.pathway
    _hold_draft(pathway)
    module.delete()
    module_reorder(pathway=pathway, slugs=list(pathway.modules.values_list("slug", flat=True)))


@transaction.atomic
def module_reorder(*, pathway: Pathway, slugs: list[str]) -> None:
    """Put the pathway's modules in the order of `slugs` (which must name each once)."""
    _hold_draft(pathway)
    modules = {m.slug: m for m in pathway.modules.all()}
    if sorted(slugs) != sorted(modules):
        raise PathwayError("Give every module of the pathway exactly once to reorder them.")
    # Shift first so (pathway, order) stays unique after every UPDATE.
    shift = max([m.order for m in modules.values()], default=0) + 1
    for position, slug in enumerate(slugs, start=1):
        Module.objects.filter(pk=modules[slug].pk).update(order=shift + position)
    for position, slug in enumerate(slugs, start=1):
        Module.objects.filter(pk=modules[slug].pk).update(order=position)
    page_cache.catalogue_changed()


def module_move(*, module: Module, direction: str) -> None:
    """Move a module one place up or down."""
    if direction not in ("up", "down"):
        raise PathwayError("A module moves up or down.")
    slugs = list(module.pathway.modules.order_by("order").values_list("slug", flat=True))
    index = slugs.index(module.slug)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(slugs):
        slugs[index], slugs[target] = slugs[target], slugs[index]
        module_reorder(pathway=module.pathway, slugs=slugs)


# --- labs -------------------------------------------------------------------------------


def _lab_checks(lab: Lab) -> None:
    clash = Lab.objects.filter(module__pathway_id=lab.module.pathway_id, slug=lab.slug).exclude(
        pk=lab.pk
    )
    if clash.exists():
        # Certifications name labs by slug: one slug, one lab per pathway.
        raise ValidationError({"slug": f"This pathway already has a lab “{lab.slug}”."})


@transaction.atomic
def lab_create(
    *,
    module: Module,
    title: str,
    slug: str | None = None,
    instructions: str = "",
    deliverables: Iterable[str] = (),
    checklist: Iterable[str] = (),
    artifact_schema: str = "",
    skills: Iterable[Skill] = (),
) -> Lab:
    _hold_draft(module.pathway)
    order = (module.labs.aggregate(o=Max("order"))["o"] or 0) + 1
    lab = Lab(
        module=module,
        order=order,
        slug=_slug_for(slug, title),
        title=title,
        instructions=instructions,
        deliverables=_lines(deliverables),
        checklist=_lines(checklist),
        artifact_schema=artifact_schema.strip(),
    )
    _lab_checks(lab)
    _save(lab)
    lab.skills.set(list(skills))
    return lab


@transaction.atomic
def lab_update(
    *,
    lab: Lab,
    title: str,
    slug: str | None = None,
    instructions: str = "",
    deliverables: Iterable[str] = (),
    checklist: Iterable[str] = (),
    artifact_schema: str = "",
    skills: Iterable[Skill] = (),
) -> Lab:
    _hold_draft(lab.module.pathway)
    lab.title = title
    lab.slug = _slug_for(slug, title)
    lab.instructions = instructions
    lab.deliverables = _lines(deliverables)
    lab.checklist = _lines(checklist)
    lab.artifact_schema = artifact_schema.strip()
    _lab_checks(lab)
    _save(lab)
    lab.skills.set(list(skills))
    return lab


def lab_delete(*, lab: Lab) -> None:
    _require_draft(lab.module.pathway)
    lab.delete()


# --- outcomes and capstones -------------------------------------------------------------


def outcome_save(
    *,
    pathway: Pathway,
    outcome: PathwayOutcome | None = None,
    kpi_key: str,
    description: str,
    target_change_pct: Any = None,
    target_value: Any = None,
    window_days: int = 90,
    filters: Mapping[str, Any] | None = None,
) -> PathwayOutcome:
    """Create (no `outcome`) or update an outcome KPI of a draft. The KPI key and its
    filters must resolve (see `pathways.catalogue.references`)."""
    _require_draft(pathway)
    problems = outcome_problems(kpi_key, dict(filters or {}))
    if problems:
        raise PathwayError("; ".join(message for _, message in problems))
    if outcome is None:
        order = (pathway.outcomes.aggregate(o=Max("order"))["o"] or 0) + 1
        outcome = PathwayOutcome(pathway=pathway, order=order)
    outcome.kpi_key = kpi_key
    outcome.description = description
    outcome.target_change_pct = target_change_pct
    outcome.target_value = target_value
    outcome.window_days = window_days
    outcome.filters = dict(filters or {})
    return _save(outcome)


def outcome_delete(*, outcome: PathwayOutcome) -> None:
    _require_draft(outcome.pathway)
    outcome.delete()


@transaction.atomic
def capstone_save(
    *,
    pathway: Pathway,
    capstone: Capstone | None = None,
    title: str,
    slug: str | None = None,
    brief: str = "",
    deliverables: Iterable[str] = (),
    rubric: list[dict] | None = None,
    skills: Iterable[Skill] = (),
) -> Capstone:
    """Create (no `capstone`) or update a capstone of a draft; the rubric is validated."""
    _hold_draft(pathway)
    capstone = capstone or Capstone(pathway=pathway)
    capstone.title = title
    capstone.slug = _slug_for(slug, title)
    capstone.brief = brief
    capstone.deliverables = _lines(deliverables)
    capstone.rubric = _json_structure(Rubric, rubric or [], "rubric")
    clash = Capstone.objects.filter(pathway=pathway, slug=capstone.slug).exclude(pk=capstone.pk)
    if clash.exists():
        raise ValidationError({"slug": f"This pathway already has a capstone “{capstone.slug}”."})
    _save(capstone)
    capstone.skills.set(list(skills))
    return capstone


def capstone_delete(*, capstone: Capstone) -> None:
    _require_draft(capstone.pathway)
    capstone.delete()


# --- roles and skills -------------------------------------------------------------------


def role_save(
    *,
    role: Role | None = None,
    name: str,
    slug: str | None = None,
    description: str = "",
    cluster: str = "",
    exposure: int = 3,
    influence: int = 3,
    career_ladder: list[dict] | None = None,
) -> Role:
    """Create (no `role`) or update a job role. The slug of an existing role never changes:
    memberships refer to it."""
    role = role or Role(slug=_slug_for(slug, name))
    role.name = name
    role.description = description
    role.cluster = cluster
    role.exposure = exposure
    role.influence = influence
    role.career_ladder = _json_structure(Ladder, career_ladder or [], "career_ladder")
    return _save(role)


def skill_save(
    *,
    skill: Skill | None = None,
    name: str,
    slug: str | None = None,
    pillar: str,
    kind: str = Skill.Kind.SKILL,
    description: str = "",
) -> Skill:
    """Create (no `skill`) or update a skill. An existing skill keeps its slug."""
    skill = skill or Skill(slug=_slug_for(slug, name))
    skill.name = name
    skill.pillar = pillar
    skill.kind = kind
    skill.description = description
    return _save(skill)


# --- enrollment -------------------------------------------------------------------------


def enrollment_create(*, user: User, pathway: Pathway) -> tuple[Enrollment, bool]:
    """Enrol `user` on `pathway` (a published version). Returns (enrollment, created).

    A learner already enrolled on any version of the pathway keeps that enrollment and
    its version: enrolling again changes nothing.
    """
    existing = Enrollment.objects.filter(user=user, pathway_slug=pathway.slug).first()
    if existing is not None:
        return existing, False
    if pathway.status != Pathway.Status.PUBLISHED:
        raise PathwayError("Only a published pathway can be joined.")
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                user=user,
                pathway=pathway,
                pathway_slug=pathway.slug,
                started_on=timezone.localdate(),
            )
    except IntegrityError:
        return Enrollment.objects.get(user=user, pathway_slug=pathway.slug), False
    return enrollment, True


# --- catalogue files --------------------------------------------------------------------


def catalogue_load(*, sources: list[tuple[str, str]], by: User | None = None) -> LoadResult:
    """Load catalogue YAML: (file name, text) pairs. All or nothing; see pathways.catalogue."""
    return importer.catalogue_load(sources=sources, by=by)
