from django.urls import include, path

from . import views

urlpatterns: list = [
    path("pathways/", views.PathwayListApi.as_view(), name="api-pathways"),
    path("pathways/<slug:slug>/", views.PathwayDetailApi.as_view(), name="api-pathway"),
    path(
        "pathways/<slug:slug>/drafts/", views.PathwayDraftApi.as_view(), name="api-pathway-drafts"
    ),
    path(
        "pathways/<slug:slug>/publish/",
        views.PathwayPublishApi.as_view(),
        name="api-pathway-publish",
    ),
    path("pathways/<slug:slug>/enrol/", views.PathwayEnrolApi.as_view(), name="api-pathway-enrol"),
    path(
        "pathways/<slug:slug>/module-order/",
        views.ModuleOrderApi.as_view(),
        name="api-pathway-module-order",
    ),
    path("pathways/<slug:slug>/modules/", views.ModuleListApi.as_view(), name="api-modules"),
    path(
        "pathways/<slug:slug>/modules/<slug:module_slug>/",
        views.ModuleDetailApi.as_view(),
        name="api-module",
    ),
    path(
        "pathways/<slug:slug>/modules/<slug:module_slug>/labs/",
        views.LabListApi.as_view(),
        name="api-labs",
    ),
    path("roles/", views.RoleListApi.as_view(), name="api-roles"),
    path("roles/<slug:slug>/", views.RoleDetailApi.as_view(), name="api-role"),
    path("skills/", views.SkillListApi.as_view(), name="api-skills"),
    path("skills/<slug:slug>/", views.SkillDetailApi.as_view(), name="api-skill"),
    path("", include("pathways.progress.api_urls")),
]
