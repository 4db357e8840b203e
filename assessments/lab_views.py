"""The lab page's submission: "Check my file" (the scoring rules, no attempt used) and
submit (a lab-check attempt with the artifact and the saved checklist)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from org.models import Persona
from org.permissions import persona_required
from pathways import selectors as pathway_selectors
from pathways.models import Lab
from pathways.progress import sequence as pathway_sequence

from . import artifacts, selectors, services
from .exceptions import AssessmentError
from .forms import LabArtifactForm
from .sequence import lab_step


def _lab_for(request: HttpRequest, lab_id: int) -> Lab:
    """A lab of the pathway version the learner may see (404 otherwise)."""
    lab = Lab.objects.filter(pk=lab_id).select_related("module__pathway").first()
    if lab is None:
        raise Http404("No such lab.")
    pathway = lab.module.pathway
    visible = pathway_selectors.pathway_for_viewer(
        user=request.user, slug=pathway.slug, version=pathway.version, detail=False
    )
    if visible is None:
        raise Http404("No such lab.")
    return lab


def _lab_url(lab: Lab) -> str:
    return reverse("pathways:lab_detail", args=[lab.module.pathway.slug, lab.module.slug, lab.slug])


@require_POST
@persona_required(Persona.LEARNER)
def check_file(request: HttpRequest, lab_id: int) -> HttpResponse:
    """Run the lab's schema and rules on the artifact; nothing is saved, no attempt used."""
    lab = _lab_for(request, lab_id)
    form = LabArtifactForm(request.POST, request.FILES)
    report = None
    if form.is_valid() and lab.artifact_schema:
        filename, text = form.artifact_pair()
        report = artifacts.validate_artifact(lab.artifact_schema, text, filename)
    context = {"lab": lab, "form": form, "report": report, "lab_url": _lab_url(lab)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "assessments/_artifact_report.html", context)
    return render(request, "assessments/lab_check_file.html", context)


@require_POST
@persona_required(Persona.LEARNER)
def submit_lab(request: HttpRequest, lab_id: int) -> HttpResponse:
    """Start (or resume) the lab check, save the artifact and the saved checklist, submit.

    A lab check with questions too is saved and opened, so the learner answers them.
    """
    lab = _lab_for(request, lab_id)
    step = lab_step(user=request.user, lab=lab)
    if step is None:
        raise Http404("This lab has no lab check.")
    form = LabArtifactForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "assessments/lab_check_file.html",
            {"lab": lab, "form": form, "report": None, "lab_url": _lab_url(lab)},
            status=400,
        )
    filename, text = form.artifact_pair()
    ticked = pathway_sequence.lab_checklist_of(user=request.user, lab=lab)
    try:
        attempt = services.attempt_start(user=request.user, assessment=step.assessment)
        parts: dict = {"checklist": ticked}
        if text:
            parts["artifact"] = services.ArtifactUpload(filename, text)
        if attempt.layout.get("questions"):
            services.attempt_save(attempt=attempt, user=request.user, **parts)
            messages.info(request, "Your file is saved; answer the questions, then submit.")
        else:
            services.attempt_submit(attempt=attempt, user=request.user, **parts)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect(_lab_url(lab) + "#submit")
    return redirect("assessments:attempt", pk=attempt.pk)


@persona_required(Persona.LEARNER)
def my_certificate(request: HttpRequest, award_id: int) -> HttpResponse:
    """One of the learner's own certificates, by award id (links from "My learning")."""
    award = selectors.certificates_of(user=request.user).filter(pk=award_id).first()
    if award is None:
        raise Http404
    return redirect("assessments:certificate", token=selectors.certificate_token(award))
