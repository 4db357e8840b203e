"""Dashboards (HTML). Thin: parse the request, ask `selectors`, render.

Every page reads rollups and snapshots only; its number of queries does not depend
on how many incidents or people are behind it.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from org import access
from org import selectors as org_selectors
from org.models import Persona, Team
from org.permissions import persona_required

from . import presenters, selectors, services
from .exceptions import MetricsError
from .forms import ImpactForm, IncidentFilterForm
from .impact import impact_for_teams
from .registry import DURATION_KPIS, PROGRAM_METRICS, REGISTRY

# The dashboards home is the manager's landing page; authors (L&D) reach the team,
# impact, OKR and programme pages directly.
DASHBOARD_PERSONAS = (Persona.MANAGER, Persona.AUTHOR)


@persona_required(Persona.MANAGER)
def home(request: HttpRequest) -> HttpResponse:
    if selectors.may_see_everything(request.user):
        teams = Team.objects.all()
    else:
        teams = org_selectors.team_list_for_user(user=request.user)
    return render(
        request,
        "metrics/home.html",
        {
            "teams": teams,
            "can_see_program": selectors.may_see_everything(request.user),
            "rollups": selectors.rollup_status(),
        },
    )


def _report_from_request(request: HttpRequest, scope: selectors.Scope) -> dict[str, Any]:
    """The report a dashboard's GET parameters ask for; bad parameters fall back to the
    defaults with a message."""
    params = request.GET
    form = IncidentFilterForm(params or None)
    try:
        period = params.get("period") or "week"
        first, last = selectors.dates_parse(
            period=period, date_from=params.get("date_from"), date_to=params.get("date_to")
        )
        filters = selectors.filters_parse(params)
    except MetricsError as exc:
        messages.error(request, str(exc))
        form = IncidentFilterForm()
        period, filters = "week", selectors.Filters()
        first, last = selectors.dates_parse(period=period, date_from=None, date_to=None)
    report = selectors.incident_report(
        scope=scope, period=period, first=first, last=last, filters=filters
    )
    return {"form": form, "report": report}


@persona_required(*DASHBOARD_PERSONAS)
def team_incidents(request: HttpRequest, slug: str) -> HttpResponse:
    scope = selectors.scope_for_user(user=request.user, text=f"team:{slug}")
    services.rollups_refresh_requested()
    context = _report_from_request(request, scope)
    report = context["report"]
    charts = {"count": presenters.count_chart(report)}
    for kpi in DURATION_KPIS:
        charts[f"{kpi.key}_trend"] = presenters.trend_chart(report, kpi.key)
        charts[f"{kpi.key}_histogram"] = presenters.histogram_chart(report, kpi.key)
    context.update(
        {
            "scope": scope,
            "charts": charts,
            "duration_kpis": DURATION_KPIS,
            "distributions": presenters.distribution_rows(report),
            "csv_query": request.GET.urlencode(),
        }
    )
    context["partial"] = bool(request.headers.get("HX-Request"))
    template = (
        "metrics/_incident_panel.html" if context["partial"] else "metrics/team_incidents.html"
    )
    return render(request, template, context)


@persona_required(*DASHBOARD_PERSONAS)
def team_incidents_csv(request: HttpRequest, slug: str) -> HttpResponse:
    scope = selectors.scope_for_user(user=request.user, text=f"team:{slug}")
    report = _report_from_request(request, scope)["report"]
    response = HttpResponse(presenters.csv_text(report), content_type="text/csv; charset=utf-8")
    name = f"incident-kpis-{slug}-{report.period}-{report.first}-{report.last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@persona_required(*DASHBOARD_PERSONAS)
def impact(request: HttpRequest) -> HttpResponse:
    choices = [
        (value.split(":", 1)[1], label)
        for value, label in selectors.scopes_for_user(user=request.user)
        if value.startswith("team:")
    ]
    form = ImpactForm(request.GET or None, team_choices=choices)
    result = None
    if form.is_valid():
        scope = selectors.scope_for_user(
            user=request.user, text="teams:" + ",".join(form.cleaned_data["teams"])
        )
        result = impact_for_teams(
            team_ids=scope.team_ids or (),
            start=form.cleaned_data["start"],
            window_days=form.cleaned_data["window_days"],
            today=timezone.localdate(),
        )
    return render(request, "metrics/impact.html", {"form": form, "impact": result})


@persona_required(*DASHBOARD_PERSONAS)
def okrs(request: HttpRequest) -> HttpResponse:
    objectives = selectors.objectives_for_user(user=request.user)
    return render(request, "metrics/okrs.html", {"objectives": objectives, "registry": REGISTRY})


@persona_required(Persona.AUTHOR)
def program(request: HttpRequest) -> HttpResponse:
    """The L&D programme view: the 90-day metrics table with owners and directions."""
    access.require(selectors.may_see_everything(request.user))
    today = timezone.localdate()
    report = selectors.incident_report(
        scope=selectors.scope_parse("org"),
        period="week",
        first=today - dt.timedelta(days=89),
        last=today,
        filters=selectors.Filters(ai_related=True),
    )
    rows = selectors.program_rows(report=report)
    return render(
        request,
        "metrics/program.html",
        {"rows": rows, "report": report, "program_metrics": PROGRAM_METRICS},
    )
