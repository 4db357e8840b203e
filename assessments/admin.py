from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import (
    Assessment,
    AssessmentQuestion,
    Attempt,
    ItemStatistic,
    Question,
    QuestionBank,
    Response,
    Review,
    Score,
)


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "bank", "qtype", "points", "category"]
    list_filter = ["qtype", "bank"]
    search_fields = ["title", "text", "category"]
    filter_horizontal = ["skills"]


class AssessmentQuestionInline(admin.TabularInline):
    model = AssessmentQuestion
    extra = 0
    raw_id_fields = ["question"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "is_published", "pass_mark", "attempts_allowed"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "slug"]
    raw_id_fields = ["module", "pathway", "lab", "capstone"]
    filter_horizontal = ["skills"]
    inlines = [AssessmentQuestionInline]


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    can_delete = False
    fields = ["question", "kind", "answer", "points", "max_points", "outcome", "checked_at"]
    readonly_fields = fields


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "phase", "started_at", "submitted_at", "claimed_by"]
    list_filter = ["status", "assessment__kind"]
    search_fields = ["user__email", "assessment__slug"]
    raw_id_fields = ["user", "assessment"]
    readonly_fields = ["claim_token", "claimed_at", "claimed_by", "enqueued_at", "scoring_error"]
    inlines = [ResponseInline]
    actions = ["requeue"]

    @admin.action(description="Send failed attempts back for scoring")
    def requeue(self, request: HttpRequest, queryset: QuerySet[Attempt]) -> None:
        sent = sum(services.attempt_requeue(attempt=a) for a in queryset)
        self.message_user(request, f"{sent} attempt(s) sent for scoring.", messages.SUCCESS)


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["attempt", "points", "max_points", "percent", "passed", "scored_at"]
    list_filter = ["passed"]
    readonly_fields = [f.name for f in Score._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["attempt", "reviewer", "points", "created_at"]
    raw_id_fields = ["attempt", "reviewer"]


@admin.register(ItemStatistic)
class ItemStatisticAdmin(admin.ModelAdmin):
    list_display = ["assessment", "question", "n", "facility", "discrimination", "computed_at"]
    list_filter = ["assessment"]
