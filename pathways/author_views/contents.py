"""What a pathway version holds: modules, labs, outcomes and capstones."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .. import forms, services
from ..catalogue.schema import Rubric, in_field_order
from ..exceptions import PathwayError
from ..models import Capstone, Lab, Module, PathwayOutcome, Skill
from ._helpers import _apply, _draft_or_message, _editor_url, _form_page, _version, author_required


def _module_form(request: HttpRequest, module: Module | None = None) -> forms.ModuleForm:
    skills = list(Skill.objects.order_by("pillar", "name"))
    initial: dict[str, Any] = {}
    if module is not None:
        initial = {
            "title": module.title,
            "slug": module.slug,
            "week_start": module.week_start,
            "week_end": module.week_end,
            "pillar": module.pillar,
            "objectives": module.objectives,
            "content": module.content,
            **{f"skill_{ms.skill.slug}": ms.target_level for ms in module.module_skills.all()},
        }
    return forms.ModuleForm(request.POST or None, initial=initial, skills=skills)


def _module_args(form: forms.ModuleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "slug": data["slug"],
        "week_start": data["week_start"],
        "week_end": data["week_end"],
        "pillar": data["pillar"],
        "objectives": data["objectives"],
        "content": data["content"],
        "skills": form.skill_levels(),
    }


@author_required
def module_create(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = _version(slug, version)
    if not _draft_or_message(request, pathway):
        return redirect(_editor_url(pathway))
    form = _module_form(request)
    if request.method == "POST" and form.is_valid():
        args = _module_args(form)
        module = _apply(form, lambda: services.module_create(pathway=pathway, **args))
        if module is not None:
            messages.success(request, f"Module “{module.title}” added.")
            return redirect(_editor_url(pathway))
    return _form_page(
        request, form, title=f"New module in {pathway.title}", back=_editor_url(pathway)
    )


def _module(slug: str, version: int, module_slug: str) -> Module:
    return get_object_or_404(
        Module.objects.select_related("pathway").prefetch_related("module_skills__skill"),
        pathway__slug=slug,
        pathway__version=version,
        slug=module_slug,
    )


@author_required
def module_edit(request: HttpRequest, slug: str, version: int, module_slug: str) -> HttpResponse:
    module = _module(slug, version, module_slug)
    if not _draft_or_message(request, module.pathway):
        return redirect(_editor_url(module.pathway))
    form = _module_form(request, module)
    if request.method == "POST" and form.is_valid():
        args = _module_args(form)
        done = _apply(form, lambda: services.module_update(module=module, **args))
        if done is not None:
            messages.success(request, f"Module “{module.title}” saved.")
            return redirect(_editor_url(module.pathway))
    return _form_page(
        request, form, title=f"Edit module “{module.title}”", back=_editor_url(module.pathway)
    )


@require_POST
@author_required
def module_delete(request: HttpRequest, slug: str, version: int, module_slug: str) -> HttpResponse:
    module = _module(slug, version, module_slug)
    try:
        services.module_delete(module=module)
    except PathwayError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Module “{module.title}” deleted.")
    return redirect(_editor_url(module.pathway))


@require_POST
@author_required
def module_move(request: HttpRequest, slug: str, version: int, module_slug: str) -> HttpResponse:
    module = _module(slug, version, module_slug)
    try:
        services.module_move(module=module, direction=request.POST.get("direction", ""))
    except PathwayError as exc:
        messages.error(request, str(exc))
    return redirect(f"{_editor_url(module.pathway)}#module-{module.slug}")


# --- labs -------------------------------------------------------------------------------


def _lab_args(form: forms.LabForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "slug": data["slug"],
        "instructions": data["instructions"],
        "deliverables": data["deliverables"],
        "checklist": data["checklist"],
        "artifact_schema": data["artifact_schema"],
        "skills": list(data["skills"]),
    }


@author_required
def lab_create(request: HttpRequest, slug: str, version: int, module_slug: str) -> HttpResponse:
    module = _module(slug, version, module_slug)
    if not _draft_or_message(request, module.pathway):
        return redirect(_editor_url(module.pathway))
    form = forms.LabForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        args = _lab_args(form)
        lab = _apply(form, lambda: services.lab_create(module=module, **args))
        if lab is not None:
            messages.success(request, f"Lab “{lab.title}” added to {module.title}.")
            return redirect(_editor_url(module.pathway))
    return _form_page(
        request,
        form,
        title=f"New lab in “{module.title}”",
        back=_editor_url(module.pathway),
        datalists={"artifact-schemas": forms.ARTIFACT_SCHEMAS},
    )


def _lab(slug: str, version: int, module_slug: str, lab_slug: str) -> Lab:
    return get_object_or_404(
        Lab.objects.select_related("module__pathway").prefetch_related("skills"),
        module__pathway__slug=slug,
        module__pathway__version=version,
        module__slug=module_slug,
        slug=lab_slug,
    )


@author_required
def lab_edit(
    request: HttpRequest, slug: str, version: int, module_slug: str, lab_slug: str
) -> HttpResponse:
    lab = _lab(slug, version, module_slug, lab_slug)
    pathway = lab.module.pathway
    if not _draft_or_message(request, pathway):
        return redirect(_editor_url(pathway))
    initial = {
        "title": lab.title,
        "slug": lab.slug,
        "instructions": lab.instructions,
        "deliverables": lab.deliverables,
        "checklist": lab.checklist,
        "artifact_schema": lab.artifact_schema,
        "skills": [s.slug for s in lab.skills.all()],
    }
    form = forms.LabForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        args = _lab_args(form)
        done = _apply(form, lambda: services.lab_update(lab=lab, **args))
        if done is not None:
            messages.success(request, f"Lab “{lab.title}” saved.")
            return redirect(_editor_url(pathway))
    return _form_page(
        request,
        form,
        title=f"Edit lab “{lab.title}”",
        back=_editor_url(pathway),
        datalists={"artifact-schemas": forms.ARTIFACT_SCHEMAS},
    )


@require_POST
@author_required
def lab_delete(
    request: HttpRequest, slug: str, version: int, module_slug: str, lab_slug: str
) -> HttpResponse:
    lab = _lab(slug, version, module_slug, lab_slug)
    try:
        services.lab_delete(lab=lab)
    except PathwayError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Lab “{lab.title}” deleted.")
    return redirect(_editor_url(lab.module.pathway))


# --- outcomes and capstones -------------------------------------------------------------


@author_required
def outcome_edit(
    request: HttpRequest, slug: str, version: int, pk: int | None = None
) -> HttpResponse:
    pathway = _version(slug, version)
    if not _draft_or_message(request, pathway):
        return redirect(_editor_url(pathway))
    outcome = get_object_or_404(PathwayOutcome, pk=pk, pathway=pathway) if pk else None
    initial = forms.OutcomeForm.initial_for(outcome) if outcome else {}
    form = forms.OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.outcome_save(
                pathway=pathway,
                outcome=outcome,
                kpi_key=data["kpi_key"],
                description=data["description"],
                target_change_pct=data["target_change_pct"],
                target_value=data["target_value"],
                window_days=data["window_days"],
                filters=data["filters"],
            ),
        )
        if saved is not None:
            messages.success(request, "Outcome KPI saved.")
            return redirect(_editor_url(pathway))
    return _form_page(
        request,
        form,
        title="Edit outcome KPI" if outcome else "New outcome KPI",
        back=_editor_url(pathway),
        datalists={"kpi-keys": forms.KPI_KEYS},
    )


@require_POST
@author_required
def outcome_delete(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    pathway = _version(slug, version)
    outcome = get_object_or_404(PathwayOutcome, pk=pk, pathway=pathway)
    try:
        services.outcome_delete(outcome=outcome)
    except PathwayError as exc:
        messages.error(request, str(exc))
    return redirect(_editor_url(pathway))


@author_required
def capstone_edit(
    request: HttpRequest, slug: str, version: int, capstone_slug: str | None = None
) -> HttpResponse:
    pathway = _version(slug, version)
    if not _draft_or_message(request, pathway):
        return redirect(_editor_url(pathway))
    capstone = (
        get_object_or_404(
            Capstone.objects.prefetch_related("skills"), pathway=pathway, slug=capstone_slug
        )
        if capstone_slug
        else None
    )
    initial = (
        {
            "title": capstone.title,
            "slug": capstone.slug,
            "brief": capstone.brief,
            "deliverables": capstone.deliverables,
            "rubric": in_field_order(Rubric, capstone.rubric),
            "skills": [s.slug for s in capstone.skills.all()],
        }
        if capstone
        else {}
    )
    form = forms.CapstoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.capstone_save(
                pathway=pathway,
                capstone=capstone,
                title=data["title"],
                slug=data["slug"],
                brief=data["brief"],
                deliverables=data["deliverables"],
                rubric=data["rubric"],
                skills=list(data["skills"]),
            ),
        )
        if saved is not None:
            messages.success(request, f"Capstone “{saved.title}” saved.")
            return redirect(_editor_url(pathway))
    return _form_page(
        request,
        form,
        title=f"Edit capstone “{capstone.title}”" if capstone else "New capstone",
        back=_editor_url(pathway),
    )


@require_POST
@author_required
def capstone_delete(
    request: HttpRequest, slug: str, version: int, capstone_slug: str
) -> HttpResponse:
    pathway = _version(slug, version)
    capstone = get_object_or_404(Capstone, pathway=pathway, slug=capstone_slug)
    try:
        services.capstone_delete(capstone=capstone)
    except PathwayError as exc:
        messages.error(request, str(exc))
    return redirect(_editor_url(pathway))
