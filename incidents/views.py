from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.pagination import EstimatedCountPaginator
from config.replica import replica_reads
from config.tasks import enqueue_on_commit
from org import access
from org.models import Persona
from org.permissions import persona_required

from . import selectors, services
from .exceptions import IncidentsError
from .export import incidents_csv
from .filters import IncidentFilter
from .forms import ExerciseForm, ImportForm, TrainingRuleForm, read_upload
from .models import ImportBatch, Incident, IncidentExercise, TrainingRule, TrainingSuggestion
from .streaming import document_parts

PAGE_SIZE = 50
REJECTED_PAGE_SIZE = 25


def _page(request: HttpRequest, items, size: int):  # type: ignore[no-untyped-def]
    return Paginator(items, size).get_page(request.GET.get("page"))


@replica_reads
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilter(
        request.GET or None,
        queryset=selectors.incident_list(user=request.user),
        request=request,
    )
    incidents = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "filter": filterset,
            # Large scopes: no COUNT(*) over every row per page (config.pagination).
            "page": EstimatedCountPaginator(incidents, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
            "csv_query": request.GET.urlencode(),
            "can_import": selectors.can_import(request.user),
            "is_author": access.is_author(request.user),
            "sees_sources": access.is_manager(request.user),
        },
    )


@replica_reads
@login_required
def incident_list_csv(request: HttpRequest) -> HttpResponse:
    """The list's incidents (same filters) as CSV; an invalid filter is a 400."""
    filterset = IncidentFilter(
        request.GET or None,
        queryset=selectors.incident_list(user=request.user),
        request=request,
    )
    if filterset.is_bound and not filterset.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    incidents = (filterset.qs if filterset.is_bound else filterset.queryset).select_related(
        "team", "service"
    )
    response = HttpResponse(
        incidents_csv(incidents.prefetch_related("contributing_factors")),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    return response


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = selectors.incident_detail(user=request.user, incident_id=pk)
    except Incident.DoesNotExist:
        raise Http404 from None
    is_author = access.is_author(request.user)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "durations": [
                ("MTTD", "Time to detect", "detected − started", incident.ttd_seconds),
                ("MTTA", "Time to acknowledge", "acknowledged − detected", incident.tta_seconds),
                ("MTTM", "Time to mitigate", "mitigated − started", incident.ttm_seconds),
                ("MTTR", "Time to resolve", "resolved − started", incident.ttr_seconds),
                (
                    "Recovery",
                    "From mitigated to resolved",
                    "resolved − mitigated",
                    incident.recovery_seconds,
                ),
            ],
            "training": selectors.training_for_incident(incident=incident),
            "suggestions": selectors.suggestions_pending(incident=incident) if is_author else [],
            "exercises": incident.exercises.select_related("lab") if is_author else [],
            "is_author": is_author,
        },
    )


