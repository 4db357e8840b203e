from django.urls import path

from . import essay_views, gift_views, lab_views, views

app_name = "assessments"

urlpatterns = [
    # learners
    path("assess/", views.home, name="home"),
    path("assess/attempts/<int:pk>/", views.attempt, name="attempt"),
    path("assess/attempts/<int:pk>/save/", views.save, name="save"),
    path("assess/attempts/<int:pk>/check/<int:question_id>/", views.check, name="check"),
    path("assess/attempts/<int:pk>/submit/", views.submit, name="submit"),
    path("assess/attempts/<int:pk>/status/", views.status, name="status"),
    path(
        "assess/certificates/mine/<int:award_id>/",
        lab_views.my_certificate,
        name="my_certificate",
    ),
    path("assess/certificates/<str:token>/", views.certificate, name="certificate"),
    path("assess/gains/", views.gains, name="gains"),
    path("assess/gains/mine/", views.my_gains, name="my_gains"),
    path("assess/labs/<int:lab_id>/check-file/", lab_views.check_file, name="lab_check_file"),
    path("assess/labs/<int:lab_id>/submit/", lab_views.submit_lab, name="lab_submit"),
    path("assess/<slug:slug>/", views.detail, name="detail"),
    path("assess/<slug:slug>/start/", views.start, name="start"),
    # authors
    path("author/assessments/", views.author_home, name="author_home"),
    path("author/assessments/new/", views.assessment_edit, name="assessment_create"),
    path("author/assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("author/assessments/<int:pk>/statistics/", views.statistics, name="statistics"),
    path("author/assessments/banks/new/", views.bank_create, name="bank_create"),
    path("author/assessments/banks/<int:pk>/", views.bank, name="bank"),
    path("author/assessments/banks/<int:pk>/import/", gift_views.gift_import, name="gift_import"),
    path(
        "author/assessments/gift-imports/<int:pk>/",
        gift_views.gift_import_status,
        name="gift_import_status",
    ),
    path("author/assessments/questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("author/assessments/reviews/", views.review_queue, name="review_queue"),
    path("author/assessments/reviews/<int:pk>/", views.review, name="review"),
    path("author/assessments/essays/", essay_views.essay_queue, name="essay_queue"),
    path("author/assessments/essays/<int:pk>/", essay_views.essay_review, name="essay_review"),
]
