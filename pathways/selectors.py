"""Reads for the curriculum: the catalogue, the version a person sees, version history
and the difference between two versions."""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from org import access
from org.models import User

from .catalogue import exporter, yaml_io
from .models import Enrollment, Lab, Module, ModuleSkill, Pathway, Role, RoleSkill, Skill

AnyUser = User | AnonymousUser


def _newer(status: str | None = None) -> Exists:
    newer = Pathway.objects.filter(slug=OuterRef("slug"), version__gt=OuterRef("version"))
    if status:
        newer = newer.filter(status=status)
    return Exists(newer)


def pathway_catalogue(*, role_slug: str | None = None) -> QuerySet[Pathway]:
    """The latest published version of every pathway, with module counts (one query)."""
    queryset = (
        Pathway.objects.filter(status=Pathway.Status.PUBLISHED)
        .exclude(_newer(Pathway.Status.PUBLISHED))
        .select_related("role")
        .annotate(module_count=Count("modules"))
        .order_by("role__name", "title")
    )
    if role_slug:
        queryset = queryset.filter(role__slug=role_slug)
    return queryset


def pathway_latest_versions() -> QuerySet[Pathway]:
    """For authors: the newest version of every pathway, whatever its status."""
    published = Pathway.objects.filter(
        slug=OuterRef("slug"), status=Pathway.Status.PUBLISHED
    ).values("version")[:1]
    return (
        Pathway.objects.exclude(_newer())
        .select_related("role")
        .annotate(module_count=Count("modules"))
        .annotate(published_version=published)
        .order_by("title")
    )


def pathway_versions_with_status(*, status: str, role_slug: str | None = None) -> QuerySet[Pathway]:
    """For authors: every version with this status (e.g. all drafts), with module counts."""
    queryset = (
        Pathway.objects.filter(status=status)
        .select_related("role")
        .annotate(module_count=Count("modules"))
        .order_by("slug", "-version")
    )
    if role_slug:
        queryset = queryset.filter(role__slug=role_slug)
    return queryset


def pathway_versions(*, slug: str) -> QuerySet[Pathway]:
    return (
        Pathway.objects.filter(slug=slug)
        .select_related("created_by")
        .annotate(
            module_count=Count("modules", distinct=True),
            enrollment_count=Count("enrollments", distinct=True),
        )
        .order_by("-version")
    )


def enrollment_for(*, user: AnyUser, slug: str) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, pathway_slug=slug).first()


def enrollments_of(*, user: AnyUser) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(user=user).select_related("pathway")


def module_page_prefetch(queryset: QuerySet[Pathway]) -> QuerySet[Pathway]:
    """What a module page reads of its pathway: the modules (for the neighbours and the
    learner's journey), each with its skills and labs. Capstones are read only on the
    last module; outcomes and lab skills are not shown there."""
    return queryset.prefetch_related(
        Prefetch(
            "modules",
            queryset=Module.objects.order_by("order").prefetch_related(
                Prefetch(
                    "module_skills",
                    queryset=ModuleSkill.objects.select_related("skill").order_by("id"),
                ),
                Prefetch("labs", queryset=Lab.objects.order_by("order", "id")),
            ),
        )
    )


def pathway_for_viewer(
    *, user: AnyUser, slug: str, version: int | None = None, detail: bool | str = True
) -> Pathway | None:
    """The version of `slug` that `user` should see.

    Without `version`: the version they are enrolled on, else the latest published one
    (authors fall back to the newest draft of a never-published pathway). With
    `version`: that version, which must not be a draft unless the user is an author.
    `detail`: True prefetches the whole pathway document; "module" what a module page shows.
    """
    author = access.is_author(user)
    queryset = Pathway.objects.filter(slug=slug)
    if version is not None:
        queryset = queryset.filter(version=version)
        if not author:
            queryset = queryset.exclude(status=Pathway.Status.DRAFT)
    else:
        enrollment = enrollment_for(user=user, slug=slug)
        if enrollment is not None:
            queryset = queryset.filter(pk=enrollment.pathway_id)
        else:
            published = queryset.filter(status=Pathway.Status.PUBLISHED).order_by("-version")
            if author and not published.exists():
                published = queryset.order_by("-version")
            queryset = published
    if detail == "module":
        queryset = module_page_prefetch(queryset)
    elif detail:
        queryset = exporter.pathway_prefetch(queryset)
    return queryset.first()


