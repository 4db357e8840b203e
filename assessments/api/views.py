"""Thin API views: parse with a serializer, call one service or selector, serialise."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import opaque, selectors, services
from assessments.models import Assessment, AssessmentQuestion, Attempt, Question, QuestionBank
from assessments.services.authoring import _skills_by_slug
from org.models import User
from org.permissions import IsAuthor, IsManager
from pathways.models import Capstone, Lab, Module, Pathway

from .serializers import (
    AssessmentAuthorSerializer,
    AssessmentForLearnerSerializer,
    AssessmentInputSerializer,
    AssessmentUpdateSerializer,
    AttemptDetailSerializer,
    AttemptListSerializer,
    AttemptSaveInputSerializer,
    CertificateSerializer,
    CheckInputSerializer,
    CheckOutputSerializer,
    GainSummarySerializer,
    GiftImportInputSerializer,
    GiftImportOutputSerializer,
    ItemStatisticSerializer,
    QuestionBankSerializer,
    QuestionInputSerializer,
    QuestionSerializer,
    QuestionUpdateSerializer,
    ReviewInputSerializer,
    ReviewOutputSerializer,
    ReviewQueueItemSerializer,
    ScoreOverrideInputSerializer,
    ScoreSerializer,
)

# --- learners ---------------------------------------------------------------------------


class AssessmentListApi(generics.ListAPIView):
    """Published assessments, with the caller's attempt count and best score."""

    serializer_class = AssessmentForLearnerSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        return selectors.assessments_for_learner(user=self.request.user)


def _own_attempt(request: Request, pk: int) -> Attempt:
    """The caller's own attempt; anyone else's is a 404 (not even its existence leaks)."""
    return get_object_or_404(Attempt.objects.select_related("assessment"), pk=pk, user=request.user)


def _detail(attempt: Attempt, viewer: User | None = None) -> dict:
    return AttemptDetailSerializer(selectors.attempt_view(attempt=attempt, viewer=viewer)).data


class AttemptStartApi(APIView):
    """Start an attempt (or get the one in progress). Questions never carry the answers."""

    @extend_schema(request=None, responses={201: AttemptDetailSerializer})
    def post(self, request: Request, slug: str) -> Response:
        assessment = get_object_or_404(Assessment, slug=slug, is_published=True)
        attempt = services.attempt_start(user=request.user, assessment=assessment)
        return Response(_detail(attempt), status=status.HTTP_201_CREATED)


class AttemptListApi(generics.ListAPIView):
    """The caller's own attempts, newest first."""

    serializer_class = AttemptListSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Attempt.objects.none()
        return selectors.attempts_of(user=self.request.user)


