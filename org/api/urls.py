from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenCreateApi.as_view(), name="api-token"),
    path("auth/tokens/", views.TokenListApi.as_view(), name="api-token-list"),
    path("auth/tokens/<str:token_id>/", views.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("teams/", views.TeamListApi.as_view(), name="api-teams"),
    path("people-imports/", views.PeopleImportCreateApi.as_view(), name="api-people-import"),
    path(
        "people-imports/<int:pk>/",
        views.PeopleImportDetailApi.as_view(),
        name="api-people-import-detail",
    ),
]
