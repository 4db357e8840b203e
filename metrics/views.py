"""Dashboards (HTML). Thin: parse the request, ask `selectors`, render.

Every page reads rollups and snapshots only; its number of queries does not depend
on how many incidents or people are behind it.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from config.replica import replica_reads
from org import access
from org.models import Persona
from org.permissions import persona_required

from . import (
    fragments,
    impact_charts,
    okr_stamp,
    outcome_figures,
    presenters,
    selectors,
    services,
    small_groups,
)
from .compute import RateSummary
from .exceptions import MetricsError
from .forms import ImpactForm, IncidentFilterForm
from .models import CohortSnapshot
from .registry import DURATION_KPIS, REGISTRY

# The dashboards home is the manager's landing page; authors (L&D) reach the team,
# impact, OKR and programme pages directly.
DASHBOARD_PERSONAS = (Persona.MANAGER, Persona.AUTHOR)


@replica_reads
@persona_required(Persona.MANAGER)
def home(request: HttpRequest) -> HttpResponse:
    """Each cohort and team the manager may see with its headline numbers (a fixed
    number of queries whatever their number), then the other dashboards."""
    today = timezone.localdate()
    cohorts, teams = selectors.dashboard_overview(user=request.user, today=today)
    first, middle, end = selectors.trend_windows(today)
    return render(
        request,
        "metrics/home.html",
        {
            "cohort_rows": cohorts,
            "team_rows": teams,
            "trend_window": {"first": first, "middle": middle, "last": end - dt.timedelta(days=1)},
            "trend_weeks": selectors.TREND_WEEKS,
            "can_see_program": selectors.may_see_everything(request.user),
            "services": selectors.services_for_user(user=request.user),
            "rollups": selectors.rollup_status(),
        },
    )


def _report_from_request(
    request: HttpRequest,
    scope: selectors.Scope,
    *,
    period: str = "week",
    date_from: dt.date | None = None,
) -> dict[str, Any]:
    """The report a dashboard's GET parameters ask for; bad parameters fall back to the
    defaults (given) with a message."""
    params = request.GET
    form = IncidentFilterForm(params or None)
    try:
        selectors.parameters_check(params)
    except MetricsError as exc:
        messages.error(request, f"{exc} It was not applied.")
        params = params.copy()
        for name in set(params) - set(selectors.REPORT_PARAMETERS):
            params.pop(name)
        form = IncidentFilterForm(params or None)
    try:
        period = params.get("period") or period
        first, last = selectors.dates_parse(
            period=period,
            date_from=params.get("from") or date_from,
            date_to=params.get("to"),
        )
        filters = selectors.filters_parse(params)
    except MetricsError as exc:
        messages.error(request, str(exc))
        form = IncidentFilterForm()
        period, filters = "week", selectors.Filters()
        first, last = selectors.dates_parse(period=period, date_from=date_from, date_to=None)
    report = selectors.incident_report(
        scope=scope, period=period, first=first, last=last, filters=filters
    )
    note = ""
    chosen = params.get("from") or params.get("to") or date_from
    if not chosen and not report.total.incident_count and period != "all":
        # Nothing recent: show the same number of periods up to the latest incident.
        latest = selectors.latest_incident_day(scope=scope, filters=filters)
        if latest is not None and latest < first:
            count = len(report.periods)
            first, last = selectors.dates_parse(period=period, date_from=None, date_to=latest)
            first = max(first, selectors.periods_back(latest, period, count))
            report = selectors.incident_report(
                scope=scope, period=period, first=first, last=last, filters=filters
            )
            note = (
                f"No incidents in the last {count} {period}s: showing the {count} {period}s "
                f"up to the latest one ({latest:%Y-%m-%d})."
            )
    return {"form": form, "report": report, "range_note": note}


def _incident_panel(
    request: HttpRequest,
    scope: selectors.Scope,
    *,
    csv_url: str,
    marker: dt.date | None = None,
    period: str = "week",
    date_from: dt.date | None = None,
) -> dict[str, Any]:
    """Context of the incident panel (figures, charts, distributions) for a scope."""
    context = _report_from_request(request, scope, period=period, date_from=date_from)
    report = context["report"]
    label = None
    if marker is not None:
        label = next((p.label for p in report.periods if p.start <= marker < p.end), None)
    charts = {"count": presenters.count_chart(report, marker=label)}
    for kpi in DURATION_KPIS:
        charts[f"{kpi.key}_trend"] = presenters.trend_chart(report, kpi.key, marker=label)
        charts[f"{kpi.key}_histogram"] = presenters.histogram_chart(report, kpi.key)
    query = request.GET.urlencode()
    context.update(
        {
            "scope": scope,
            "charts": charts,
            "duration_kpis": DURATION_KPIS,
            "distributions": presenters.distribution_rows(report),
            "csv_url": f"{csv_url}?{query}" if query else csv_url,
            "marker": marker if label else None,
            "partial": bool(request.headers.get("HX-Request")),
        }
    )
    return context


def _scope_dashboard(request: HttpRequest, text: str, csv_url: str) -> HttpResponse:
    """The incident dashboard of a scope (team, service, organisation): one template."""
    scope = selectors.scope_for_user(user=request.user, text=text)
    services.rollups_refresh_requested()
    context = _incident_panel(request, scope, csv_url=csv_url)
    template = (
        "metrics/_incident_panel.html" if context["partial"] else "metrics/team_incidents.html"
    )
    return render(request, template, context)


def _scope_csv(request: HttpRequest, text: str, name: str) -> HttpResponse:
    """The dashboard's figures as CSV; an unknown parameter is a 400, not a default."""
    scope = selectors.scope_for_user(user=request.user, text=text)
    try:
        selectors.parameters_check(request.GET)
        period = request.GET.get("period") or "week"
        first, last = selectors.dates_parse(
            period=period, date_from=request.GET.get("from"), date_to=request.GET.get("to")
        )
        filters = selectors.filters_parse(request.GET)
    except MetricsError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    report = selectors.incident_report(
        scope=scope, period=period, first=first, last=last, filters=filters
    )
    response = HttpResponse(presenters.csv_text(report), content_type="text/csv; charset=utf-8")
    name = f"incident-kpis-{name}-{report.period}-{report.first}-{report.last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def team_incidents(request: HttpRequest, slug: str) -> HttpResponse:
    return _scope_dashboard(
        request, f"team:{slug}", reverse("metrics:team_incidents_csv", args=[slug])
    )


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def team_incidents_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _scope_csv(request, f"team:{slug}", slug)


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def org_incidents(request: HttpRequest) -> HttpResponse:
    return _scope_dashboard(request, "org", reverse("metrics:org_incidents_csv"))


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def org_incidents_csv(request: HttpRequest) -> HttpResponse:
    return _scope_csv(request, "org", "org")


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def service_incidents(request: HttpRequest, slug: str) -> HttpResponse:
    return _scope_dashboard(
        request, f"service:{slug}", reverse("metrics:service_incidents_csv", args=[slug])
    )


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def service_incidents_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _scope_csv(request, f"service:{slug}", f"service-{slug}")


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def impact(request: HttpRequest) -> HttpResponse:
    choices = [
        (value.split(":", 1)[1], label)
        for value, label in selectors.scopes_for_user(user=request.user)
        if value.startswith("team:")
    ]
    # numpy (behind both estimators) is imported by the pages that use it, not at start-up.
    from .cohort_impact import staggered_impact
    from .impact import impact_for_teams

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
    window = form.cleaned_data["window_days"] if form.is_bound and form.is_valid() else 90
    cohorts = staggered_impact(
        estimated_team_ids=selectors.estimated_team_ids(request.user),
        today=timezone.localdate(),
        window_days=window,
    )
    charts = [
        {
            "row": row,
            "event_study": impact_charts.event_study_svg(row),
            "forest": impact_charts.forest_svg(row),
            "effect": impact_charts.value_text(row.result.overall.estimate, row.unit),
            "interval": impact_charts.interval_text(row.result.overall, row.unit),
            "placebo": impact_charts.interval_text(row.placebo.overall, row.unit, estimate=True),
        }
        for row in (cohorts.rows if cohorts else [])
    ]
    return render(
        request,
        "metrics/impact.html",
        {"form": form, "impact": result, "cohorts": cohorts, "charts": charts},
    )


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def okrs(request: HttpRequest) -> HttpResponse:
    from . import okrs as okr_rules

    objectives = list(selectors.objectives_for_user(user=request.user))
    editable = {o.pk for o in objectives if okr_rules.may_edit(request.user, o)}
    return render(
        request,
        "metrics/okrs.html",
        {
            "objectives": objectives,
            "registry": REGISTRY,
            "editable": editable,
            "may_create": okr_rules.may_create(request.user),
        },
    )


