"""HTTP shapes for the assessments API. Validation of question specs and artifacts
stays in the services (pydantic), so nothing is validated twice."""

from django.utils import timezone
from rest_framework import serializers

from assessments.models import Assessment, Attempt, Question, QuestionBank, QuestionType
from config import text_limits

# --- learners -------------------------------------------------------------------------


class AssessmentForLearnerSerializer(serializers.ModelSerializer):
    my_attempts = serializers.IntegerField(read_only=True)
    my_best = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = Assessment
        fields = [
            "slug",
            "title",
            "kind",
            "description",
            "check_phase",
            "post_opens",
            "post_min_days",
            "pass_mark",
            "attempts_allowed",
            "time_limit_seconds",
            "feedback_timing",
            "answers_timing",
            "my_attempts",
            "my_best",
        ]


class ScoreSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=8, decimal_places=2)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField()
    scored_at = serializers.DateTimeField()


class ChoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    """A question as its learner sees it: never weights or the right answer before the
    assessment's policy allows (`correct_answer` stays null)."""

    id = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField()
    qtype = serializers.ChoiceField(source="question.qtype", choices=QuestionType.choices)
    title = serializers.CharField(source="question.title")
    text = serializers.CharField(source="question.text", help_text="Markdown.")
    max_points = serializers.DecimalField(source="question.points", max_digits=6, decimal_places=2)
    choices = serializers.SerializerMethodField(help_text="Choices or ordering items, as shown.")
    prompts = serializers.SerializerMethodField(help_text="Matching: the left-hand side.")
    options = serializers.ListField(child=serializers.CharField(), help_text="Matching options.")
    answer = serializers.JSONField(allow_null=True)
    checked = serializers.BooleanField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    outcome = serializers.CharField()
    feedback = serializers.ListField(child=serializers.CharField(), allow_null=True)
    general_feedback = serializers.CharField()
    correct_answer = serializers.ListField(
        source="correct", child=serializers.CharField(), allow_null=True
    )

    def get_choices(self, item) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
        return [{"id": cid, "text": text} for cid, text in item.choices]

    def get_prompts(self, item) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
        return [{"id": pid, "text": text} for pid, text in item.prompts]


class LabPartSerializer(serializers.Serializer):
    kind = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    feedback = serializers.ListField(child=serializers.CharField(), allow_null=True)


class ReviewForLearnerSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=8, decimal_places=2)
    comment = serializers.CharField()


class AttemptDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="attempt.pk")
    assessment = serializers.CharField(source="attempt.assessment.slug")
    assessment_title = serializers.CharField(source="attempt.assessment.title")
    kind = serializers.CharField(source="attempt.assessment.kind")
    number = serializers.IntegerField(source="attempt.number")
    phase = serializers.CharField(source="attempt.phase")
    status = serializers.ChoiceField(source="attempt.status", choices=Attempt.Status.choices)
    started_at = serializers.DateTimeField(source="attempt.started_at")
    deadline_at = serializers.DateTimeField(source="attempt.deadline_at", allow_null=True)
    submitted_at = serializers.DateTimeField(source="attempt.submitted_at", allow_null=True)
    seconds_left = serializers.SerializerMethodField()
    score = ScoreSerializer(allow_null=True)
    feedback_visible = serializers.BooleanField()
    answers_visible = serializers.BooleanField()
    questions = ItemSerializer(source="items", many=True)
    checklist = serializers.ListField(child=serializers.CharField())
    ticked = serializers.ListField(child=serializers.IntegerField())
    artifact_schema = serializers.CharField()
    lab_parts = LabPartSerializer(many=True)
    submission_text = serializers.CharField(source="attempt.submission_text")
    submission_url = serializers.CharField(source="attempt.submission_url")
    reviews = ReviewForLearnerSerializer(many=True)

    def get_seconds_left(self, view) -> int | None:  # type: ignore[no-untyped-def]
        deadline = view.attempt.deadline_at
        if deadline is None or view.attempt.status != Attempt.Status.IN_PROGRESS:
            return None
        return max(0, int((deadline - timezone.now()).total_seconds()))

    def to_representation(self, instance):  # type: ignore[no-untyped-def]
        data = super().to_representation(instance)
        data["ticked"] = sorted(instance.ticked)
        return data


