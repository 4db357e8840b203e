from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import EstimatedCountPagination
from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.importers import Document
from incidents.importers.base import dump
from incidents.models import ImportBatch, RejectedRecord

from .serializers import (
    ImportAcceptedSerializer,
    ImportBatchSerializer,
    ImportInputSerializer,
    IncidentDetailSerializer,
    IncidentListSerializer,
    RejectedRecordSerializer,
)


class CanImportIncidents(BasePermission):
    message = "Only authors, managers and platform admins may import incidents."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return selectors.can_import(request.user)


class IncidentListCreateApi(generics.ListAPIView):
    """GET: incidents you may see, filtered. POST: import a batch of records.

    POST answers 202 with the batch id; a Celery task parses, validates and
    upserts the records in chunks. Follow it at `/api/v1/import-batches/{id}/`.
    Importing needs an author, manager or platform admin (token or session).
    """

    permission_classes = [CanImportIncidents]
    serializer_class = IncidentListSerializer
    filterset_class = IncidentFilter
    pagination_class = EstimatedCountPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.incident_list(user=self.request.user)

    @extend_schema(request=ImportInputSerializer, responses={202: ImportAcceptedSerializer})
    def post(self, request: Request) -> Response:
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        content = dump(data["records"]) if "records" in data else data["content"]
        batch = services.import_batch_create(
            format=data["format"],
            documents=[Document(data["name"], content)],
            created_by=request.user,
            source=data["source"],
            timezone=data["timezone"],
            mapping=data.get("mapping", ""),
            channel=ImportBatch.Channel.API,
        )
        return Response(ImportAcceptedSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class IncidentDetailApi(generics.RetrieveAPIView):
    serializer_class = IncidentDetailSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            selectors.incidents_visible_to(user=self.request.user)
            .select_related("team", "service")
            .prefetch_related("timeline", "action_items", "contributing_factors")
        )


class ImportBatchDetailApi(generics.RetrieveAPIView):
    """An import batch: status, progress, counts and the first rejected records."""

    serializer_class = ImportBatchSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.batch_list(user=self.request.user)


class ImportBatchRejectedApi(generics.ListAPIView):
    """Every rejected record of a batch, with its raw text and errors (paginated)."""

    serializer_class = RejectedRecordSerializer
    filterset_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RejectedRecord.objects.none()
        batch = get_object_or_404(
            selectors.batches_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )
        return selectors.batch_rejected(batch=batch)
