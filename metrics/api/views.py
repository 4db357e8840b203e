"""Read-only metrics API. Thin: parse the query string, ask `selectors`, serialise."""

from decimal import Decimal

from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import FailureMode, Severity
from org import access
from org.models import Team

from .. import external, outcome_figures, presenters, selectors, services, small_groups
from ..compute import PERIODS
from ..exceptions import MetricsError
from ..models import CohortSnapshot, KpiObservation, Objective
from ..registry import KPIS
from .serializers import (
    CohortOutcomesSerializer,
    CohortTrainingSerializer,
    ImpactSerializer,
    IncidentReportSerializer,
    KpiSerializer,
    ObjectiveSerializer,
    ObservationOutSerializer,
    ObservationPushResultSerializer,
    ObservationPushSerializer,
    StaggeredImpactSerializer,
)


class CanSeeDashboards(BasePermission):
    message = "Only managers, authors and admins may read metrics."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return access.is_manager(request.user) or access.is_author(request.user)


FILTER_PARAMETERS = [
    OpenApiParameter(
        "severity",
        OpenApiTypes.STR,
        description=f"One or more of {', '.join(Severity.values)} (repeat or comma-separate).",
    ),
    OpenApiParameter("ai_related", OpenApiTypes.STR, enum=["true", "false", "any"]),
    OpenApiParameter(
        "failure_mode",
        OpenApiTypes.STR,
        description=f"One or more of {', '.join(FailureMode.values)}.",
    ),
]


class KpiListApi(APIView):
    """The KPI registry: every figure, its unit, direction, definition and method."""

    permission_classes = [CanSeeDashboards]

    @extend_schema(responses=KpiSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([presenters.kpi_dict(k.key) for k in KPIS])


class IncidentKpiApi(APIView):
    """Incident KPIs per period for a scope: n, median, p90 and mean of each lifecycle
    duration (seconds), counts, rollback rate and cleanup hours, with the method.

    Managers may ask for their teams (`team:<slug>`, `teams:<slug>,<slug>`) and those
    teams' services; the organisation (`org`) and other teams need an author or admin.
    """

    permission_classes = [CanSeeDashboards]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                description="org, team:<slug>, teams:<slug>,<slug>… or service:<slug> "
                "(default org).",
            ),
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(PERIODS)),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First period: the one holding this day."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last period: the one holding this day."
            ),
            *FILTER_PARAMETERS,
        ],
        responses=IncidentReportSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        selectors.parameters_check(params, ("scope", *selectors.REPORT_PARAMETERS))
        scope = selectors.scope_for_user(user=request.user, text=params.get("scope", "org"))
        period = params.get("period", "week")
        first, last = selectors.dates_parse(
            period=period, date_from=params.get("from"), date_to=params.get("to")
        )
        report = selectors.incident_report(
            scope=scope,
            period=period,
            first=first,
            last=last,
            filters=selectors.filters_parse(params),
        )
        return Response(IncidentReportSerializer(presenters.report_dict(report)).data)


class ImpactApi(APIView):
    """Difference-in-differences of each incident KPI for a set of teams against all
    other teams, before and after a start date, with bootstrap intervals."""

    permission_classes = [CanSeeDashboards]
    schema_error_statuses = (404,)  # a team slug the caller may not see (config.schema)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "teams", OpenApiTypes.STR, required=True, description="Team slugs, comma-separated."
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("window", OpenApiTypes.INT, description="Days (default 90)."),
            *FILTER_PARAMETERS,
        ],
        responses=ImpactSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        teams = params.get("teams", "")
        scope = selectors.scope_for_user(user=request.user, text=f"teams:{teams}")
        start = selectors.date_parse(params.get("start"), "start")
        if start is None:
            raise MetricsError("start is required (YYYY-MM-DD).")
        try:
            window = int(params.get("window", 90))
        except ValueError:
            raise MetricsError("window is a number of days.") from None
        if not 7 <= window <= 364:
            raise MetricsError("window is between 7 and 364 days.")
        from ..impact import impact_for_teams  # numpy, only where used

        impact = impact_for_teams(
            team_ids=scope.team_ids or (),
            start=start,
            window_days=window,
            filters=selectors.filters_parse(params),
            today=timezone.localdate(),
        )
        slugs = dict(Team.objects.filter(pk__in=impact.team_ids).values_list("pk", "slug"))
        data = {
            "teams": [slugs[pk] for pk in impact.team_ids],
            "start": impact.start,
            "window_weeks": impact.window_weeks,
            "before": list(impact.before),
            "after": list(impact.after),
            "after_weeks_observed": impact.after_weeks_observed,
            "control_team_count": impact.control_team_count,
            "rows": impact.rows,
            "plain_words": impact.plain_words,
        }
        return Response(ImpactSerializer(data).data)


