"""The webhook endpoint (`POST /api/v1/incident-sources/<name>/webhook/`) and the
sources page (`/incidents/sources/`).

The webhook is authenticated by the signature alone (no session, no CSRF token): the
sender is the incident tool. The sources page shows admins every source and managers
the sources of the teams they manage.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.tasks import enqueue_on_commit
from incidents import selectors
from incidents.models import IncidentSource
from org import access
from org.models import Persona
from org.permissions import persona_required

from .services import WebhookRefused, webhook_receive

MAX_BODY = 1024 * 1024


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, name: str) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "The body is larger than 1 MB."}, status=413)
    try:
        result = webhook_receive(
            source_name=name,
            body=request.body,
            signature=request.headers.get("X-PagerDuty-Signature", ""),
            generic_signature=request.headers.get("X-Trellis-Signature", ""),
        )
    except WebhookRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    if result.ignored:
        return JsonResponse({"status": "ignored"}, status=200)
    if result.replay:
        return JsonResponse({"status": "replay"}, status=200)
    return JsonResponse({"status": "accepted", "batch": result.batch_id}, status=202)


@persona_required(Persona.ADMIN, Persona.MANAGER)
def source_list(request: HttpRequest) -> HttpResponse:
    """Every incident source the viewer may see, with its last sync and last webhook."""
    return render(
        request,
        "incidents/source_list.html",
        {
            "sources": list(selectors.source_list(user=request.user)),
            "is_admin": access.is_admin(request.user),
            "webhook_base": request.build_absolute_uri("/api/v1/incident-sources/"),
        },
    )


@persona_required(Persona.ADMIN)
@require_POST
def source_sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue one sync of a pulled source now (admins)."""
    source = get_object_or_404(IncidentSource, pk=pk)
    if not source.pulls:
        messages.error(request, f"{source.name} takes webhooks only; there is nothing to pull.")
    else:
        enqueue_on_commit("incidents.tasks.incident_source_sync", source.pk)
        messages.success(request, f"A sync of {source.name} is queued.")
    return redirect("incidents:source_list")