class AttemptListSerializer(serializers.ModelSerializer):
    assessment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assessment_title = serializers.CharField(source="assessment.title", read_only=True)
    percent = serializers.SerializerMethodField()
    passed = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "assessment",
            "assessment_title",
            "number",
            "phase",
            "status",
            "started_at",
            "submitted_at",
            "percent",
            "passed",
        ]

    def _score(self, obj: Attempt):  # type: ignore[no-untyped-def]
        return getattr(obj, "score", None) if obj.status == Attempt.Status.SCORED else None

    def get_percent(self, obj: Attempt) -> str | None:
        score = self._score(obj)
        return str(score.percent) if score else None

    def get_passed(self, obj: Attempt) -> bool | None:
        score = self._score(obj)
        return score.passed if score else None


class ArtifactInputSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=200)
    text = serializers.CharField(trim_whitespace=False)


class AttemptSaveInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text="Question id → answer: a choice id, a list of choice ids, true/false, "
        "a number as text, text, item ids in order, or {prompt id: option}.",
    )
    checklist = serializers.ListField(child=serializers.IntegerField(min_value=0), required=False)
    artifact = ArtifactInputSerializer(required=False)
    submission_text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=text_limits.MARKDOWN
    )
    submission_url = serializers.URLField(required=False, allow_blank=True)


class CheckInputSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    answer = serializers.JSONField()


class CheckOutputSerializer(serializers.Serializer):
    question = ItemSerializer()


# --- reviews ----------------------------------------------------------------------------


class ReviewQueueItemSerializer(serializers.ModelSerializer):
    assessment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assessment_title = serializers.CharField(source="assessment.title", read_only=True)
    review_count = serializers.IntegerField(read_only=True)
    reviews_required = serializers.IntegerField(
        source="assessment.reviewers_required", read_only=True
    )

    class Meta:
        model = Attempt
        fields = [
            "id",
            "assessment",
            "assessment_title",
            "submitted_at",
            "review_count",
            "reviews_required",
        ]


class ReviewInputSerializer(serializers.Serializer):
    levels = serializers.ListField(
        child=serializers.IntegerField(min_value=0), help_text="Level index per criterion."
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.COMMENT
    )


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    attempt = serializers.IntegerField(source="attempt_id")
    levels = serializers.ListField(child=serializers.IntegerField())
    points = serializers.DecimalField(max_digits=8, decimal_places=2)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- authors ----------------------------------------------------------------------------


class QuestionBankSerializer(serializers.ModelSerializer):
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuestionBank
        fields = ["id", "slug", "name", "description", "question_count"]


class QuestionSerializer(serializers.ModelSerializer):
    bank = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    spec = serializers.JSONField(help_text="Type-specific content; see docs/assessments.md.")

    class Meta:
        model = Question
        fields = [
            "id",
            "bank",
            "qtype",
            "title",
            "text",
            "spec",
            "points",
            "category",
            "general_feedback",
            "notes",
            "skills",
        ]


class QuestionInputSerializer(serializers.Serializer):
    qtype = serializers.ChoiceField(choices=QuestionType.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    text = serializers.CharField(max_length=text_limits.MARKDOWN)
    spec = serializers.JSONField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    category = serializers.CharField(required=False, allow_blank=True, max_length=200)
    general_feedback = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.DESCRIPTION
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.DESCRIPTION
    )
    skills = serializers.ListField(child=serializers.SlugField(), required=False)


class QuestionUpdateSerializer(QuestionInputSerializer):
    qtype = serializers.ChoiceField(choices=QuestionType.choices, required=False)
    text = serializers.CharField(required=False, max_length=text_limits.MARKDOWN)
    spec = serializers.JSONField(required=False)


class GiftImportInputSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, max_length=2_000_000)
    import_valid = serializers.BooleanField(
        default=False,
        help_text="With errors in the file: false imports nothing, true imports the valid ones.",
    )


class GiftErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    title = serializers.CharField()
    message = serializers.CharField()


