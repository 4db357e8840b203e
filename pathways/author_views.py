"""Author pages: roles, skills, pathways and their versions, modules, labs, outcomes,
capstones, catalogue files and the markdown preview. Every write goes through services."""

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.markdown import render_markdown
from org.models import Persona
from org.permissions import persona_required

from . import forms, selectors, services
from .catalogue import SCHEMA_FILE, exporter, yaml_io
from .catalogue.schema import Ladder, Rubric, in_field_order
from .exceptions import CatalogueError, PathwayError
from .models import Capstone, Lab, Module, Pathway, PathwayOutcome, Role, Skill

author_required = persona_required(Persona.AUTHOR)


# --- helpers ----------------------------------------------------------------------------


def _apply(form: django_forms.Form, call: Callable[[], Any]) -> Any:
    """Run a service; put its validation errors on the form. None when it refused."""
    try:
        return call()
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages_ in errors.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message if target else _prefixed(field, message))
        return None


def _prefixed(field: str | None, message: str) -> str:
    if not field or field == "__all__":
        return message
    return f"{field.replace('_', ' ').capitalize()}: {message}"


def _form_page(
    request: HttpRequest, form: django_forms.Form, *, title: str, back: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "pathways/author/form.html",
        {"form": form, "title": title, "back": back, **extra},
        status=400 if form.is_bound and form.errors else 200,
    )


def _version(slug: str, version: int) -> Pathway:
    return get_object_or_404(Pathway.objects.select_related("role"), slug=slug, version=version)


def _editor_url(pathway: Pathway) -> str:
    return reverse("pathways:author_pathway", args=[pathway.slug, pathway.version])


def _draft_or_message(request: HttpRequest, pathway: Pathway) -> bool:
    if pathway.status == Pathway.Status.DRAFT:
        return True
    messages.error(
        request,
        f"Version {pathway.version} is {pathway.status} and frozen. "
        "Start a new draft to change it.",
    )
    return False


def _yaml_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- home, preview, catalogue files -----------------------------------------------------


@author_required
def author_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pathways/author_home.html",
        {
            "pathways": selectors.pathway_latest_versions(),
            "role_count": Role.objects.count(),
            "skill_count": Skill.objects.count(),
        },
    )


@require_POST
@author_required
def markdown_preview(request: HttpRequest) -> HttpResponse:
    field = request.POST.get("field", "text")
    html = render_markdown(request.POST.get(field, ""))
    return HttpResponse(html or '<p class="muted">Nothing to preview yet.</p>')


@author_required
def catalogue_upload(request: HttpRequest) -> HttpResponse:
    form = forms.CatalogueUploadForm(request.POST or None, request.FILES or None)
    issues = []
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            result = services.catalogue_load(sources=[(name, text)], by=request.user)
        except CatalogueError as exc:
            issues = exc.issues
        else:
            messages.success(request, f"{name} loaded: {result.summary()}.")
            return redirect("pathways:author_home")
    status = 400 if issues or (form.is_bound and form.errors) else 200
    return render(
        request, "pathways/author/upload.html", {"form": form, "issues": issues}, status=status
    )


@author_required
def catalogue_download(request: HttpRequest, kind: str) -> HttpResponse:
    documents = {
        "skills": exporter.skills_document,
        "roles": exporter.roles_document,
        "certifications": exporter.certifications_document,
    }
    if kind not in documents:
        raise Http404("No such catalogue file.")
    text = yaml_io.dump(exporter.document_data(documents[kind]()))
    return _yaml_response(text, f"{kind}.yaml")


def catalogue_schema(request: HttpRequest) -> HttpResponse:
    """The published JSON schema of catalogue files (public: editors fetch it)."""
    return HttpResponse(
        SCHEMA_FILE.read_text(encoding="utf-8"), content_type="application/schema+json"
    )


# --- pathways and versions --------------------------------------------------------------


@author_required
def pathway_create(request: HttpRequest) -> HttpResponse:
    form = forms.PathwayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pathway = _apply(
            form,
            lambda: services.pathway_create(
                title=data["title"],
                slug=data["slug"],
                kind=data["kind"],
                role=data["role"],
                duration_weeks=data["duration_weeks"],
                primary_goal=data["primary_goal"],
                summary=data["summary"],
                change_note=data["change_note"],
                by=request.user,
            ),
        )
        if pathway is not None:
            messages.success(request, f"Draft “{pathway.title}” created. Add its modules next.")
            return redirect(_editor_url(pathway))
    return _form_page(request, form, title="New pathway", back=reverse("pathways:author_home"))


