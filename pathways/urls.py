from django.urls import path

from . import views

app_name = "pathways"

urlpatterns = [
    path("learn/", views.learn, name="learn"),
    path("author/", views.author_home, name="author_home"),
]