def module_in(*, pathway: Pathway, slug: str) -> Module | None:
    """One module of a pathway version with its skills and labs."""
    return (
        Module.objects.filter(pathway=pathway, slug=slug)
        .prefetch_related("module_skills__skill", "labs__skills")
        .first()
    )


def weeks_of(pathway: Pathway) -> list[dict[str, Any]]:
    """The pathway laid out week by week: modules starting and continuing each week."""
    modules = list(pathway.modules.all())
    weeks = []
    last = max([pathway.duration_weeks, *(m.week_end for m in modules)], default=0)
    for week in range(1, last + 1):
        weeks.append(
            {
                "number": week,
                "starting": [m for m in modules if m.week_start == week],
                "continuing": [m for m in modules if m.week_start < week <= m.week_end],
            }
        )
    return weeks


def role_list() -> QuerySet[Role]:
    return Role.objects.annotate(
        skill_count=Count("role_skills", distinct=True),
        pathway_count=Count(
            "pathways", filter=Q(pathways__status=Pathway.Status.PUBLISHED), distinct=True
        ),
    ).order_by("name")


def role_detail(*, slug: str) -> Role | None:
    return (
        Role.objects.filter(slug=slug)
        .prefetch_related(
            "role_skills__skill",
        )
        .first()
    )


def role_skills(*, role: Role) -> QuerySet[RoleSkill]:
    return role.role_skills.select_related("skill").order_by("-criticality", "skill__name")


def skill_list(*, pillar: str | None = None) -> QuerySet[Skill]:
    queryset = Skill.objects.order_by("pillar", "name")
    if pillar:
        queryset = queryset.filter(pillar=pillar)
    return queryset


# --- differences between versions -------------------------------------------------------


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None


def _keyed(items: list) -> dict[str, Any] | None:
    """Items by slug when every item has one (modules, labs, capstones), else None."""
    if all(isinstance(i, dict) and "slug" in i for i in items):
        return {i["slug"]: i for i in items}
    return None


def _diff(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            child = f"{path} › {key}" if path else str(key)
            if key not in old:
                out.append(Change(child, "added", None, new[key]))
            elif key not in new:
                out.append(Change(child, "removed", old[key], None))
            else:
                _diff(old[key], new[key], child, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_keyed, new_keyed = _keyed(old), _keyed(new)
        if old_keyed is not None and new_keyed is not None and (old_keyed or new_keyed):
            for slug, item in new_keyed.items():
                if slug not in old_keyed:
                    out.append(Change(f"{path} › {slug}", "added", None, item.get("title", slug)))
            for slug, item in old_keyed.items():
                if slug not in new_keyed:
                    out.append(Change(f"{path} › {slug}", "removed", item.get("title", slug)))
                else:
                    _diff(item, new_keyed[slug], f"{path} › {slug}", out)
            common_old = [s for s in old_keyed if s in new_keyed]
            common_new = [s for s in new_keyed if s in old_keyed]
            if common_old != common_new:
                out.append(Change(f"{path} (order)", "changed", common_old, common_new))
            return
    if old != new:
        out.append(Change(path, "changed", old, new))


def pathway_diff(*, old: Pathway, new: Pathway) -> tuple[list[Change], str]:
    """What changed from `old` to `new`: a list of changes and a unified YAML diff."""
    both = {
        p.pk: p for p in exporter.pathway_prefetch(Pathway.objects.filter(pk__in=[old.pk, new.pk]))
    }
    old_doc = exporter.document_data(exporter.pathway_to_document(both[old.pk]))
    new_doc = exporter.document_data(exporter.pathway_to_document(both[new.pk]))
    changes: list[Change] = []
    for key in ("version", "status"):
        old_doc.pop(key)
        new_doc.pop(key)
    _diff(old_doc, new_doc, "", changes)
    old_yaml = yaml_io.dump(old_doc).splitlines(keepends=True)
    new_yaml = yaml_io.dump(new_doc).splitlines(keepends=True)
    unified = "".join(
        difflib.unified_diff(
            old_yaml, new_yaml, fromfile=f"v{old.version}", tofile=f"v{new.version}"
        )
    )
    return changes, unified


def role_names(slugs: Iterable[str]) -> dict[str, str]:
    """{slug: name} of the roles among `slugs` (one query); org's pages name roles with it."""
    return dict(Role.objects.filter(slug__in=set(slugs)).values_list("slug", "name"))
