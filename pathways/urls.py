from django.urls import include, path

from . import views

app_name = "pathways"

urlpatterns = [
    path("author/", views.author_home, name="author_home"),
    # Cohorts, progress, skills matrices and "My learning" live in pathways.progress.
    path("", include("pathways.progress.urls")),
]
