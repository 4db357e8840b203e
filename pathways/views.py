"""Learner pages: the catalogue by role, enrolment, the pathway week by week, modules, labs."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config import stamps
from org.models import Persona
from org.permissions import persona_required

from . import page_cache, selectors, services
from .exceptions import PathwayError
from .models import Module, Pathway, Role
from .progress import sequence
from .progress import services as progress_services
from .progress.exceptions import ProgressError
from .xapi import module_opened


def _version_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such version.")
    return int(raw)


def _viewed_pathway(
    request: HttpRequest, slug: str, detail: bool | str = True
) -> tuple[Pathway, str]:
    """The version of `slug` this request shows, and the query string that keeps it."""
    version = _version_param(request)
    pathway = selectors.pathway_for_viewer(
        user=request.user, slug=slug, version=version, detail=detail
    )
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
    journey = sequence.journey_for(user=request.user, pathway=pathway, today=timezone.localdate())
    return render(
        request,
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "weeks": selectors.weeks_of(pathway),
            "enrollment": enrollment,
            "journey": journey,
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


def _module_fragments(request: HttpRequest, slug: str, module_slug: str) -> dict:
    """What a module page shows around the learner's checks, rendered (the checks and
    the forms with their CSRF tokens are rendered per request)."""
    pathway, version_query = _viewed_pathway(request, slug, detail="module")
    module = next((m for m in pathway.modules.all() if m.slug == module_slug), None)
    if module is None:
        raise Http404("No such module.")
    previous, following = sequence.neighbours(pathway, module)
    journey = sequence.journey_for(user=request.user, pathway=pathway, today=timezone.localdate())
    labs = [(lab, journey.status("lab", lab.pk) if journey else None) for lab in module.labs.all()]
    context = {
        "pathway": pathway,
        "module": module,
        "journey": journey,
        "status": journey.status("module", module.pk) if journey else None,
        "labs": labs,
        "previous": previous,
        "next": following,
        "version_query": version_query,
    }
    return {
        "title": module.title,
        "module": SimpleNamespace(
            pk=module.pk, title=module.title, pathway_id=pathway.pk, pathway=str(pathway)
        ),
        "status": context["status"],
        "head_html": render_to_string("pathways/_module_head.html", context),
        "tail_html": render_to_string("pathways/_module_tail.html", context),
        # The published checks (assessments bump the catalogue stamp when saved).
        "checks": sequence.module_checks(module=module),
    }


@persona_required(Persona.LEARNER)
def module_detail(request: HttpRequest, slug: str, module_slug: str) -> HttpResponse:
    """A module as a sequence: content, its checks, its labs, then the next module.

    All but the checks is cached per learner, day and URL under the learner's and the
    catalogue's stamps (`pathways.page_cache`); the checks are read on every view."""
    stamp = page_cache.learner_stamp(request.user.pk)
    key = ":".join(
        [
            "page:module:2",  # the number changes with what the fragments hold
            str(request.user.pk),
            timezone.localdate().isoformat(),
            stamp or "",
            slug,
            module_slug,
            request.GET.get("version", ""),
        ]
    )
    fragments = cache.get(key) if stamp else None
    if fragments is None:
        fragments = _module_fragments(request, slug, module_slug)
        if stamp:
            cache.set(key, fragments, stamps.FRAGMENT_SECONDS)
    module = fragments["module"]
    module_opened(user=request.user, module=module)
    steps = sequence.module_steps(
        user=request.user, module=Module(pk=module.pk), checks=fragments["checks"]
    )
    return render(request, "pathways/module_detail.html", {**fragments, "steps": steps})


def _lab_in(request: HttpRequest, slug: str, module_slug: str, lab_slug: str):  # type: ignore[no-untyped-def]
    pathway, version_query = _viewed_pathway(request, slug)
    module = next((m for m in pathway.modules.all() if m.slug == module_slug), None)
    lab = next((lab for lab in module.labs.all() if lab.slug == lab_slug), None) if module else None
    if lab is None:
        raise Http404("No such lab.")
    return pathway, module, lab, version_query


@persona_required(Persona.LEARNER)
def lab_detail(request: HttpRequest, slug: str, module_slug: str, lab_slug: str) -> HttpResponse:
    """Instructions, rules, the saved checklist and the submission with "Check my file"."""
    pathway, module, lab, version_query = _lab_in(request, slug, module_slug, lab_slug)
    journey = sequence.journey_for(user=request.user, pathway=pathway, today=timezone.localdate())
    ticked = set(journey.checklists.get(lab.pk, [])) if journey else set()
    return render(
        request,
        "pathways/lab_detail.html",
        {
            "pathway": pathway,
            "module": module,
            "lab": lab,
            "journey": journey,
            "status": journey.status("lab", lab.pk) if journey else None,
            "checklist": [
                (i, text, i in ticked) for i, text in enumerate(sequence.checklist_texts(lab))
            ],
            "step": sequence.lab_step(user=request.user, lab=lab),
            "version_query": version_query,
        },
    )


@require_POST
@persona_required(Persona.LEARNER)
def lab_checklist(request: HttpRequest, slug: str, module_slug: str, lab_slug: str) -> HttpResponse:
    """Save the ticked checklist items (htmx autosave, or the form's button)."""
    pathway, module, lab, version_query = _lab_in(request, slug, module_slug, lab_slug)
    ticked = [int(i) for i in request.POST.getlist("checklist") if i.isdigit()]
    error = ""
    try:
        saved = progress_services.lab_checklist_save(
            user_id=request.user.pk, lab=lab, ticked=ticked
        )
        if saved is None:
            error = "Enrol on this pathway to save your checklist."
    except ProgressError as exc:
        error = str(exc)
    if request.headers.get("HX-Request") == "true":
        return render(request, "pathways/_checklist_saved.html", {"error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Your checklist is saved.")
    url = reverse("pathways:lab_detail", args=[pathway.slug, module.slug, lab.slug])
    return redirect(f"{url}{version_query}#checklist-heading")


@persona_required(Persona.LEARNER)
def item_go(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A schedule item's page (module or lab), for links from "My learning"."""
    target = sequence.item_target(kind=kind, pk=pk)
    if target is None:
        raise Http404("No such item.")
    slug, module_slug, lab_slug = target
    if lab_slug:
        return redirect("pathways:lab_detail", slug, module_slug, lab_slug)
    return redirect("pathways:module_detail", slug, module_slug)