# --- imports ---------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    access.require(selectors.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Read from the spooled files in blocks and stored part by part as read.
        documents = (
            part
            for f in data["files"]
            for part in document_parts(f.name, f.chunks(), data["format"])
        )
        try:
            batch = services.import_batch_create(
                format=data["format"],
                documents=documents,
                created_by=request.user,
                source=data["source"],
                timezone=data["timezone"],
                mapping=read_upload(data["mapping"]) if data["mapping"] else "",
                channel=ImportBatch.Channel.UPLOAD,
                draft=True,
            )
        except IncidentsError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("incidents:batch_detail", pk=batch.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/import_upload.html", {"form": form}, status=status)


@replica_reads
@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    access.require(selectors.can_import(request.user))
    batches = selectors.batch_list(user=request.user)
    return render(
        request,
        "incidents/batch_list.html",
        {
            "page": _page(request, batches, PAGE_SIZE),
            "can_import": selectors.can_import(request.user),
        },
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(selectors.can_import(request.user))
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    context: dict = {"batch": batch}
    if request.headers.get("HX-Request") and request.GET.get("part") == "progress":
        response = render(request, "incidents/_batch_progress.html", context)
        if batch.is_finished:
            response["HX-Refresh"] = "true"
        return response
    if batch.status == ImportBatch.Status.DRAFT:
        try:
            context["preview"] = services.import_batch_preview(batch=batch)
        except IncidentsError as exc:
            context["preview_error"] = str(exc)
    else:
        context["rejected"] = _page(
            request, selectors.batch_rejected(batch=batch), REJECTED_PAGE_SIZE
        )
    return render(request, "incidents/batch_detail.html", context)


@login_required
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(selectors.can_import(request.user))
    batch = get_object_or_404(selectors.batches_visible_to(user=request.user), pk=pk)
    try:
        services.import_batch_commit(batch=batch)
    except IncidentsError as exc:
        messages.error(request, str(exc))
    return redirect("incidents:batch_detail", pk=batch.pk)


@login_required
@require_POST
def batch_discard(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(selectors.can_import(request.user))
    batch = get_object_or_404(selectors.batches_visible_to(user=request.user), pk=pk)
    try:
        services.import_batch_discard(batch=batch)
        messages.success(request, "The import was discarded; nothing was written.")
    except IncidentsError as exc:
        messages.error(request, str(exc))
    return redirect("incidents:batch_detail", pk=batch.pk)


# --- training map (authors) ------------------------------------------------------------


@persona_required(Persona.AUTHOR)
def training_map(request: HttpRequest) -> HttpResponse:
    form = TrainingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.training_rule_create(
                created_by=request.user,
                failure_mode=data["failure_mode"],
                factor_slug=data["factor"],
                skill=data["skill"],
                module=data["module"],
                note=data["note"],
            )
        except IncidentsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Rule added to the training map.")
            return redirect("incidents:training_map")
    return render(
        request,
        "incidents/training_map.html",
        {
            "form": form,
            "rules": selectors.training_rules(),
            "factors": selectors.factors_in_use(),
        },
        status=400 if request.method == "POST" else 200,
    )


@persona_required(Persona.AUTHOR)
@require_POST
def training_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TrainingRule, pk=pk)
    services.training_rule_delete(rule=rule)
    messages.success(request, "Rule removed from the training map.")
    return redirect("incidents:training_map")


@persona_required(Persona.AUTHOR)
@require_POST
def training_suggest(request: HttpRequest) -> HttpResponse:
    enqueue_on_commit("incidents.tasks.training_suggestions_refresh")
    messages.success(request, "Suggestions are being computed for new and changed incidents.")
    return redirect("incidents:training_map")


@persona_required(Persona.AUTHOR)
@require_POST
def suggestion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(TrainingSuggestion, pk=pk)
    try:
        services.training_suggestion_decide(
            suggestion=suggestion,
            confirm=request.POST.get("decision") == "confirm",
            decided_by=request.user,
        )
    except IncidentsError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("incidents:detail", args=[suggestion.incident_id]) + "#training")


# --- exercise drafts (authors) ---------------------------------------------------------


@persona_required(Persona.AUTHOR)
@require_POST
def exercise_create(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    exercise = services.exercise_draft_create(incident=incident, created_by=request.user)
    messages.success(request, "Draft tabletop exercise ready to edit.")
    return redirect("incidents:exercise_edit", pk=exercise.pk)


@persona_required(Persona.AUTHOR)
def exercise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = get_object_or_404(
        IncidentExercise.objects.select_related("lab__module__pathway", "incident"), pk=pk
    )
    lab = exercise.lab
    form = ExerciseForm(
        request.POST or None, initial={"title": lab.title, "instructions": lab.instructions}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.exercise_update(
                exercise=exercise,
                title=form.cleaned_data["title"],
                instructions=form.cleaned_data["instructions"],
            )
        except IncidentsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Exercise saved.")
            return redirect("incidents:exercise_edit", pk=exercise.pk)
    return render(
        request,
        "incidents/exercise_edit.html",
        {"exercise": exercise, "lab": lab, "form": form},
        status=400 if request.method == "POST" else 200,
    )
