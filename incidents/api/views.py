from collections.abc import Iterable

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import EstimatedCountPagination
from config.parsers import SafeJSONParser
from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.importers.base import dump
from incidents.models import ImportBatch, RejectedRecord
from incidents.streaming import document_parts

from .body import SpooledBody, SpooledJSONParser, read_import_body, records_text
from .serializers import (
    MAX_RECORDS,
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
    # A JSON body is spooled to a file and read as a stream (incidents.api.body).
    parser_classes = [SpooledJSONParser, FormParser, MultiPartParser]
    serializer_class = IncidentListSerializer
    filterset_class = IncidentFilter
    pagination_class = EstimatedCountPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.incident_list(user=self.request.user)

    @extend_schema(request=ImportInputSerializer, responses={202: ImportAcceptedSerializer})
    def post(self, request: Request) -> Response:
        body = request.data
        if isinstance(body, SpooledBody):
            try:
                return self._post_spooled(request, body)
            finally:
                body.close()
        return self._post(request, request.data, None)

    def _post_spooled(self, request: Request, body: SpooledBody) -> Response:
        """A JSON body read from its spooled copy: the records are never all built."""
        read = read_import_body(body)
        if read is None:  # not an object: the serializer says what is wrong
            return self._post(request, SafeJSONParser().parse(body.rewind()), None)
        data = dict(read.fields)
        if read.record_count is not None:
            if read.record_count > MAX_RECORDS:
                raise ValidationError(
                    {"records": [f"Ensure this field has no more than {MAX_RECORDS} elements."]}
                )
            # Checked for presence and count here; each record by the import task.
            data["records"] = [{}] if read.record_count else []
        return self._post(request, data, body)

    def _post(self, request: Request, data: object, body: SpooledBody | None) -> Response:
        serializer = ImportInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "records" not in data:
            text: Iterable[str] = [data["content"]]
        elif body is not None:
            text = records_text(body)
        else:
            text = [dump(data["records"])]
        batch = services.import_batch_create(
            format=data["format"],
            # Stored in parts, so the worker reads the body a part at a time.
            documents=document_parts(data["name"], text, data["format"]),
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
