"""Names every assessments service module shares: limits, the attempt status, `_clean`."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

from ..exceptions import AssessmentError
from ..models import Assessment, Attempt

Status = Attempt.Status
Kind = Assessment.Kind
MAX_ANSWER_CHARS = 4000
MAX_SUBMISSION_CHARS = 50_000
# Answers that arrive this soon after the deadline still count (request latency).
DEADLINE_GRACE = timedelta(seconds=2)
CENT = Decimal("0.01")
# Database errors worth retrying: the connection dropped, a lock timed out.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise AssessmentError(
            "; ".join(
                f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                for k, v in exc.message_dict.items()
            )
        ) from exc
