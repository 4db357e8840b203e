"""What an attempt's page and API call a question's own choice or item ids."""

from typing import Any

from assessments import opaque
from assessments.models import Attempt


def public(attempt: Attempt | int, question: Any, own: Any) -> Any:
    """`own` ("a", or a list of ids) as the attempt shows it."""
    pk = attempt if isinstance(attempt, int) else attempt.pk
    layout = Attempt.objects.get(pk=pk).layout
    return opaque.to_public(layout, getattr(question, "pk", question), own)
