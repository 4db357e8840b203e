"""Writing OKRs through the API: the same rules as the pages (`metrics.okrs`)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.models import Team

from .. import okrs
from ..models import KeyResult, Objective
from .serializers import KeyResultSerializer, ObjectiveSerializer
from .views import CanSeeDashboards


class ObjectiveInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.SlugField(required=False, allow_null=True, default=None)
    starts_on = serializers.DateField()
    deadline = serializers.DateField()
    owner = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)


class KeyResultInSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    kpi_key = serializers.CharField(required=False, allow_blank=True, default="")
    statistic = serializers.CharField(required=False, default="value")
    scope = serializers.CharField(required=False, default="org")
    baseline_value = serializers.DecimalField(max_digits=18, decimal_places=6)
    target_value = serializers.DecimalField(max_digits=18, decimal_places=6)
    window_days = serializers.IntegerField(required=False, default=90, min_value=1, max_value=366)
    current_value = serializers.DecimalField(
        max_digits=18, decimal_places=6, required=False, allow_null=True, default=None
    )


def _objective(request: Request, objective: Objective | None) -> Objective:
    data = ObjectiveInSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    slug = fields.pop("team")
    team = get_object_or_404(Team, slug=slug) if slug else None
    return okrs.objective_save(user=request.user, objective=objective, team=team, **fields)


def _objective_out(objective: Objective) -> dict:  # type: ignore[type-arg]
    objective = Objective.objects.prefetch_related("key_results").get(pk=objective.pk)
    return ObjectiveSerializer(objective).data


class ObjectiveCreateApi(APIView):
    """POST: a new objective (managers: for a team they manage; authors: any or none)."""

    permission_classes = [CanSeeDashboards]
    schema_error_statuses = (404,)  # a team the caller may not see (config.schema)

    @extend_schema(request=ObjectiveInSerializer, responses={201: ObjectiveSerializer})
    def post(self, request: Request) -> Response:
        objective = _objective(request, None)
        return Response(_objective_out(objective), status=status.HTTP_201_CREATED)


class ObjectiveEditApi(APIView):
    """PUT: replace an objective's fields, if the caller may edit it."""

    permission_classes = [CanSeeDashboards]

    @extend_schema(request=ObjectiveInSerializer, responses=ObjectiveSerializer)
    def put(self, request: Request, pk: int) -> Response:
        objective = _objective(request, get_object_or_404(Objective, pk=pk))
        return Response(_objective_out(objective))


class KeyResultCreateApi(APIView):
    """POST: a key result of an objective the caller may edit, bound to any KPI."""

    permission_classes = [CanSeeDashboards]

    @extend_schema(request=KeyResultInSerializer, responses={201: KeyResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        objective = get_object_or_404(Objective, pk=pk)
        data = KeyResultInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = okrs.key_result_save(user=request.user, objective=objective, **data.validated_data)
        return Response(KeyResultSerializer(result).data, status=status.HTTP_201_CREATED)


class KeyResultEditApi(APIView):
    """PUT: replace a key result's fields."""

    permission_classes = [CanSeeDashboards]

    @extend_schema(request=KeyResultInSerializer, responses=KeyResultSerializer)
    def put(self, request: Request, pk: int, kr: int) -> Response:
        objective = get_object_or_404(Objective, pk=pk)
        key_result = get_object_or_404(KeyResult, pk=kr, objective=objective)
        data = KeyResultInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = okrs.key_result_save(
            user=request.user, objective=objective, key_result=key_result, **data.validated_data
        )
        return Response(KeyResultSerializer(result).data)
