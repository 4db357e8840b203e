from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org import access, selectors, services
from org.audit import Event, audit_event
from org.models import Membership, PeopleImport, User
from org.permissions import IsPlatformAdmin

from .serializers import (
    MeSerializer,
    PeopleImportInputSerializer,
    PeopleImportOutputSerializer,
    TeamSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from .throttles import CredentialsRateThrottle


class TokenCreateApi(APIView):
    """Exchange an email and password for an API token (the same token each time)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CredentialsRateThrottle]

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        if created:
            audit_event(event=Event.TOKEN_ISSUED, actor=token.user, request=request)
        return Response(TokenOutputSerializer({"token": token.key}).data)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = User.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team"))
        ).get(pk=request.user.pk)
        user.personas = sorted(access.personas(request.user))
        return Response(MeSerializer(user).data)


class TeamListApi(generics.ListAPIView):
    """Teams the caller manages (all teams for platform admins)."""

    serializer_class = TeamSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.team_list_for_user(user=self.request.user).prefetch_related("managers")


class PeopleImportCreateApi(APIView):
    """Create or update people and their team memberships in bulk (platform admins).

    Returns 202 with the import's id; a Celery task processes it. Invalid rows are
    kept on the import with their error.
    """

    permission_classes = [IsPlatformAdmin]

    @extend_schema(
        request=PeopleImportInputSerializer, responses={202: PeopleImportOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = PeopleImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.people_import_create(
            rows=serializer.validated_data["rows"], created_by=request.user
        )
        return Response(PeopleImportOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class PeopleImportDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsPlatformAdmin]
    serializer_class = PeopleImportOutputSerializer
    queryset = PeopleImport.objects.all()
