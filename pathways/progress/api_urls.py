from django.urls import path

from . import api

urlpatterns = [
    path("me/skills/", api.MySkillsApi.as_view(), name="api-my-skills"),
    path("me/ratings/", api.MyRatingsApi.as_view(), name="api-my-ratings"),
    path("ratings/", api.RatingCreateApi.as_view(), name="api-rating-create"),
    path("people/<int:pk>/skills/", api.PersonSkillsApi.as_view(), name="api-person-skills"),
    path("people/<int:pk>/ratings/", api.PersonRatingsApi.as_view(), name="api-person-ratings"),
    path("teams/<slug:slug>/heatmap/", api.TeamHeatmapApi.as_view(), name="api-team-heatmap"),
    path("cohorts/", api.CohortListApi.as_view(), name="api-cohorts"),
    path("cohorts/<int:pk>/progress/", api.CohortProgressApi.as_view(), name="api-cohort-progress"),
]
