"""The one module that talks to an external LRS: forwards outbox entries over HTTP."""

import base64
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import OutboxEntry

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600


def forwarding_enabled() -> bool:
    return bool(getattr(settings, "LRS_FORWARD_URL", ""))


def send_one(entry: OutboxEntry) -> None:
    """PUT the statement to the external LRS; raises on anything but 2xx (409: already there
    with other content, which a retry cannot fix, is logged and counted as delivered)."""
    base = settings.LRS_FORWARD_URL.rstrip("/")
    request = urllib.request.Request(
        f"{base}/statements?statementId={quote(str(entry.statement_id))}",
        data=json.dumps(entry.payload).encode(),
        method="PUT",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic "
            + base64.b64encode(
                f"{settings.LRS_FORWARD_KEY}:{settings.LRS_FORWARD_SECRET}".encode()
            ).decode(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.LRS_FORWARD_TIMEOUT):
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            logger.warning("external LRS holds statement %s with other content", entry.statement_id)
            return
        raise


def outbox_flush(*, limit: int = 200) -> dict[str, int]:
    """Send due entries, each claimed by a conditional update so two workers never send
    the same one at once. Failures back off exponentially and stay in the outbox."""
    now = timezone.now()
    due = (
        OutboxEntry.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0}
    for pk in list(due):
        claimed = (
            OutboxEntry.objects.filter(pk=pk, sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if not claimed:
            continue
        entry = OutboxEntry.objects.get(pk=pk)
        try:
            send_one(entry)
        except (OSError, urllib.error.URLError) as exc:
            attempts = entry.attempts + 1
            delay = min(MAX_BACKOFF_SECONDS, 2**attempts)
            OutboxEntry.objects.filter(pk=pk).update(
                attempts=attempts,
                claimed_until=None,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
                last_error=str(exc)[:2000],
            )
            counts["failed"] += 1
            continue
        OutboxEntry.objects.filter(pk=pk).update(
            sent_at=timezone.now(), attempts=entry.attempts + 1, claimed_until=None, last_error=""
        )
        counts["sent"] += 1
    return counts
