from django.urls import include, path

from . import author_views, views

app_name = "pathways"

version = "author/pathways/<slug:slug>/v<int:version>"
module = f"{version}/modules/<slug:module_slug>"

urlpatterns = [
    # Learners: the catalogue by role, a pathway week by week, modules and labs.
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<slug:slug>/", views.pathway_detail, name="pathway_detail"),
    path("catalogue/<slug:slug>/enrol/", views.pathway_enrol, name="pathway_enrol"),
    path(
        "catalogue/<slug:slug>/modules/<slug:module_slug>/",
        views.module_detail,
        name="module_detail",
    ),
    path(
        "catalogue/<slug:slug>/modules/<slug:module_slug>/labs/<slug:lab_slug>/",
        views.lab_detail,
        name="lab_detail",
    ),
    path(
        "catalogue/<slug:slug>/modules/<slug:module_slug>/labs/<slug:lab_slug>/checklist/",
        views.lab_checklist,
        name="lab_checklist",
    ),
    path("learn/items/<str:kind>/<int:pk>/", views.item_go, name="item_go"),
    # Authors.
    path("author/", author_views.author_home, name="author_home"),
    path("author/preview/", author_views.markdown_preview, name="author_preview"),
    path("author/catalogue/upload/", author_views.catalogue_upload, name="author_upload"),
    path(
        "author/catalogue/<slug:kind>.yaml",
        author_views.catalogue_download,
        name="author_download",
    ),
    path("catalogue-schema.json", author_views.catalogue_schema, name="catalogue_schema"),
    path("author/roles/", author_views.role_list, name="author_roles"),
    path("author/roles/new/", author_views.role_edit, name="author_role_create"),
    path("author/roles/<slug:slug>/", author_views.role_edit, name="author_role_edit"),
    path("author/skills/", author_views.skill_list, name="author_skills"),
    path("author/skills/new/", author_views.skill_edit, name="author_skill_create"),
    path("author/skills/<slug:slug>/", author_views.skill_edit, name="author_skill_edit"),
    path("author/pathways/new/", author_views.pathway_create, name="author_pathway_create"),
    path(
        "author/pathways/<slug:slug>/history/",
        author_views.pathway_history,
        name="author_pathway_history",
    ),
    path(f"{version}/", author_views.pathway_editor, name="author_pathway"),
    path(f"{version}/edit/", author_views.pathway_edit, name="author_pathway_edit"),
    path(f"{version}/publish/", author_views.pathway_publish, name="author_pathway_publish"),
    path(f"{version}/new-draft/", author_views.pathway_new_draft, name="author_pathway_new_draft"),
    path(f"{version}/archive/", author_views.pathway_archive, name="author_pathway_archive"),
    path(f"{version}/export.yaml", author_views.pathway_export, name="author_pathway_export"),
    path(f"{version}/outcomes/new/", author_views.outcome_edit, name="author_outcome_create"),
    path(f"{version}/outcomes/<int:pk>/", author_views.outcome_edit, name="author_outcome_edit"),
    path(
        f"{version}/outcomes/<int:pk>/delete/",
        author_views.outcome_delete,
        name="author_outcome_delete",
    ),
    path(f"{version}/capstones/new/", author_views.capstone_edit, name="author_capstone_create"),
    path(
        f"{version}/capstones/<slug:capstone_slug>/",
        author_views.capstone_edit,
        name="author_capstone_edit",
    ),
    path(
        f"{version}/capstones/<slug:capstone_slug>/delete/",
        author_views.capstone_delete,
        name="author_capstone_delete",
    ),
    path(f"{version}/modules/new/", author_views.module_create, name="author_module_create"),
    path(f"{module}/", author_views.module_edit, name="author_module_edit"),
    path(f"{module}/delete/", author_views.module_delete, name="author_module_delete"),
    path(f"{module}/move/", author_views.module_move, name="author_module_move"),
    path(f"{module}/labs/new/", author_views.lab_create, name="author_lab_create"),
    path(f"{module}/labs/<slug:lab_slug>/", author_views.lab_edit, name="author_lab_edit"),
    path(
        f"{module}/labs/<slug:lab_slug>/delete/",
        author_views.lab_delete,
        name="author_lab_delete",
    ),
    # Cohorts, progress, skills matrices and "My learning" live in pathways.progress.
    path("", include("pathways.progress.urls")),
]
