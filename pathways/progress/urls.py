from django.urls import path

from . import views

urlpatterns = [
    path("learn/", views.learn, name="learn"),
    path("skills/me/assess/", views.self_assess, name="self_assess"),
    path("progress/mark/", views.progress_update, name="progress_mark"),
    path("skills/people/<int:pk>/", views.person_skills, name="person_skills"),
    path("skills/people/<int:pk>/rate/", views.person_rate, name="person_rate"),
    path("skills/teams/<slug:slug>/", views.team_heatmap, name="team_heatmap"),
    path("skills/teams/<slug:slug>/heatmap.csv", views.team_heatmap_csv, name="team_heatmap_csv"),
    path("skills/teams/<slug:slug>/enrol/", views.team_enrol, name="team_enrol"),
    path("skills/matrix/", views.matrix, name="matrix"),
    path("skills/matrix.csv", views.matrix_csv, name="matrix_csv"),
    path("skills/matrix/<slug:slug>/", views.matrix_role, name="matrix_role"),
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/propose/", views.cohort_propose, name="cohort_propose"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/members/", views.cohort_members, name="cohort_members"),
    path("cohorts/<int:pk>/enrol/", views.cohort_enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/progress.csv", views.cohort_csv, name="cohort_csv"),
]
