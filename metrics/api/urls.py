from django.urls import path

from . import okr_views, views

urlpatterns = [
    path("metrics/kpis/", views.KpiListApi.as_view(), name="api-metrics-kpis"),
    path(
        "metrics/kpis/<slug:key>/observations/",
        views.KpiObservationsApi.as_view(),
        name="api-metrics-kpi-observations",
    ),
    path(
        "metrics/cohorts/<int:pk>/outcomes/",
        views.CohortOutcomesApi.as_view(),
        name="api-metrics-cohort-outcomes",
    ),
    path("metrics/incidents/", views.IncidentKpiApi.as_view(), name="api-metrics-incidents"),
    path("metrics/impact/", views.ImpactApi.as_view(), name="api-metrics-impact"),
    path(
        "metrics/impact/cohorts/",
        views.CohortImpactApi.as_view(),
        name="api-metrics-impact-cohorts",
    ),
    path("metrics/okrs/", views.ObjectiveListApi.as_view(), name="api-metrics-okrs"),
    path("metrics/okrs/new/", okr_views.ObjectiveCreateApi.as_view(), name="api-okr-create"),
    path("metrics/okrs/<int:pk>/", okr_views.ObjectiveEditApi.as_view(), name="api-okr-edit"),
    path(
        "metrics/okrs/<int:pk>/key-results/",
        okr_views.KeyResultCreateApi.as_view(),
        name="api-okr-key-result-create",
    ),
    path(
        "metrics/okrs/<int:pk>/key-results/<int:kr>/",
        okr_views.KeyResultEditApi.as_view(),
        name="api-okr-key-result-edit",
    ),
    path("metrics/training/", views.CohortTrainingApi.as_view(), name="api-metrics-training"),
]
