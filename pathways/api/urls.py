from django.urls import include, path

urlpatterns: list = [
    path("", include("pathways.progress.api_urls")),
]
