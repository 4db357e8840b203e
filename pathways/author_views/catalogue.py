"""The author home, the markdown preview and catalogue files (upload, download, schema)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.markdown import render_markdown

from .. import forms, selectors, services
from ..catalogue import SCHEMA_FILE, exporter, yaml_io
from ..exceptions import CatalogueError
from ..models import Role, Skill
from ._helpers import _yaml_response, author_required


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
