"""Filters for incident lists (HTML and API), with django-filter."""

import datetime as dt
import json

import django_filters
from django.db.models import Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest

from config.bounds import BoundedDateField
from org import access
from org.models import Membership, Team
from pathways.models import Skill

from .models import FailureMode, Incident, Service, Severity
from .selectors import incidents_arguing_for_skill, incidents_visible_to


def _teams(request: HttpRequest | None) -> QuerySet[Team]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Team.objects.none()
    if access.is_admin(user) or access.is_author(user):
        return Team.objects.order_by("name")
    own = Membership.objects.filter(user=user).values("team_id")
    managed = access.teams_managed_by(user).values("id")
    return Team.objects.filter(Q(id__in=own) | Q(id__in=managed)).order_by("name")


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _services(request: HttpRequest | None) -> QuerySet[Service]:
    """Only services of incidents the person may see: the list names no other team's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Service.objects.none()
    seen = incidents_visible_to(user=user).values("service_id")
    return Service.objects.filter(pk__in=seen).order_by("name")


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search titles")
    team = django_filters.ModelChoiceFilter(
        queryset=_teams, to_field_name="slug", empty_label="All teams"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=_services, to_field_name="slug", empty_label="All services"
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="All severities")
    ai_related = django_filters.BooleanFilter(
        label="AI-related",
        widget=django_filters.widgets.BooleanWidget(),
    )
    failure_mode = django_filters.ChoiceFilter(
        choices=FailureMode.choices, empty_label="All failure modes"
    )
    started_from = BoundedDateFilter(method="filter_from", label="Started on or after (UTC)")
    started_to = BoundedDateFilter(method="filter_to", label="Started on or before (UTC)")
    factor = django_filters.CharFilter(
        field_name="contributing_factors__slug", label="Contributing factor (tag)"
    )
    skill = django_filters.CharFilter(method="filter_skill", label="Argues for skill (slug)")
    attribute = django_filters.CharFilter(
        method="filter_attribute",
        label="Attribute (name=value)",
        help_text="An attribute kept from the source, e.g. company=Example Cloud; a list "
        "attribute matches when one of its items is the value.",
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet:
        return queryset.filter(title__icontains=value.strip()) if value.strip() else queryset

    def filter_from(self, queryset: QuerySet[Incident], name: str, value: dt.date) -> QuerySet:
        return queryset.filter(started_at__gte=_utc_midnight(value))

    def filter_to(self, queryset: QuerySet[Incident], name: str, value: dt.date) -> QuerySet:
        return queryset.filter(started_at__lt=_utc_midnight(value + dt.timedelta(days=1)))

    def filter_skill(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet:
        skill = Skill.objects.filter(slug=value.strip()).first()
        if skill is None:
            return queryset.none()
        arguing = incidents_arguing_for_skill(skill=skill, user=self.request.user)
        return queryset.filter(pk__in=arguing.values("pk"))

    def filter_attribute(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet:
        key, sep, wanted = value.partition("=")
        key, wanted = key.strip(), wanted.strip()
        if not sep or not key:
            return queryset.filter(attributes__has_key=key) if key else queryset
        # As plain text: the JSON-aware lookups of a key transform would read the value
        # as JSON.
        text = Cast(KeyTextTransform(key, "attributes"), output_field=TextField())
        queryset = queryset.alias(_attribute=text)
        # A scalar equals the value; a list (kept as JSON text) holds it as an item.
        return queryset.filter(
            Q(_attribute=wanted)
            | Q(_attribute__contains=json.dumps(wanted, ensure_ascii=False))
            | Q(_attribute__contains=json.dumps(wanted))
        )
