"""Database rows → catalogue documents (the inverse of the importer).

`pathway_to_document` is also how versions are compared: two versions are the same
when their documents (less slug/version/status) are equal, and the diff between two
versions is the diff of their documents.
"""

from django.db.models import Prefetch, QuerySet

from pathways.models import (
    Capstone,
    Certification,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Role,
    RoleSkill,
    Skill,
)

from . import yaml_io
from .schema import (
    CapstoneDoc,
    CertificationDoc,
    CertificationsDoc,
    LabDoc,
    LibraryDoc,
    ModuleDoc,
    OutcomeDoc,
    PathwayDoc,
    RoleDoc,
    RolesDoc,
    Rubric,
    SkillDoc,
    SkillsDoc,
    TrackDoc,
    in_field_order,
)


def pathway_prefetch(queryset: QuerySet[Pathway]) -> QuerySet[Pathway]:
    """Everything a pathway document (or page) needs, in a fixed number of queries."""
    return queryset.select_related("role").prefetch_related(
        Prefetch("outcomes", queryset=PathwayOutcome.objects.order_by("order", "id")),
        Prefetch(
            "modules",
            queryset=Module.objects.order_by("order").prefetch_related(
                Prefetch(
                    "module_skills",
                    queryset=ModuleSkill.objects.select_related("skill").order_by("id"),
                ),
                Prefetch(
                    "labs",
                    queryset=Lab.objects.order_by("order", "id").prefetch_related(
                        Prefetch("skills", queryset=Skill.objects.order_by("slug"))
                    ),
                ),
            ),
        ),
        Prefetch(
            "capstones",
            queryset=Capstone.objects.order_by("id").prefetch_related(
                Prefetch("skills", queryset=Skill.objects.order_by("slug"))
            ),
        ),
    )


def _lab(lab: Lab) -> LabDoc:
    return LabDoc.model_construct(
        slug=lab.slug,
        title=lab.title,
        instructions=lab.instructions,
        deliverables=list(lab.deliverables),
        checklist=list(lab.checklist),
        artifact_schema=lab.artifact_schema or None,
        skills=[skill.slug for skill in lab.skills.all()],
    )


def _module(module: Module) -> ModuleDoc:
    return ModuleDoc.model_construct(
        slug=module.slug,
        title=module.title,
        week_start=module.week_start,
        week_end=module.week_end,
        pillar=module.pillar or None,
        objectives=list(module.objectives),
        skills={ms.skill.slug: ms.target_level for ms in module.module_skills.all()},
        content=module.content,
        labs=[_lab(lab) for lab in module.labs.all()],
    )


def pathway_to_document(pathway: Pathway) -> PathwayDoc:
    """The document for one pathway version; `pathway` should come from `pathway_prefetch`."""
    model = TrackDoc if pathway.kind == Pathway.Kind.TRACK else LibraryDoc
    # model_construct: rows already satisfy the database constraints, and a draft may
    # legitimately be incomplete (a module with one objective so far).
    return model.model_construct(
        kind=pathway.kind,
        slug=pathway.slug,
        version=pathway.version,
        status=pathway.status,
        title=pathway.title,
        role=pathway.role.slug if pathway.role else None,
        duration_weeks=pathway.duration_weeks,
        primary_goal=pathway.primary_goal,
        summary=pathway.summary,
        change_note=pathway.change_note,
        outcomes=[
            OutcomeDoc.model_construct(
                kpi_key=o.kpi_key,
                description=o.description,
                target_change_pct=o.target_change_pct,
                target_value=o.target_value,
                window_days=o.window_days,
                filters=dict(o.filters),
            )
            for o in pathway.outcomes.all()
        ],
        modules=[_module(module) for module in pathway.modules.all()],
        capstones=[
            CapstoneDoc.model_construct(
                slug=c.slug,
                title=c.title,
                brief=c.brief,
                deliverables=list(c.deliverables),
                rubric=in_field_order(Rubric, list(c.rubric)),
                skills=[skill.slug for skill in c.skills.all()],
            )
            for c in pathway.capstones.all()
        ],
    )


def document_data(document) -> dict:  # type: ignore[no-untyped-def]
    """Plain data for a document, in field order, ready for YAML or comparison."""
    return document.model_dump(mode="python", warnings=False)


def pathway_yaml(pathway: Pathway) -> str:
    return yaml_io.dump(document_data(pathway_to_document(pathway)))


def skills_document() -> SkillsDoc:
    return SkillsDoc(
        kind="skills",
        skills=[
            SkillDoc(
                slug=s.slug, name=s.name, pillar=s.pillar, kind=s.kind, description=s.description
            )
            for s in Skill.objects.order_by("pillar", "slug")
        ],
    )


def roles_document() -> RolesDoc:
    roles = Role.objects.order_by("slug").prefetch_related(
        Prefetch(
            "role_skills",
            queryset=RoleSkill.objects.select_related("skill").order_by("-criticality", "id"),
        )
    )
    return RolesDoc.model_construct(
        kind="roles",
        roles=[
            RoleDoc.model_validate(
                {
                    "slug": r.slug,
                    "name": r.name,
                    "description": r.description,
                    "cluster": r.cluster,
                    "exposure": r.exposure,
                    "influence": r.influence,
                    "career_ladder": r.career_ladder,
                    "skills": [
                        {
                            "skill": rs.skill.slug,
                            "criticality": rs.criticality,
                            "levels": {
                                "junior": rs.level_junior,
                                "mid": rs.level_mid,
                                "senior": rs.level_senior,
                                "principal": rs.level_principal,
                            },
                            "minimums": {
                                "day30": rs.min_day30,
                                "day60": rs.min_day60,
                                "day90": rs.min_day90,
                            },
                        }
                        for rs in r.role_skills.all()
                    ],
                }
            )
            for r in roles
        ],
    )


def certifications_document() -> CertificationsDoc:
    certifications = Certification.objects.order_by("slug").prefetch_related(
        Prefetch("skills", queryset=Skill.objects.order_by("slug"))
    )
    return CertificationsDoc(
        kind="certifications",
        certifications=[
            CertificationDoc.model_validate(
                {
                    "slug": c.slug,
                    "name": c.name,
                    "description": c.description,
                    "pathway": c.pathway_slug or None,
                    "skills": [s.slug for s in c.skills.all()],
                    "criteria": c.criteria,
                }
            )
            for c in certifications
        ],
    )
