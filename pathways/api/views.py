"""Curriculum API: thin views over the same selectors and services as the HTML pages.

Everyone signed in may read published pathways, roles and skills; authors may write.
Learners see the version they are enrolled on, else the latest published one; authors
may ask for any version with `?version=`.
"""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org import access
from org.permissions import IsAuthorOrReadOnly
from pathways import selectors, services
from pathways.exceptions import PathwayError
from pathways.models import Module, Pathway, Role, RoleSkill, Skill

from . import serializers as s

VERSION_PARAM = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    description="A specific version (authors: any; others: published or archived ones).",
)


def _draft(slug: str) -> Pathway:
    if not Pathway.objects.filter(slug=slug).exists():
        raise Http404("No such pathway.")
    draft = Pathway.objects.filter(slug=slug, status=Pathway.Status.DRAFT).first()
    if draft is None:
        raise PathwayError(
            f"{slug} has no draft: POST /api/v1/pathways/{slug}/drafts/ to start one."
        )
    return draft


def _detail(request: Request, pathway: Pathway, code: int = status.HTTP_200_OK) -> Response:
    full = selectors.pathway_for_viewer(
        user=request.user, slug=pathway.slug, version=pathway.version
    )
    enrollment = selectors.enrollment_for(user=request.user, slug=pathway.slug)
    data = s.PathwayDetailOutputSerializer(full, context={"enrollment": enrollment}).data
    return Response(data, status=code)


