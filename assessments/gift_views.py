"""GIFT import pages: preview, import while the author waits, or (for a large file) a
background import whose progress the author follows."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from org.models import Persona
from org.permissions import persona_required

from . import services
from .exceptions import AssessmentError
from .forms import GiftImportForm
from .models import GiftImport, QuestionBank


@persona_required(Persona.AUTHOR)
def gift_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview first; with errors the author chooses: import nothing, or the valid ones. A
    file over the caps read at once is imported in the background (valid questions; the
    others listed with their lines on the import's page)."""
    found = get_object_or_404(QuestionBank, pk=pk)
    form = GiftImportForm(request.POST or None, request.FILES or None)
    report = None
    large = False
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        action = request.POST.get("action", "preview")
        try:
            large = services.gift_needs_task(text=text)
            if large and action != "preview":
                job = services.gift_import_start(bank=found, text=text, user=request.user)
                messages.success(request, "The import runs in the background.")
                return redirect("assessments:gift_import_status", pk=job.pk)
            if large:
                messages.info(
                    request,
                    "This file is larger than what is checked while you wait: import it in "
                    "the background. Questions with errors are left out and listed, with "
                    "their lines, on the import's page.",
                )
            elif action == "preview":
                report = services.gift_preview(text=text)
            else:
                report = services.gift_import(
                    bank=found, text=text, import_valid=action == "import-valid"
                )
        except AssessmentError as exc:
            messages.error(request, str(exc))
            large = False
        else:
            if report is not None and report.written:
                messages.success(
                    request,
                    f"{len(report.created)} question(s) imported, {len(report.updated)} updated.",
                )
                if report.errors:
                    messages.warning(
                        request, f"{len(report.errors)} question(s) with errors were left out."
                    )
                return redirect("assessments:bank", pk=pk)
        form = GiftImportForm(initial={"text": text})
    return render(
        request,
        "assessments/gift_import.html",
        {"bank": found, "form": form, "report": report, "large": large},
    )


@persona_required(Persona.AUTHOR)
def gift_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress (an htmx-polled fragment), then its results."""
    job = get_object_or_404(GiftImport.objects.select_related("bank"), pk=pk)
    context = {"job": job, "bank": job.bank}
    if request.headers.get("HX-Request") and request.GET.get("part") == "progress":
        response = render(request, "assessments/_gift_import_progress.html", context)
        if job.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "assessments/gift_import_status.html", context)
