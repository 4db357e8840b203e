"""Learner pages: the catalogue by role, enrolment, the pathway week by week, modules, labs."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from org.models import Persona
from org.permissions import persona_required

from . import selectors, services
from .exceptions import PathwayError
from .models import Pathway, Role
from .xapi import module_opened


def _version_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such version.")
    return int(raw)


def _viewed_pathway(request: HttpRequest, slug: str) -> tuple[Pathway, str]:
    """The version of `slug` this request shows, and the query string that keeps it."""
    version = _version_param(request)
    pathway = selectors.pathway_for_viewer(user=request.user, slug=slug, version=version)
    if pathway is None:
        raise Http404("No such pathway.")
    return pathway, (f"?version={version}" if version is not None else "")


@persona_required(Persona.LEARNER)
def catalogue(request: HttpRequest) -> HttpResponse:
    role_slug = request.GET.get("role") or None
    pathways = list(selectors.pathway_catalogue(role_slug=role_slug))
    enrolled = {e.pathway_slug: e for e in selectors.enrollments_of(user=request.user)}
    roles = Role.objects.order_by("name")
    groups: dict[str, list[Pathway]] = {}
    libraries: list[Pathway] = []
    for pathway in pathways:
        pathway.enrollment = enrolled.get(pathway.slug)  # type: ignore[attr-defined]
        if pathway.role is None:
            libraries.append(pathway)
        else:
            groups.setdefault(pathway.role.name, []).append(pathway)
    if libraries:
        groups["Module libraries"] = libraries
    return render(
        request,
        "pathways/catalogue.html",
        {"groups": groups, "roles": roles, "role_slug": role_slug or ""},
    )


@persona_required(Persona.LEARNER)
def pathway_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pathway, version_query = _viewed_pathway(request, slug)
    enrollment = selectors.enrollment_for(user=request.user, slug=slug)
    return render(
        request,
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "weeks": selectors.weeks_of(pathway),
            "enrollment": enrollment,
            "version_query": version_query,
        },
    )


@require_POST
@persona_required(Persona.LEARNER)
def pathway_enrol(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = selectors.pathway_for_viewer(user=request.user, slug=slug, detail=False)
    if pathway is None:
        raise Http404("No such pathway.")
    try:
        enrollment, created = services.enrollment_create(user=request.user, pathway=pathway)
    except PathwayError as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(request, f"You are enrolled on {pathway.title}.")
        else:
            messages.info(
                request, f"You were already enrolled (version {enrollment.pathway.version})."
            )
    return redirect(reverse("pathways:pathway_detail", args=[slug]))


@persona_required(Persona.LEARNER)
def module_detail(request: HttpRequest, slug: str, module_slug: str) -> HttpResponse:
    pathway, version_query = _viewed_pathway(request, slug)
    modules = list(pathway.modules.all())
    module = next((m for m in modules if m.slug == module_slug), None)
    if module is None:
        raise Http404("No such module.")
    index = modules.index(module)
    module_opened(user=request.user, module=module)
    return render(
        request,
        "pathways/module_detail.html",
        {
            "pathway": pathway,
            "module": module,
            "previous": modules[index - 1] if index > 0 else None,
            "next": modules[index + 1] if index + 1 < len(modules) else None,
            "version_query": version_query,
        },
    )


@persona_required(Persona.LEARNER)
def lab_detail(request: HttpRequest, slug: str, module_slug: str, lab_slug: str) -> HttpResponse:
    pathway, version_query = _viewed_pathway(request, slug)
    module = next((m for m in pathway.modules.all() if m.slug == module_slug), None)
    lab = next((lab for lab in module.labs.all() if lab.slug == lab_slug), None) if module else None
    if lab is None:
        raise Http404("No such lab.")
    return render(
        request,
        "pathways/lab_detail.html",
        {"pathway": pathway, "module": module, "lab": lab, "version_query": version_query},
    )