class CohortImpactApi(APIView):
    """Training impact across cohorts starting on different weeks (the impact view's
    staggered section): per incident KPI the overall, per-cohort and event-study effects
    with intervals, the placebo at an earlier fake start, and the minimum detectable
    effect. Managers get their teams estimated; authors and admins every trained team.
    Null when no such team's cohort has started."""

    permission_classes = [CanSeeDashboards]
    schema_nullable_success = True  # `null` before any cohort has started (config.schema)

    @extend_schema(
        parameters=[
            OpenApiParameter("window", OpenApiTypes.INT, description="Days (default 90)."),
            *FILTER_PARAMETERS,
        ],
        responses=StaggeredImpactSerializer,
    )
    def get(self, request: Request) -> Response | JsonResponse:
        params = request.query_params
        selectors.parameters_check(params, ("window", "severity", "ai_related", "failure_mode"))
        try:
            window = int(params.get("window", 90))
        except ValueError:
            raise MetricsError("window is a number of days.") from None
        if not 7 <= window <= 364:
            raise MetricsError("window is between 7 and 364 days.")
        from ..cohort_impact import as_data, staggered_impact  # numpy, only where used

        impact = staggered_impact(
            estimated_team_ids=selectors.estimated_team_ids(request.user),
            today=timezone.localdate(),
            window_days=window,
            filters=selectors.filters_parse(params),
        )
        if impact is None:  # the JSON `null`, not an empty body
            return JsonResponse(None, safe=False)
        return Response(StaggeredImpactSerializer(as_data(impact)).data)


class ObjectiveListApi(generics.ListAPIView):
    """Objectives and their key results, with the latest measured value and progress."""

    permission_classes = [CanSeeDashboards]
    serializer_class = ObjectiveSerializer
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # the schema has no user to ask about
            return Objective.objects.none()
        return selectors.objectives_for_user(user=self.request.user)


class CohortTrainingApi(APIView):
    """A cohort's training figures (from its latest snapshot): progress by phase,
    status counts, completion by role, skills against the minimum in force, training
    KPIs and the at-risk learners the caller may see by name."""

    permission_classes = [CanSeeDashboards]
    schema_error_statuses = (404,)  # a cohort the caller may not see (config.schema)

    @extend_schema(
        parameters=[OpenApiParameter("cohort", OpenApiTypes.INT, required=True)],
        responses=CohortTrainingSerializer,
    )
    def get(self, request: Request) -> Response:
        try:
            cohort_id = int(request.query_params.get("cohort", ""))
        except ValueError:
            raise MetricsError("cohort is the id of a cohort.") from None
        cohort = selectors.cohort_for_user(user=request.user, cohort_id=cohort_id)
        snapshot = CohortSnapshot.objects.filter(cohort=cohort).first()
        if services.cohort_snapshot_refresh_requested(cohort_id=cohort.pk, snapshot=snapshot):
            snapshot = CohortSnapshot.objects.filter(cohort=cohort).first()
        data = snapshot.data if snapshot else {}
        at_risk, _ = selectors.at_risk_visible(user=request.user, rows=data.get("at_risk", []))
        shown = (
            data
            if small_groups.viewer_sees_everyone(user=request.user, cohort_id=cohort.pk)
            else small_groups.suppress(data)
        )
        scope = selectors.cohort_scope(user=request.user, team_ids=data.get("team_ids", []))
        report = None
        today = timezone.localdate()
        if scope is not None and cohort.start_date <= today:
            report = selectors.incident_report(
                scope=scope, period="week", first=cohort.start_date, last=today, with_method=False
            )
        body = {
            "cohort": {"id": cohort.pk, "name": cohort.name, "start_date": cohort.start_date},
            "computed_at": snapshot.computed_at if snapshot else None,
            "day": data.get("day"),
            "learners": data.get("learners", 0),
            "status_counts": data.get("status_counts", {}),
            "phases": data.get("phases", []),
            "roles": shown.get("roles", []),
            "heatmap": shown.get("heatmap", []),
            "kpis": selectors.training_kpis(data=data, report=report, since=cohort.start_date),
            "at_risk_total": data.get("at_risk_total", 0),
            "at_risk": at_risk,
        }
        return Response(CohortTrainingSerializer(body).data)