class PathwayListApi(generics.ListAPIView):
    permission_classes = [IsAuthorOrReadOnly]
    serializer_class = s.PathwayListOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        role = self.request.query_params.get("role") or None
        wanted = self.request.query_params.get("status")
        if wanted and access.is_author(self.request.user):
            return selectors.pathway_versions_with_status(status=wanted, role_slug=role)
        return selectors.pathway_catalogue(role_slug=role)

    @extend_schema(
        parameters=[
            OpenApiParameter("role", OpenApiTypes.STR, description="Only this role's pathways."),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["draft", "published", "archived"],
                description="Authors: every version with this status instead of the catalogue.",
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        """The catalogue: the latest published version of each pathway."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.PathwayCreateInputSerializer, responses={201: s.PathwayDetailOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        """Create a pathway: version 1, a draft."""
        serializer = s.PathwayCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pathway = services.pathway_create(**serializer.validated_data, by=request.user)
        return _detail(request, pathway, status.HTTP_201_CREATED)


class PathwayDetailApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(parameters=[VERSION_PARAM], responses=s.PathwayDetailOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        raw = request.query_params.get("version")
        if raw is not None and not raw.isdigit():
            raise Http404("No such version.")
        pathway = selectors.pathway_for_viewer(
            user=request.user, slug=slug, version=int(raw) if raw else None
        )
        if pathway is None:
            raise Http404("No such pathway.")
        enrollment = selectors.enrollment_for(user=request.user, slug=slug)
        return Response(
            s.PathwayDetailOutputSerializer(pathway, context={"enrollment": enrollment}).data
        )

    @extend_schema(
        request=s.PathwayUpdateInputSerializer, responses=s.PathwayDetailOutputSerializer
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Change the draft's details (published versions are frozen)."""
        draft = _draft(slug)
        serializer = s.PathwayUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "title": draft.title,
            "kind": draft.kind,
            "role": draft.role,
            "duration_weeks": draft.duration_weeks,
            "primary_goal": draft.primary_goal,
            "summary": draft.summary,
            "change_note": draft.change_note,
        }
        services.pathway_update(pathway=draft, **{**current, **serializer.validated_data})
        return _detail(request, draft)


class PathwayDraftApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=None, responses={201: s.PathwayDetailOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        """The draft to edit: the existing one, or a copy of the newest version as n+1."""
        latest = Pathway.objects.filter(slug=slug).order_by("-version").first()
        if latest is None:
            raise Http404("No such pathway.")
        draft = services.pathway_create_draft(pathway=latest, by=request.user)
        return _detail(request, draft, status.HTTP_201_CREATED)


class PathwayPublishApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=None, responses=s.PathwayDetailOutputSerializer)
    def post(self, request: Request, slug: str) -> Response:
        """Publish the draft; the version it replaces is archived."""
        pathway = services.pathway_publish(pathway=_draft(slug))
        return _detail(request, pathway)


class PathwayEnrolApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={201: s.EnrollmentOutputSerializer, 200: s.EnrollmentOutputSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Enrol the caller on the latest published version; 200 if already enrolled."""
        pathway = (
            Pathway.objects.filter(slug=slug, status=Pathway.Status.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if pathway is None:
            raise Http404("No published pathway with this slug.")
        enrollment, created = services.enrollment_create(user=request.user, pathway=pathway)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.EnrollmentOutputSerializer(enrollment).data, status=code)


def _module_args(data: dict) -> dict:
    args = dict(data)
    args["skills"] = {row["skill"]: row["target_level"] for row in data.get("skills", [])}
    return args


class ModuleListApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=s.ModuleInputSerializer, responses={201: s.ModuleOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        """Add a module at the end of the draft."""
        draft = _draft(slug)
        serializer = s.ModuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        module = services.module_create(pathway=draft, **_module_args(serializer.validated_data))
        return Response(s.ModuleOutputSerializer(_module(draft, module.slug)).data, status=201)


def _module(pathway: Pathway, slug: str) -> Module:
    module = selectors.module_in(pathway=pathway, slug=slug)
    if module is None:
        raise Http404("No such module in the draft.")
    return module


class ModuleDetailApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=s.ModuleInputSerializer, responses=s.ModuleOutputSerializer)
    def put(self, request: Request, slug: str, module_slug: str) -> Response:
        draft = _draft(slug)
        module = _module(draft, module_slug)
        serializer = s.ModuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.module_update(module=module, **_module_args(serializer.validated_data))
        return Response(s.ModuleOutputSerializer(_module(draft, module.slug)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str, module_slug: str) -> Response:
        services.module_delete(module=_module(_draft(slug), module_slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModuleOrderApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=s.ModuleOrderInputSerializer, responses=s.PathwayDetailOutputSerializer)
    def put(self, request: Request, slug: str) -> Response:
        """Reorder the draft's modules: give every module slug once, in the new order."""
        draft = _draft(slug)
        serializer = s.ModuleOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.module_reorder(pathway=draft, slugs=serializer.validated_data["slugs"])
        return _detail(request, draft)


class LabListApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(request=s.LabInputSerializer, responses={201: s.LabOutputSerializer})
    def post(self, request: Request, slug: str, module_slug: str) -> Response:
        module = _module(_draft(slug), module_slug)
        serializer = s.LabInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lab = services.lab_create(module=module, **serializer.validated_data)
        return Response(s.LabOutputSerializer(lab).data, status=status.HTTP_201_CREATED)


# --- roles and skills ----------------------------------------------------------------------


class RoleListApi(generics.ListAPIView):
    permission_classes = [IsAuthorOrReadOnly]
    serializer_class = s.RoleOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Role.objects.order_by("name")

    @extend_schema(request=s.RoleInputSerializer, responses={201: s.RoleDetailOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = s.RoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        role = services.role_save(**serializer.validated_data)
        return Response(s.RoleDetailOutputSerializer(_role(role.slug)).data, status=201)


def _role(slug: str) -> Role:
    role = (
        Role.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch(
                "role_skills",
                queryset=RoleSkill.objects.select_related("skill").order_by("-criticality", "id"),
            )
        )
        .first()
    )
    if role is None:
        raise Http404("No such role.")
    return role


class RoleDetailApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    @extend_schema(responses=s.RoleDetailOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.RoleDetailOutputSerializer(_role(slug)).data)

    @extend_schema(request=s.RoleInputSerializer, responses=s.RoleDetailOutputSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        role = _role(slug)
        serializer = s.RoleInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "name": role.name,
            "description": role.description,
            "cluster": role.cluster,
            "exposure": role.exposure,
            "influence": role.influence,
            "career_ladder": role.career_ladder,
        }
        changes = {k: v for k, v in serializer.validated_data.items() if k != "slug"}
        services.role_save(role=role, **{**current, **changes})
        return Response(s.RoleDetailOutputSerializer(_role(slug)).data)


class SkillListApi(generics.ListAPIView):
    permission_classes = [IsAuthorOrReadOnly]
    serializer_class = s.SkillOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.skill_list(pillar=self.request.query_params.get("pillar") or None)

    @extend_schema(parameters=[OpenApiParameter("pillar", OpenApiTypes.STR)])
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.SkillInputSerializer, responses={201: s.SkillOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = s.SkillInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        skill = services.skill_save(**serializer.validated_data)
        return Response(s.SkillOutputSerializer(skill).data, status=status.HTTP_201_CREATED)


class SkillDetailApi(APIView):
    permission_classes = [IsAuthorOrReadOnly]

    def _get(self, slug: str) -> Skill:
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            raise Http404("No such skill.")
        return skill

    @extend_schema(responses=s.SkillOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.SkillOutputSerializer(self._get(slug)).data)

    @extend_schema(request=s.SkillInputSerializer, responses=s.SkillOutputSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        skill = self._get(slug)
        serializer = s.SkillInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "name": skill.name,
            "pillar": skill.pillar,
            "kind": skill.kind,
            "description": skill.description,
        }
        changes = {k: v for k, v in serializer.validated_data.items() if k != "slug"}
        return Response(
            s.SkillOutputSerializer(services.skill_save(skill=skill, **{**current, **changes})).data
        )