@replica_reads
@persona_required(Persona.AUTHOR)
def program(request: HttpRequest) -> HttpResponse:
    """The L&D programme view: the 90-day metrics table with owners and directions."""
    access.require(selectors.may_see_everything(request.user))
    cohorts, rows = selectors.program_table(today=timezone.localdate())
    return render(request, "metrics/program.html", {"rows": rows, "cohorts": cohorts})


# --- cohorts ------------------------------------------------------------------------

COHORT_TREND_WEEKS_BEFORE = 13


def _cohort_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The cohort the viewer may see, its snapshot as they may see it and the scope of
    its teams they may see: two queries for a manager (`selectors.cohort_view_for_user`)."""
    view = selectors.cohort_view_for_user(user=request.user, cohort_id=pk)
    snapshot = view.snapshot
    if services.cohort_snapshot_refresh_requested(cohort_id=pk, snapshot=snapshot):
        # Without a broker the refresh has already run; with one this is the old row.
        snapshot = CohortSnapshot.objects.filter(cohort_id=pk).first()
    data = snapshot.data if snapshot else {}
    scope = selectors.cohort_scope(
        user=request.user, team_ids=data.get("team_ids", []), managed=view.managed_teams
    )
    shown = data if view.sees_everyone else small_groups.suppress(data)
    # `data` as shown (small groups merged or hidden); KPIs over the whole cohort use `all_data`.
    return {
        "cohort": view.cohort,
        "snapshot": snapshot,
        "data": shown,
        "all_data": data,
        "sees_everyone": view.sees_everyone,
        "scope": scope,
        "managed_teams": view.managed_teams,
    }


# The parts of the cohort dashboard kept in the cache (`metrics.fragments`), with the
# templates each is rendered from.
TRAINING_PARTS = ("metrics/_cohort_progress.html", "metrics/_cohort_skills.html")
INCIDENT_PARTS = (
    "metrics/_incident_filters.html",
    "metrics/_incident_panel.html",
    "metrics/_method.html",
)
IMPACT_PARTS = ("metrics/_impact_table.html",)
OUTCOME_PARTS = ("metrics/_cohort_outcomes.html", "metrics/_outcome_table.html")
OKR_PARTS = ("metrics/_okr_progress.html", "metrics/_objective.html")


def _training_part(context: dict[str, Any]) -> fragments.Part:
    """The progress and skills panels of the snapshot as the viewer may see it: the
    same for every viewer of this snapshot who sees (or not) every member."""
    snapshot = context["snapshot"]

    def build() -> dict[str, str]:
        data = context["data"]
        charts = presenters.training_charts(data)
        return {
            "progress_html": render_to_string(
                TRAINING_PARTS[0], {"data": data, "training_charts": charts}
            ),
            "skills_html": render_to_string(TRAINING_PARTS[1], {"data": data}),
        }

    parts = (
        snapshot.pk,
        snapshot.computed_at,
        context["sees_everyone"],
        settings.METRICS_MIN_GROUP_SIZE,
    )
    return fragments.Part("cohort-training", TRAINING_PARTS, parts, build)


def _incident_part(
    request: HttpRequest, scope: selectors.Scope, cohort: Any, rollups: Any, **panel: Any
) -> fragments.Part:
    """The incident filters and panel as first shown (no parameters), and the governance
    coverage since the cohort started (a training KPI), for these teams."""

    def build() -> dict[str, Any]:
        context = _incident_panel(request, scope, **panel)
        governance = selectors.governance_since(context["report"], cohort.start_date)
        html = render_to_string(INCIDENT_PARTS[0], {**context, "request": request})
        return {"html": html, "governance": (governance.count, governance.n)}

    parts = (request.path, scope.team_ids, cohort.start_date, timezone.localdate(), rollups)
    return fragments.Part("cohort-incidents", INCIDENT_PARTS, parts, build)


def _impact_part(
    scope: selectors.Scope, cohort: Any, rollups: Any, today: dt.date
) -> fragments.Part:
    """The before/after comparison of these teams with all the others."""

    def build() -> str:
        from .impact import impact_for_teams  # numpy, only where used

        impact = impact_for_teams(
            team_ids=scope.team_ids or (), start=cohort.start_date, window_days=90, today=today
        )
        return render_to_string(IMPACT_PARTS[0], {"impact": impact})

    parts = (scope.team_ids, cohort.start_date, today, rollups)
    return fragments.Part("cohort-impact", IMPACT_PARTS, parts, build)


def _outcomes_part(figures: outcome_figures.OutcomeFigures) -> fragments.Part:
    """The outcome table, keyed by the figures themselves (read or computed first)."""
    parts = (repr(figures),)
    return fragments.Part(
        "cohort-outcomes",
        OUTCOME_PARTS,
        parts,
        lambda: render_to_string(OUTCOME_PARTS[0], {"outcome_figures": figures}),
    )


def _okr_part(user: Any) -> fragments.Part:
    """OKR progress: organisation-wide objectives, the same for every viewer who may
    see them (asked here, for this viewer), checked against the OKR stamp."""
    objectives = selectors.objectives_for_user(user=user)
    return fragments.Part(
        "cohort-okrs",
        OKR_PARTS,
        (),
        lambda: render_to_string(OKR_PARTS[0], {"objectives": objectives}),
        stamp=okr_stamp.OKRS,
    )


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def cohort_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's view of a cohort: training progress and the incident KPIs of its
    teams before and after it started. Reads the cohort with its snapshot, the scope,
    the visible at-risk learners, the rollups' version and the stored outcome figures;
    the parts every viewer of the same figures sees alike come from the cache, all in
    one round trip."""
    context = _cohort_context(request, pk)
    cohort, scope, snapshot = context["cohort"], context["scope"], context["snapshot"]
    trend_from = cohort.start_date - dt.timedelta(weeks=COHORT_TREND_WEEKS_BEFORE)
    today = timezone.localdate()
    data = context["data"]
    managed = context.pop("managed_teams")
    at_risk, hidden = selectors.at_risk_visible(
        user=request.user,
        rows=data.get("at_risk", []),
        managed_team_ids=None if managed is None else [t[0] for t in managed],
    )
    parts = {"okrs_html": _okr_part(request.user)}
    if snapshot is not None:
        parts["training"] = _training_part(context)
    governance = None
    if scope is not None:
        rollups, sweep_due = fragments.rollups_version()
        if sweep_due and services.rollups_refresh_requested():
            # Without a broker the sweep has just run: the rollups may have changed.
            rollups, _ = fragments.rollups_version()
        panel = {
            "csv_url": reverse("metrics:cohort_incidents_csv", args=[pk]),
            "marker": cohort.start_date,
            "date_from": trend_from,
        }
        if request.GET or request.headers.get("HX-Request"):
            # Filters (or a parameter to report as wrong): computed for this request.
            context.update(_incident_panel(request, scope, **panel))
            if context["partial"]:
                return render(request, "metrics/_incident_panel.html", context)
            governance = selectors.governance_since(context["report"], cohort.start_date)
        else:
            parts["incidents"] = _incident_part(request, scope, cohort, rollups, **panel)
        if cohort.start_date <= today:
            parts["impact_html"] = _impact_part(scope, cohort, rollups, today)
        figures = outcome_figures.cohort_outcomes_for(cohort=cohort, scope=scope, today=today)
        parts["outcomes_html"] = _outcomes_part(figures)
    values = fragments.cached_many(parts)
    if "training" in values:
        context.update({name: mark_safe(html) for name, html in values.pop("training").items()})
    if "incidents" in values:
        incidents = values.pop("incidents")
        context["incidents_html"] = mark_safe(incidents["html"])
        count, n = incidents["governance"]
        governance = RateSummary(count=count, n=n)
    context.update({name: mark_safe(html) for name, html in values.items()})
    context.update(
        {
            "at_risk": at_risk,
            # the nudge (notifications) is a manager's; it checks who they may see itself
            "can_nudge": access.is_manager(request.user),
            "at_risk_hidden": hidden + data.get("at_risk_total", 0) - len(data.get("at_risk", [])),
            "training_kpis": selectors.training_kpis(
                data=context["all_data"], report=None, governance=governance
            ),
        }
    )
    return render(request, "metrics/cohort.html", context)


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def cohort_incidents_csv(request: HttpRequest, pk: int) -> HttpResponse:
    context = _cohort_context(request, pk)
    if context["scope"] is None:
        raise Http404("None of this cohort's teams is yours.")
    cohort = context["cohort"]
    report = _report_from_request(
        request,
        context["scope"],
        date_from=cohort.start_date - dt.timedelta(weeks=COHORT_TREND_WEEKS_BEFORE),
    )["report"]
    response = HttpResponse(presenters.csv_text(report), content_type="text/csv; charset=utf-8")
    name = f"cohort-{pk}-incident-kpis-{report.period}-{report.first}-{report.last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@replica_reads
@persona_required(*DASHBOARD_PERSONAS)
def cohort_training_csv(request: HttpRequest, pk: int) -> HttpResponse:
    context = _cohort_context(request, pk)
    text = presenters.csv_from_rows(presenters.training_csv_rows(context["data"]))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohort-{pk}-training.csv"'
    return response
