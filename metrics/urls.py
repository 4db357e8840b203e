from django.urls import path

from . import okr_views, views

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
    path("dashboards/org/incidents/", views.org_incidents, name="org_incidents"),
    path("dashboards/org/incidents.csv", views.org_incidents_csv, name="org_incidents_csv"),
    path(
        "dashboards/services/<slug:slug>/incidents/",
        views.service_incidents,
        name="service_incidents",
    ),
    path(
        "dashboards/services/<slug:slug>/incidents.csv",
        views.service_incidents_csv,
        name="service_incidents_csv",
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
    path("dashboards/okrs/new/", okr_views.objective_edit, name="objective_new"),
    path("dashboards/okrs/<int:pk>/edit/", okr_views.objective_edit, name="objective_edit"),
    path(
        "dashboards/okrs/<int:objective_pk>/key-results/new/",
        okr_views.key_result_edit,
        name="key_result_new",
    ),
    path(
        "dashboards/okrs/<int:objective_pk>/key-results/<int:pk>/edit/",
        okr_views.key_result_edit,
        name="key_result_edit",
    ),
    path("dashboards/program/", views.program, name="program"),
]
