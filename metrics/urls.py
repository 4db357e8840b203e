from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("dashboards/", views.home, name="home"),
    path(
        "dashboards/teams/<slug:slug>/incidents/",
        views.team_incidents,
        name="team_incidents",
    ),
    path(
        "dashboards/teams/<slug:slug>/incidents.csv",
        views.team_incidents_csv,
        name="team_incidents_csv",
    ),
    path("dashboards/cohorts/<int:pk>/", views.cohort_dashboard, name="cohort"),
    path(
        "dashboards/cohorts/<int:pk>/incidents.csv",
        views.cohort_incidents_csv,
        name="cohort_incidents_csv",
    ),
    path(
        "dashboards/cohorts/<int:pk>/training.csv",
        views.cohort_training_csv,
        name="cohort_training_csv",
    ),
    path("dashboards/impact/", views.impact, name="impact"),
    path("dashboards/okrs/", views.okrs, name="okrs"),
    path("dashboards/program/", views.program, name="program"),
]
