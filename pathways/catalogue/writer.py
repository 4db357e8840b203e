"""Writing a pathway document's content (outcomes, modules, labs, capstones) into a version.

Used by the importer (files, uploads) and by `pathway_create_draft` (copying the
published version into the new draft). Rows are matched by slug (modules, labs,
capstones) or position (outcomes) and updated in place, so ids stay stable for the
rows that other apps point at.
"""

from django.db.models import F

from pathways import page_cache
from pathways.models import Capstone, Lab, Module, ModuleSkill, Pathway, PathwayOutcome, Skill

from .schema import CapstoneDoc, LabDoc, ModuleDoc, OutcomeDoc, PathwayDocBase

# Orders are shifted out of the way before renumbering so the (pathway, order)
# uniqueness holds after every single UPDATE.
_ORDER_SHIFT = 1000


def _set_fields(obj, values: dict) -> bool:  # type: ignore[no-untyped-def]
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _outcome_values(doc: OutcomeDoc) -> dict:
    return {
        "kpi_key": doc.kpi_key,
        "description": doc.description,
        "target_change_pct": doc.target_change_pct,
        "target_value": doc.target_value,
        "window_days": doc.window_days,
        "filters": dict(doc.filters),
    }


def _module_values(doc: ModuleDoc) -> dict:
    return {
        "title": doc.title,
        "week_start": doc.week_start,
        "week_end": doc.week_end,
        "pillar": doc.pillar or "",
        "objectives": list(doc.objectives),
        "content": doc.content,
    }


def _lab_values(doc: LabDoc) -> dict:
    return {
        "title": doc.title,
        "instructions": doc.instructions,
        "deliverables": list(doc.deliverables),
        "checklist": list(doc.checklist),
        "artifact_schema": doc.artifact_schema or "",
    }


def _capstone_values(doc: CapstoneDoc) -> dict:
    return {
        "title": doc.title,
        "brief": doc.brief,
        "deliverables": list(doc.deliverables),
        "rubric": [c if isinstance(c, dict) else c.model_dump(mode="json") for c in doc.rubric],
    }


def _sync_set(manager, wanted: list[Skill]) -> None:  # type: ignore[no-untyped-def]
    if {s.pk for s in manager.all()} != {s.pk for s in wanted}:
        manager.set(wanted)


def _write_module_skills(module: Module, skills: dict[str, int], lookup: dict[str, Skill]) -> None:
    current = {ms.skill_id: ms for ms in module.module_skills.all()}
    wanted = {lookup[slug].pk: level for slug, level in skills.items()}
    stale = [ms.pk for skill_id, ms in current.items() if skill_id not in wanted]
    if stale:
        ModuleSkill.objects.filter(pk__in=stale).delete()
    for skill_id, level in wanted.items():
        row = current.get(skill_id)
        if row is None:
            ModuleSkill.objects.create(module=module, skill_id=skill_id, target_level=level)
        elif row.target_level != level:
            row.target_level = level
            row.save(update_fields=["target_level"])


def _write_labs(module: Module, docs: list[LabDoc], lookup: dict[str, Skill]) -> None:
    existing = {lab.slug: lab for lab in module.labs.all()}
    wanted = {doc.slug for doc in docs}
    stale = [lab.pk for slug, lab in existing.items() if slug not in wanted]
    if stale:
        Lab.objects.filter(pk__in=stale).delete()
    for order, doc in enumerate(docs, start=1):
        lab = existing.get(doc.slug)
        values = {**_lab_values(doc), "order": order}
        if lab is None:
            lab = Lab.objects.create(module=module, slug=doc.slug, **values)
        elif _set_fields(lab, values):
            lab.save()
        _sync_set(lab.skills, [lookup[s] for s in doc.skills])


def pathway_write_content(
    *, pathway: Pathway, document: PathwayDocBase, skills: dict[str, Skill]
) -> None:
    """Make `pathway`'s outcomes, modules, labs and capstones match `document`.

    `skills` maps every skill slug the document uses to its row.
    """
    # Outcomes have no slug: matched by position.
    outcomes = list(pathway.outcomes.order_by("order", "id"))
    for order, doc in enumerate(document.outcomes, start=1):
        values = {**_outcome_values(doc), "order": order}
        if order <= len(outcomes):
            outcome = outcomes[order - 1]
            if _set_fields(outcome, values):
                outcome.save()
        else:
            PathwayOutcome.objects.create(pathway=pathway, **values)
    extra = [o.pk for o in outcomes[len(document.outcomes) :]]
    if extra:
        PathwayOutcome.objects.filter(pk__in=extra).delete()

    modules = {m.slug: m for m in pathway.modules.prefetch_related("module_skills", "labs__skills")}
    wanted = {doc.slug for doc in document.modules}
    stale = [m.pk for slug, m in modules.items() if slug not in wanted]
    if stale:
        Module.objects.filter(pk__in=stale).delete()
    Module.objects.filter(pathway=pathway).update(order=F("order") + _ORDER_SHIFT)
    page_cache.catalogue_changed()
    for order, doc in enumerate(document.modules, start=1):
        module = modules.get(doc.slug)
        values = {**_module_values(doc), "order": order}
        if module is None:
            module = Module.objects.create(pathway=pathway, slug=doc.slug, **values)
        else:
            _set_fields(module, values)
            module.save()
        _write_module_skills(module, dict(doc.skills), skills)
        _write_labs(module, list(doc.labs), skills)

    capstones = {c.slug: c for c in pathway.capstones.prefetch_related("skills")}
    wanted = {doc.slug for doc in document.capstones}
    stale = [c.pk for slug, c in capstones.items() if slug not in wanted]
    if stale:
        Capstone.objects.filter(pk__in=stale).delete()
    for doc in document.capstones:
        capstone = capstones.get(doc.slug)
        values = _capstone_values(doc)
        if capstone is None:
            capstone = Capstone.objects.create(pathway=pathway, slug=doc.slug, **values)
        elif _set_fields(capstone, values):
            capstone.save()
        _sync_set(capstone.skills, [skills[s] for s in doc.skills])


def skills_used(document: PathwayDocBase) -> set[str]:
    used: set[str] = set()
    for module in document.modules:
        used.update(module.skills)
        for lab in module.labs:
            used.update(lab.skills)
    for capstone in document.capstones:
        used.update(capstone.skills)
    return used
