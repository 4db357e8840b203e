from django.urls import path

from . import views
from .connectors import views as connector_views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path(
        "api/v1/incident-sources/<slug:name>/webhook/",
        connector_views.webhook,
        name="source_webhook",
    ),
    path("incidents/sources/", connector_views.source_list, name="source_list"),
    path(
        "incidents/sources/<int:pk>/sync/",
        connector_views.source_sync_now,
        name="source_sync_now",
    ),
    path("incidents/export.csv", views.incident_list_csv, name="list_csv"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/exercise/", views.exercise_create, name="exercise_create"),
    path("incidents/import/", views.import_upload, name="import"),
    path("incidents/imports/", views.batch_list, name="batch_list"),
    path("incidents/imports/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("incidents/imports/<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("incidents/imports/<int:pk>/discard/", views.batch_discard, name="batch_discard"),
    path("incidents/training/", views.training_map, name="training_map"),
    path("incidents/training/suggest/", views.training_suggest, name="training_suggest"),
    path(
        "incidents/training/rules/<int:pk>/delete/",
        views.training_rule_delete,
        name="training_rule_delete",
    ),
    path(
        "incidents/suggestions/<int:pk>/decide/",
        views.suggestion_decide,
        name="suggestion_decide",
    ),
    path("incidents/exercises/<int:pk>/", views.exercise_edit, name="exercise_edit"),
]
