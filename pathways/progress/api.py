"""REST API for skill profiles, ratings, team heatmaps and cohort progress.

Thin: the same selectors and services as the HTML views; people outside the
caller's reach are 404 (org.access), never 403, so the API reveals nobody.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org import access
from org.models import User
from org.permissions import IsManager
from pathways.models import Cohort, Skill, SkillRating

from . import selectors, services


class RatingOutput(serializers.ModelSerializer):
    skill = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rated_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

    class Meta:
        model = SkillRating
        fields = [
            "id",
            "person",
            "skill",
            "level",
            "source",
            "note",
            "evidence_url",
            "rated_by",
            "rated_at",
        ]


class EvidenceOutput(serializers.Serializer):
    source = serializers.CharField()
    level = serializers.IntegerField()
    rated_at = serializers.DateTimeField()


class ProfileRowOutput(serializers.Serializer):
    skill = serializers.CharField(source="skill.slug")
    name = serializers.CharField(source="skill.name")
    criticality = serializers.IntegerField(allow_null=True)
    required = serializers.IntegerField(allow_null=True)
    current = serializers.IntegerField(source="current.level", help_text="0 = no evidence")
    source = serializers.CharField(source="current.source", help_text="Where the level comes from.")
    stale = serializers.BooleanField(source="current.stale")
    gap = serializers.IntegerField()
    sources = EvidenceOutput(source="current.sources", many=True)


class ProfileOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    email = serializers.EmailField(source="person.email")
    role = serializers.CharField(source="membership.job_role", default="")
    career_level = serializers.CharField(source="membership.career_level", default="")
    rule = serializers.SerializerMethodField()
    skills = ProfileRowOutput(source="rows", many=True)

    def get_rule(self, obj) -> str:  # type: ignore[no-untyped-def]
        return (
            "Ratings of the last 365 days (all, if none is that recent); the most trusted "
            "source wins (assessment > certification > lab > incident_review > code_review > "
            "manager > peer > self); within it the most recent rating."
        )


def _profile_response(person: User) -> Response:
    profile = selectors.skill_profile(person=person, today=timezone.localdate())
    return Response(ProfileOutput(profile).data)


class MySkillsApi(APIView):
    """My skills profile: current level, requirement and the sources behind each level."""

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return _profile_response(request.user)


class MyRatingsApi(generics.ListAPIView):
    """Every rating recorded about me, newest first."""

    serializer_class = RatingOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return SkillRating.objects.none()
        return selectors.ratings_of(person=self.request.user)


def _visible_person(request: Request, pk: int) -> User:
    return get_object_or_404(access.people_visible_to(request.user), pk=pk)


class PersonSkillsApi(APIView):
    """A person's skills profile (yourself, people in teams you manage, or anyone for admins)."""

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request, pk: int) -> Response:
        return _profile_response(_visible_person(request, pk))


class PersonRatingsApi(generics.ListAPIView):
    """A person's ratings (yourself, people in teams you manage, or anyone for admins)."""

    serializer_class = RatingOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return SkillRating.objects.none()
        return selectors.ratings_of(person=_visible_person(self.request, self.kwargs["pk"]))


