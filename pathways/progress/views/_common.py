"""What the progress views share: today, the safe next URL, CSV responses, the
warning about people already in an active cohort."""

import csv
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from ..selectors import Overlap

SOURCE_ABBREVIATIONS = {
    "assessment": "A",
    "certification": "C",
    "lab": "L",
    "incident_review": "IR",
    "code_review": "CR",
    "manager": "M",
    "peer": "P",
    "self": "S",
}


def _today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


def _next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def _csv_cell(value: object) -> object:
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(filename: str, header: list[str], rows: Iterable[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


OVERLAP_CHOICES = ("proceed", "skip")


def _overlap_warning(
    request: HttpRequest, overlaps: list[Overlap], *, target: str, back: str
) -> HttpResponse:
    """Name the people already in an active cohort and let the author proceed or skip
    them; the form posts back what was submitted, with the choice."""
    resubmit = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "on_overlap")
        for value in values
    ]
    context = {
        "overlaps": overlaps,
        "target": target,
        "resubmit": resubmit,
        "action": request.get_full_path(),
        "back": back,
    }
    return render(request, "progress/cohort_overlap_warning.html", context)


def _skipped_note(overlaps: list[Overlap]) -> str:
    names = ", ".join(o.person.full_name or o.person.email for o in overlaps)
    return f" Skipped {len(overlaps)} already in an active cohort: {names}."
