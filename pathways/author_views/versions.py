"""Pathways and their versions: create, edit, publish, new draft, archive, export, history."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import forms, selectors, services
from ..catalogue import exporter
from ..exceptions import PathwayError
from ..models import Pathway
from ._helpers import (
    _apply,
    _draft_or_message,
    _editor_url,
    _form_page,
    _version,
    _yaml_response,
    author_required,
)


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