class RatingCreateApi(APIView):
    """Record a rating: a self-assessment, or (managers) evidence about someone in your teams."""

    class Input(serializers.Serializer):
        person = serializers.IntegerField(required=False, help_text="Default: yourself.")
        skill = serializers.SlugRelatedField(slug_field="slug", queryset=Skill.objects.all())
        level = serializers.IntegerField(min_value=1, max_value=5)
        source = serializers.ChoiceField(choices=SkillRating.Source.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        evidence_url = serializers.URLField(required=False, allow_blank=True, default="")

    @extend_schema(request=Input, responses={201: RatingOutput})
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = _visible_person(request, values.pop("person", request.user.pk))
        rating = services.rating_create(person=person, rated_by=request.user, **values)
        return Response(RatingOutput(rating).data, status=status.HTTP_201_CREATED)


class HeatCellOutput(serializers.Serializer):
    skill = serializers.CharField(source="skill.slug")
    criticality = serializers.IntegerField()
    required = serializers.IntegerField()
    current = serializers.IntegerField(source="current.level", help_text="0 = no evidence")
    source = serializers.CharField(source="current.source")
    gap = serializers.IntegerField()
    severity = serializers.CharField()


class HeatRowOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    email = serializers.EmailField(source="person.email")
    role = serializers.CharField(source="membership.job_role")
    career_level = serializers.CharField(source="membership.career_level")
    score = serializers.IntegerField(help_text="Σ criticality × gap; rows come worst first.")
    cells = serializers.SerializerMethodField()

    def get_cells(self, row) -> list[dict]:  # type: ignore[no-untyped-def]
        return HeatCellOutput(row.cells.values(), many=True).data


class HeatmapOutput(serializers.Serializer):
    team = serializers.CharField(source="team.slug")
    skills = serializers.SerializerMethodField()
    rows = HeatRowOutput(many=True)

    def get_skills(self, heatmap) -> list[str]:  # type: ignore[no-untyped-def]
        return [s.slug for s in heatmap.columns]


class TeamHeatmapApi(APIView):
    """Person × skill for a team you manage (404 for other teams)."""

    permission_classes = [IsManager]

    @extend_schema(responses=HeatmapOutput)
    def get(self, request: Request, slug: str) -> Response:
        team = get_object_or_404(access.teams_managed_by(request.user), slug=slug)
        heatmap = selectors.team_heatmap(team=team, today=timezone.localdate())
        return Response(HeatmapOutput(heatmap).data)


class CohortOutput(serializers.ModelSerializer):
    sponsor = serializers.SlugRelatedField(slug_field="email", read_only=True)
    pathways = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "name", "start_date", "sponsor", "pathways", "member_count"]


class CohortListApi(generics.ListAPIView):
    """Cohorts you may see: all for authors and admins; managers those they sponsor or
    with members in their teams; anyone the cohorts they are in."""

    serializer_class = CohortOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Cohort.objects.none()
        return selectors.cohort_list(viewer=self.request.user).order_by("-start_date", "pk")


class MemberProgressOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    email = serializers.EmailField(source="person.email")
    role = serializers.CharField(source="member.role.slug", default="")
    pathway = serializers.CharField(source="member.pathway.slug", default="")
    champion = serializers.BooleanField(source="member.is_champion")
    visible = serializers.BooleanField(help_text="False: not your team, progress withheld.")
    enrolled = serializers.SerializerMethodField()
    done = serializers.IntegerField(source="progress.done", default=None, allow_null=True)
    total = serializers.IntegerField(source="progress.total", default=None, allow_null=True)
    completion_pct = serializers.IntegerField(
        source="progress.completion", default=None, allow_null=True
    )
    overdue = serializers.IntegerField(
        source="progress.verdict.overdue", default=None, allow_null=True
    )
    status = serializers.CharField(source="progress.status.value", default=None, allow_null=True)
    reasons = serializers.ListField(
        child=serializers.CharField(),
        source="progress.verdict.reasons",
        default=None,
        allow_null=True,
    )

    def get_enrolled(self, row) -> bool | None:  # type: ignore[no-untyped-def]
        return (row.progress is not None) if row.visible else None


class CohortProgressOutput(serializers.Serializer):
    id = serializers.IntegerField(source="cohort.pk")
    name = serializers.CharField(source="cohort.name")
    start_date = serializers.DateField(source="cohort.start_date")
    day = serializers.IntegerField(help_text="Programme day today; day 1 is the start date.")
    phase = serializers.CharField(source="phase.name")
    counts = serializers.DictField(child=serializers.IntegerField())
    members = MemberProgressOutput(source="rows", many=True)


class CohortProgressApi(APIView):
    """Members of a cohort with completion and status (managers and authors)."""

    @extend_schema(responses=CohortProgressOutput)
    def get(self, request: Request, pk: int) -> Response:
        access.require_persona(request.user, ["manager", "author"])
        cohort = get_object_or_404(selectors.cohorts_visible_to(request.user), pk=pk)
        progress = selectors.cohort_progress(
            cohort=cohort, viewer=request.user, today=timezone.localdate()
        )
        return Response(CohortProgressOutput(progress).data)
