from django.urls import path, re_path

from . import views

app_name = "lrs"

urlpatterns = [
    path("xapi/", views.dispatch, name="root"),
    re_path(r"^xapi/(?P<resource>.+)$", views.dispatch, name="resource"),
]
