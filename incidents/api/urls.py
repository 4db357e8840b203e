from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.IncidentListCreateApi.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", views.IncidentDetailApi.as_view(), name="api-incident-detail"),
    path(
        "import-batches/<int:pk>/",
        views.ImportBatchDetailApi.as_view(),
        name="api-import-batch-detail",
    ),
    path(
        "import-batches/<int:pk>/rejected/",
        views.ImportBatchRejectedApi.as_view(),
        name="api-import-batch-rejected",
    ),
]
