from django.urls import path

from . import views

urlpatterns = [
    path("assessments/", views.AssessmentListApi.as_view(), name="api-assessments-list"),
    path(
        "assessments/<slug:slug>/attempts/",
        views.AttemptStartApi.as_view(),
        name="api-assessments-attempt-start",
    ),
    path("attempts/", views.AttemptListApi.as_view(), name="api-assessments-attempt-list"),
    path(
        "attempts/<int:pk>/",
        views.AttemptDetailApi.as_view(),
        name="api-assessments-attempt-detail",
    ),
    path(
        "attempts/<int:pk>/save/",
        views.AttemptSaveApi.as_view(),
        name="api-assessments-attempt-save",
    ),
    path(
        "attempts/<int:pk>/check/",
        views.AttemptCheckApi.as_view(),
        name="api-assessments-attempt-check",
    ),
    path(
        "attempts/<int:pk>/submit/",
        views.AttemptSubmitApi.as_view(),
        name="api-assessments-attempt-submit",
    ),
    path(
        "attempts/<int:pk>/reviews/",
        views.ReviewCreateApi.as_view(),
        name="api-assessments-review-create",
    ),
    path(
        "attempts/<int:pk>/score-override/",
        views.ScoreOverrideApi.as_view(),
        name="api-assessments-score-override",
    ),
    path("reviews/queue/", views.ReviewQueueApi.as_view(), name="api-assessments-review-queue"),
    path("certificates/", views.CertificateListApi.as_view(), name="api-assessments-certificates"),
    path("skill-check-gains/", views.GainsApi.as_view(), name="api-assessments-gains"),
    path("question-banks/", views.QuestionBankListApi.as_view(), name="api-assessments-banks"),
    path(
        "question-banks/<int:bank_id>/questions/",
        views.QuestionListApi.as_view(),
        name="api-assessments-bank-questions",
    ),
    path(
        "question-banks/<int:bank_id>/gift-import/",
        views.GiftImportApi.as_view(),
        name="api-assessments-gift-import",
    ),
    path("questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="api-assessments-question"),
    path(
        "author/assessments/",
        views.AuthorAssessmentListApi.as_view(),
        name="api-assessments-author-list",
    ),
    path(
        "author/assessments/<int:pk>/",
        views.AuthorAssessmentDetailApi.as_view(),
        name="api-assessments-author-detail",
    ),
    path(
        "author/assessments/<int:pk>/item-statistics/",
        views.ItemStatisticsApi.as_view(),
        name="api-assessments-item-statistics",
    ),
]
