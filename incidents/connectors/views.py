"""The webhook endpoint: `POST /api/v1/incident-sources/<name>/webhook/`.

Authenticated by the signature alone (no session, no CSRF token): the sender is the
incident tool.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

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