class KpiObservationsApi(APIView):
    """Observations of a KPI fed from outside Trellis (family "external").

    POST stores numeric observations; each is kept once per (source, timestamp), so
    pushing the same batch again changes nothing. A manager may push for the teams they
    manage; authors and admins for any team or none (organisation-wide).
    GET lists the latest observations (at most 500), newest first.
    """

    permission_classes = [CanSeeDashboards]

    @extend_schema(responses=ObservationOutSerializer(many=True))
    def get(self, request: Request, key: str) -> Response:
        rows = KpiObservation.objects.filter(kpi_key=key).select_related("team")
        if not (access.is_author(request.user) or access.is_admin(request.user)):
            rows = rows.filter(team__in=access.teams_managed_by(request.user))
        rows = rows.order_by("-observed_at")[:500]
        return Response(ObservationOutSerializer(rows, many=True).data)

    @extend_schema(request=ObservationPushSerializer, responses=ObservationPushResultSerializer)
    def post(self, request: Request, key: str) -> Response:
        data = ObservationPushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = None
        slug = data.validated_data["team"]
        if slug:
            teams = Team.objects.all()
            if not (access.is_author(request.user) or access.is_admin(request.user)):
                teams = access.teams_managed_by(request.user)
            team = teams.filter(slug=slug).first()
            if team is None:
                raise MetricsError(f"No team {slug!r} you may report for.")
        elif not (access.is_author(request.user) or access.is_admin(request.user)):
            raise MetricsError("A manager reports observations for one of their teams.")
        result = external.observations_record(
            kpi_key=key,
            source=data.validated_data["source"],
            points=[(o["at"], o["value"]) for o in data.validated_data["observations"]],
            team=team,
        )
        return Response({"kpi": key, "received": result.received, "stored": result.stored})


class CohortOutcomesApi(APIView):
    """The outcome KPIs of a cohort's pathways, measured for the cohort's teams that the
    caller may see: baseline (the weeks before the start), current (since the start),
    target, progress to target, n of each, the method and a small-sample flag. The
    figures the worker stored when rollups last changed (`stored`, `computed_at`), or
    computed for this request when none fit (`stored` false)."""

    permission_classes = [CanSeeDashboards]

    @extend_schema(responses={200: CohortOutcomesSerializer})
    def get(self, request: Request, pk: int) -> Response:
        cohort = selectors.cohort_for_user(user=request.user, cohort_id=pk)
        scope = selectors.cohort_scope(
            user=request.user, team_ids=outcome_figures.cohort_team_ids(cohort)
        )
        if scope is None:
            return Response(
                {
                    "cohort": cohort.pk,
                    "teams": [],
                    "stored": False,
                    "computed_at": None,
                    "outcomes": [],
                }
            )
        figures = outcome_figures.cohort_outcomes_for(
            cohort=cohort, scope=scope, today=timezone.localdate()
        )
        rows = figures.rows
        return Response(
            {
                "cohort": cohort.pk,
                "teams": scope.label,
                "stored": figures.stored,
                "computed_at": figures.computed_at,
                "outcomes": [
                    {
                        **row.as_dict(),
                        **{
                            k: (str(v) if isinstance(v, Decimal) else v)
                            for k, v in row.as_dict().items()
                            if k in ("baseline", "current", "target")
                        },
                    }
                    for row in rows
                ],
            }
        )
