from django.urls import path

from . import views

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
    path("metrics/okrs/", views.ObjectiveListApi.as_view(), name="api-metrics-okrs"),
    path("metrics/training/", views.CohortTrainingApi.as_view(), name="api-metrics-training"),
]