@author_required
def pathway_editor(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = exporter.pathway_prefetch(Pathway.objects.filter(slug=slug, version=version)).first()
    if pathway is None:
        raise Http404("No such pathway version.")
    versions = list(Pathway.objects.filter(slug=slug).values("version", "status"))
    draft = next((v for v in versions if v["status"] == Pathway.Status.DRAFT), None)
    return render(
        request,
        "pathways/author/pathway.html",
        {
            "pathway": pathway,
            "editable": pathway.status == Pathway.Status.DRAFT,
            "draft_version": draft["version"] if draft else None,
            "version_count": len(versions),
        },
    )


@author_required
def pathway_edit(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = _version(slug, version)
    if not _draft_or_message(request, pathway):
        return redirect(_editor_url(pathway))
    initial = {
        "title": pathway.title,
        "kind": pathway.kind,
        "role": pathway.role.slug if pathway.role else None,
        "duration_weeks": pathway.duration_weeks,
        "primary_goal": pathway.primary_goal,
        "summary": pathway.summary,
        "change_note": pathway.change_note,
    }
    form = forms.PathwayForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _apply(
            form,
            lambda: services.pathway_update(
                pathway=pathway,
                title=data["title"],
                kind=data["kind"],
                role=data["role"],
                duration_weeks=data["duration_weeks"],
                primary_goal=data["primary_goal"],
                summary=data["summary"],
                change_note=data["change_note"],
            ),
        )
        if done is not None:
            messages.success(request, "Pathway details saved.")
            return redirect(_editor_url(pathway))
    return _form_page(
        request, form, title=f"Edit {pathway.title} v{pathway.version}", back=_editor_url(pathway)
    )


@require_POST
@author_required
def pathway_publish(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = _version(slug, version)
    try:
        services.pathway_publish(pathway=pathway)
    except PathwayError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Version {pathway.version} is published. New learners get this version."
        )
    return redirect(_editor_url(pathway))


@require_POST
@author_required
def pathway_new_draft(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = _version(slug, version)
    draft = services.pathway_create_draft(pathway=pathway, by=request.user)
    messages.success(request, f"Editing draft version {draft.version}.")
    return redirect(_editor_url(draft))


@require_POST
@author_required
def pathway_archive(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = _version(slug, version)
    try:
        services.pathway_archive(pathway=pathway)
    except PathwayError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Version {pathway.version} is archived.")
    return redirect(_editor_url(pathway))


@author_required
def pathway_export(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    pathway = exporter.pathway_prefetch(Pathway.objects.filter(slug=slug, version=version)).first()
    if pathway is None:
        raise Http404("No such pathway version.")
    return _yaml_response(exporter.pathway_yaml(pathway), f"{slug}-v{version}.yaml")


@author_required
def pathway_history(request: HttpRequest, slug: str) -> HttpResponse:
    versions = list(selectors.pathway_versions(slug=slug))
    if not versions:
        raise Http404("No such pathway.")
    numbers = [v.version for v in versions]
    initial = {"old": numbers[1] if len(numbers) > 1 else numbers[0], "new": numbers[0]}
    form = forms.DiffForm(request.GET or None, initial=initial, versions=numbers)
    changes, unified, compared = None, "", None
    if form.is_bound and form.is_valid():
        by_number = {v.version: v for v in versions}
        old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        changes, unified = selectors.pathway_diff(old=old, new=new)
        compared = (old, new)
    return render(
        request,
        "pathways/author/history.html",
        {
            "slug": slug,
            "title": versions[0].title,
            "versions": versions,
            "form": form,
            "changes": changes,
            "unified": unified,
            "compared": compared,
        },
    )


# --- modules ----------------------------------------------------------------------------


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


# --- roles and skills -------------------------------------------------------------------


@author_required
def role_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pathways/author/roles.html", {"roles": selectors.role_list()})


@author_required
def role_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    role = get_object_or_404(Role, slug=slug) if slug else None
    initial = (
        {
            "name": role.name,
            "cluster": role.cluster,
            "description": role.description,
            "exposure": role.exposure,
            "influence": role.influence,
            "career_ladder": in_field_order(Ladder, role.career_ladder),
        }
        if role
        else {}
    )
    form = forms.RoleForm(request.POST or None, initial=initial, editing=role is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.role_save(
                role=role,
                name=data["name"],
                slug=data.get("slug"),
                description=data["description"],
                cluster=data["cluster"],
                exposure=data["exposure"],
                influence=data["influence"],
                career_ladder=data["career_ladder"],
            ),
        )
        if saved is not None:
            messages.success(request, f"Role “{saved.name}” saved.")
            return redirect("pathways:author_roles")
    role_skills = selectors.role_skills(role=role) if role else []
    return _form_page(
        request,
        form,
        title=f"Edit role “{role.name}”" if role else "New role",
        back=reverse("pathways:author_roles"),
        role_skills=role_skills,
    )


@author_required
def skill_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pathways/author/skills.html", {"skills": selectors.skill_list()})


@author_required
def skill_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    skill = get_object_or_404(Skill, slug=slug) if slug else None
    initial = (
        {
            "name": skill.name,
            "pillar": skill.pillar,
            "kind": skill.kind,
            "description": skill.description,
        }
        if skill
        else {}
    )
    form = forms.SkillForm(request.POST or None, initial=initial, editing=skill is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _apply(
            form,
            lambda: services.skill_save(
                skill=skill,
                name=data["name"],
                slug=data.get("slug"),
                pillar=data["pillar"],
                kind=data["kind"],
                description=data["description"],
            ),
        )
        if saved is not None:
            messages.success(request, f"Skill “{saved.name}” saved.")
            return redirect("pathways:author_skills")
    return _form_page(
        request,
        form,
        title=f"Edit skill “{skill.name}”" if skill else "New skill",
        back=reverse("pathways:author_skills"),
    )