class GiftImportOutputSerializer(serializers.Serializer):
    written = serializers.BooleanField()
    valid = serializers.IntegerField(source="valid_count")
    created = serializers.ListField(child=serializers.IntegerField(), source="created_ids")
    errors = GiftErrorSerializer(many=True)


class AssessmentAuthorSerializer(serializers.ModelSerializer):
    question_ids = serializers.SerializerMethodField()
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    module = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    pathway = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    lab = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    capstone = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "kind",
            "module",
            "pathway",
            "lab",
            "capstone",
            "check_phase",
            "post_opens",
            "post_min_days",
            "pass_mark",
            "attempts_allowed",
            "time_limit_seconds",
            "shuffle_questions",
            "shuffle_choices",
            "feedback_timing",
            "answers_timing",
            "rubric",
            "reviewers_required",
            "artifact_points",
            "is_published",
            "question_ids",
            "skills",
        ]

    def get_question_ids(self, obj: Assessment) -> list[int]:
        return [item.question_id for item in obj.items.all()]


class AssessmentInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limits.DESCRIPTION
    )
    kind = serializers.ChoiceField(choices=Assessment.Kind.choices)
    module = serializers.IntegerField(required=False, allow_null=True)
    pathway = serializers.IntegerField(required=False, allow_null=True)
    lab = serializers.IntegerField(required=False, allow_null=True)
    capstone = serializers.IntegerField(required=False, allow_null=True)
    check_phase = serializers.ChoiceField(
        choices=Assessment.Phase.choices, required=False, allow_blank=True
    )
    post_opens = serializers.ChoiceField(
        choices=Assessment.PostOpens.choices, required=False, allow_blank=True
    )
    post_min_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    pass_mark = serializers.IntegerField(min_value=0, max_value=100, required=False)
    attempts_allowed = serializers.IntegerField(min_value=0, required=False)
    time_limit_seconds = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    shuffle_questions = serializers.BooleanField(required=False)
    shuffle_choices = serializers.BooleanField(required=False)
    feedback_timing = serializers.ChoiceField(
        choices=Assessment.FeedbackTiming.choices, required=False
    )
    answers_timing = serializers.ChoiceField(
        choices=Assessment.AnswersTiming.choices, required=False
    )
    rubric = serializers.JSONField(required=False)
    reviewers_required = serializers.IntegerField(min_value=1, max_value=2, required=False)
    artifact_points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    is_published = serializers.BooleanField(required=False)
    question_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    skills = serializers.ListField(child=serializers.SlugField(), required=False)


class AssessmentUpdateSerializer(AssessmentInputSerializer):
    slug = serializers.SlugField(max_length=80, required=False)
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Assessment.Kind.choices, required=False)


class ItemStatisticSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    title = serializers.CharField(source="question.title")
    n = serializers.IntegerField()
    facility = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    discrimination = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())


# --- managers ---------------------------------------------------------------------------


class GainRowSerializer(serializers.Serializer):
    email = serializers.EmailField(source="subject.email")
    name = serializers.CharField(source="subject.full_name")
    pre = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    post = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    gain = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)


class GainSummarySerializer(serializers.Serializer):
    team = serializers.CharField(source="label")
    n = serializers.IntegerField()
    mean_pre = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    mean_post = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    class_gain = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    mean_gain = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    small_sample = serializers.BooleanField()
    method = serializers.SerializerMethodField()
    learners = GainRowSerializer(source="rows", many=True)

    def get_method(self, obj) -> str:  # type: ignore[no-untyped-def]
        return (
            "normalised gain (post − pre) / (100 − pre) on percentages; pre = first scored "
            "pre attempt, post = latest scored post attempt; class_gain uses the team's mean "
            "pre and post, mean_gain averages the learners' own gains; n counts learners "
            "with both"
        )


class CertificateSerializer(serializers.Serializer):
    certification = serializers.CharField(source="award.certification.slug")
    name = serializers.CharField(source="award.certification.name")
    awarded_at = serializers.DateTimeField(source="award.awarded_at")
    url = serializers.CharField()


class ScoreOverrideInputSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    reason = serializers.CharField(max_length=500, allow_blank=False, trim_whitespace=True)
