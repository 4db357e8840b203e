from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("credentials/issuer.json", views.issuer_json, name="issuer"),
    path("credentials/status/<int:number>.json", views.status_list_json, name="status_list"),
    path(
        "credentials/achievements/<slug:slug>.json",
        views.achievement_json,
        name="achievement",
    ),
    path("credentials/<uuid:public_id>.json", views.credential_json, name="json"),
    path("credentials/<uuid:public_id>/", views.credential_page, name="page"),
    path("credentials/<uuid:public_id>/badge.svg", views.credential_badge, name="badge"),
    path("credentials/<uuid:public_id>/revoke/", views.credential_revoke, name="revoke"),
]
