from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org import access, selectors, services, tokens
from org.audit import Event, audit_event
from org.models import Membership, PeopleImport, User
from org.permissions import IsPlatformAdmin

from .serializers import (
    MeSerializer,
    PeopleImportInputSerializer,
    PeopleImportOutputSerializer,
    TeamSerializer,
    TokenInputSerializer,
    TokenListOutputSerializer,
    TokenOutputSerializer,
)


class TokenCreateApi(APIView):
    """Exchange an email and password for a new API token.

    The key is shown once; it ends at `expiry` (TRELLIS_TOKEN_TTL_DAYS), when its owner
    revokes it, or when the owner's password changes. Failed attempts count towards the
    sign-in limits (per address and per account): past them the answer is 429.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema_error_statuses = (429,)  # the sign-in limits (config.schema)

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request: Request) -> Response:
        # The Django request, so the sign-in limits flag the request the middleware sees.
        serializer = TokenInputSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        instance, key = tokens.token_create(user=serializer.validated_data["user"])
        audit_event(event=Event.TOKEN_ISSUED, actor=instance.user, request=request)
        return Response(
            TokenOutputSerializer(
                {"token": key, "id": instance.token_key, "expiry": instance.expiry}
            ).data
        )


class TokenListApi(generics.ListAPIView):
    """The caller's own API tokens (never the keys: only their public prefix)."""

    serializer_class = TokenListOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return tokens.token_list_for_user(user=self.request.user)


class TokenRevokeApi(APIView):
    """Revoke one of the caller's own tokens by its id (the key's public prefix)."""

    @extend_schema(request=None, responses={204: None, 404: None})
    def delete(self, request: Request, token_id: str) -> Response:
        if not tokens.token_revoke(user=request.user, token_key=token_id):
            return Response({"detail": "No such token."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