class AttemptDetailApi(APIView):
    """One attempt: the caller's own, or (managers) one of a person in a team they manage.
    Feedback and correct answers appear only when the assessment's policy allows, and
    correct answers only to the owner (and authors)."""

    @extend_schema(responses=AttemptDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        attempt = selectors.attempt_for_viewer(viewer=request.user, attempt_id=pk)
        if attempt is None:
            raise Http404
        return Response(_detail(attempt, viewer=request.user))


def _save_kwargs(data: dict, attempt: Attempt) -> dict:
    names = ("answers", "checklist", "submission_text", "submission_url")
    kwargs = {k: data[k] for k in names if k in data}
    if "answers" in kwargs:  # the API speaks the attempt's public ids (assessments.opaque)
        kwargs["answers"] = opaque.answers_to_own(attempt.layout, kwargs["answers"])
    if "artifact" in data:
        kwargs["artifact"] = services.ArtifactUpload(**data["artifact"])
    return kwargs


class AttemptSaveApi(APIView):
    """Autosave answers while the attempt is in progress (refused after the time limit)."""

    @extend_schema(request=AttemptSaveInputSerializer, responses=AttemptDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        attempt = _own_attempt(request, pk)
        serializer = AttemptSaveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.attempt_save(
            attempt=attempt, user=request.user, **_save_kwargs(serializer.data, attempt)
        )
        return Response(_detail(attempt))


class AttemptCheckApi(APIView):
    """Instant feedback on one question (assessments with feedback after each question)."""

    @extend_schema(request=CheckInputSerializer, responses=CheckOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        attempt = _own_attempt(request, pk)
        serializer = CheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.attempt_check(
            attempt=attempt,
            user=request.user,
            question_id=serializer.validated_data["question"],
            answer=opaque.to_own(
                attempt.layout,
                serializer.validated_data["question"],
                serializer.validated_data["answer"],
            ),
        )
        view = selectors.attempt_view(attempt=attempt)
        item = next(i for i in view.items if i.question.pk == serializer.validated_data["question"])
        return Response(CheckOutputSerializer({"question": item}).data)


class AttemptSubmitApi(APIView):
    """Submit (with optional last answers). Submitting again changes nothing. Scoring runs
    in a worker: poll the attempt until its status is `scored`."""

    @extend_schema(request=AttemptSaveInputSerializer, responses=AttemptDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        attempt = _own_attempt(request, pk)
        serializer = AttemptSaveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.attempt_submit(
            attempt=attempt, user=request.user, **_save_kwargs(serializer.data, attempt)
        )
        attempt.refresh_from_db()
        return Response(_detail(attempt))


class CertificateListApi(APIView):
    @extend_schema(responses=CertificateSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [
            {
                "award": award,
                "url": request.build_absolute_uri(
                    f"/assess/certificates/{selectors.certificate_token(award)}/"
                ),
            }
            for award in selectors.certificates_of(user=request.user)
        ]
        return Response(CertificateSerializer(rows, many=True).data)


# --- reviewers ----------------------------------------------------------------------------


class ReviewQueueApi(generics.ListAPIView):
    """Rubric submissions waiting for a review the caller may give (authors)."""

    permission_classes = [IsAuthor]
    serializer_class = ReviewQueueItemSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Attempt.objects.none()
        return selectors.review_queue(reviewer=self.request.user)


class ReviewCreateApi(APIView):
    permission_classes = [IsAuthor]

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        attempt = selectors.attempt_for_reviewer(reviewer=request.user, attempt_id=pk)
        if attempt is None:
            raise Http404
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_submit(attempt=attempt, reviewer=request.user, **serializer.data)
        return Response(ReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class ScoreOverrideApi(APIView):
    """An author or platform admin replaces a scored attempt's points, saying why."""

    permission_classes = [IsAuthor]

    @extend_schema(request=ScoreOverrideInputSerializer, responses={200: ScoreSerializer})
    def post(self, request: Request, pk: int) -> Response:
        attempt = get_object_or_404(Attempt, pk=pk)
        serializer = ScoreOverrideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        score = services.score_override(
            attempt=attempt, by=request.user, **serializer.validated_data
        )
        return Response(ScoreSerializer(score).data)


# --- authors ------------------------------------------------------------------------------


class QuestionBankListApi(APIView):
    permission_classes = [IsAuthor]

    @extend_schema(responses=QuestionBankSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(QuestionBankSerializer(selectors.bank_list(), many=True).data)

    @extend_schema(request=QuestionBankSerializer, responses={201: QuestionBankSerializer})
    def post(self, request: Request) -> Response:
        serializer = QuestionBankSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bank = services.question_bank_create(created_by=request.user, **serializer.validated_data)
        bank.question_count = 0
        return Response(QuestionBankSerializer(bank).data, status=status.HTTP_201_CREATED)


def _question_fields(data: dict) -> dict:
    fields = dict(data)
    if "skills" in fields:
        fields["skills"] = _skills_by_slug(fields["skills"])
    return fields


class QuestionListApi(APIView):
    permission_classes = [IsAuthor]

    @extend_schema(responses=QuestionSerializer(many=True))
    def get(self, request: Request, bank_id: int) -> Response:
        bank = get_object_or_404(QuestionBank, pk=bank_id)
        return Response(QuestionSerializer(selectors.bank_questions(bank=bank), many=True).data)

    @extend_schema(request=QuestionInputSerializer, responses={201: QuestionSerializer})
    def post(self, request: Request, bank_id: int) -> Response:
        bank = get_object_or_404(QuestionBank, pk=bank_id)
        serializer = QuestionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_create(
            bank=bank, **_question_fields(serializer.validated_data)
        )
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    permission_classes = [IsAuthor]

    def _get(self, pk: int) -> Question:
        return get_object_or_404(Question.objects.select_related("bank"), pk=pk)

    @extend_schema(responses=QuestionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(QuestionSerializer(self._get(pk)).data)

    @extend_schema(request=QuestionUpdateSerializer, responses=QuestionSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        serializer = QuestionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        question = services.question_update(
            question=self._get(pk), **_question_fields(serializer.validated_data)
        )
        return Response(QuestionSerializer(question).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.question_delete(question=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GiftImportApi(APIView):
    """Import GIFT text into a bank. With errors and `import_valid: false` nothing is written;
    every error comes back with its line number either way."""

    permission_classes = [IsAuthor]

    @extend_schema(request=GiftImportInputSerializer, responses=GiftImportOutputSerializer)
    def post(self, request: Request, bank_id: int) -> Response:
        bank = get_object_or_404(QuestionBank, pk=bank_id)
        serializer = GiftImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.gift_import(bank=bank, **serializer.validated_data)
        body = {
            "written": report.written,
            "valid_count": len(report.questions),
            "created_ids": [q.pk for q in report.created],
            "errors": [
                {"line": e.line, "title": e.title, "message": e.message} for e in report.errors
            ],
        }
        return Response(GiftImportOutputSerializer(body).data)


_RELATED = {"module": Module, "pathway": Pathway, "lab": Lab, "capstone": Capstone}


def _assessment_fields(data: dict) -> dict:
    fields = dict(data)
    for name, model in _RELATED.items():
        if fields.get(name) is not None:
            fields[name] = get_object_or_404(model, pk=fields[name])
    if "skills" in fields:
        fields["skills"] = _skills_by_slug(fields["skills"])
    return fields


def _author_queryset():  # type: ignore[no-untyped-def]
    return Assessment.objects.prefetch_related(
        "skills", Prefetch("items", queryset=AssessmentQuestion.objects.order_by("order", "pk"))
    )


class AuthorAssessmentListApi(APIView):
    permission_classes = [IsAuthor]
    schema_error_statuses = (404,)  # POST naming a pathway that does not exist (config.schema)

    @extend_schema(responses=AssessmentAuthorSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AssessmentAuthorSerializer(_author_queryset(), many=True).data)

    @extend_schema(request=AssessmentInputSerializer, responses={201: AssessmentAuthorSerializer})
    def post(self, request: Request) -> Response:
        serializer = AssessmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = _assessment_fields(serializer.validated_data)
        assessment = services.assessment_create(
            created_by=request.user,
            question_ids=fields.pop("question_ids", []),
            skills=fields.pop("skills", []),
            **fields,
        )
        return Response(
            AssessmentAuthorSerializer(_author_queryset().get(pk=assessment.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class AuthorAssessmentDetailApi(APIView):
    permission_classes = [IsAuthor]

    @extend_schema(responses=AssessmentAuthorSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            AssessmentAuthorSerializer(get_object_or_404(_author_queryset(), pk=pk)).data
        )

    @extend_schema(request=AssessmentUpdateSerializer, responses=AssessmentAuthorSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        assessment = get_object_or_404(Assessment, pk=pk)
        serializer = AssessmentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = _assessment_fields(serializer.validated_data)
        question_ids = fields.pop("question_ids", None)
        services.assessment_update(assessment=assessment, **fields)
        if question_ids is not None:
            services.assessment_set_questions(assessment=assessment, question_ids=question_ids)
        return Response(AssessmentAuthorSerializer(_author_queryset().get(pk=pk)).data)


class ItemStatisticsApi(APIView):
    permission_classes = [IsAuthor]

    @extend_schema(responses=ItemStatisticSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        assessment = get_object_or_404(Assessment, pk=pk)
        rows = selectors.item_statistics(assessment=assessment)
        return Response(ItemStatisticSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={202: None})
    def post(self, request: Request, pk: int) -> Response:
        """Recompute now (in a worker)."""
        services.item_statistics_request(assessment=get_object_or_404(Assessment, pk=pk))
        return Response(status=status.HTTP_202_ACCEPTED)


# --- managers -----------------------------------------------------------------------------


class GainsApi(APIView):
    """Pre/post skill-check gains for the teams the caller manages."""

    permission_classes = [IsManager]
    schema_error_statuses = (404,)  # a pathway with no skill checks (config.schema)

    @extend_schema(
        parameters=[OpenApiParameter("pathway", str, description="Pathway slug", required=True)],
        responses=GainSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        slug = request.query_params.get("pathway", "")
        if "\x00" in slug:  # PostgreSQL text cannot hold NUL: no pathway has such a slug
            raise Http404
        checks = selectors.skill_checks_for(pathway_slug=slug)
        if not checks.exists():
            raise Http404
        summaries = selectors.gains_by_team(viewer=request.user, checks=checks)
        return Response(GainSummarySerializer(summaries, many=True).data)
