"""Factories for the incidents app: services, incidents (resolved SEV3 by default),
timeline events."""

import datetime as dt

import factory

from incidents.models import ContributingFactor, Incident, IncidentSource, Service, TimelineEvent

from .org import TeamFactory

BASE = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    team = factory.SubFactory(TeamFactory)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    source = "test"
    external_id = factory.Sequence(lambda n: f"T-{n:05d}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = "SEV3"
    team = factory.SubFactory(TeamFactory)
    started_at = BASE
    detected_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=10))
    acknowledged_at = factory.LazyAttribute(lambda o: o.detected_at + dt.timedelta(minutes=2))
    mitigated_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=40))
    resolved_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(hours=3))
    status = "resolved"

    @factory.post_generation
    def factors(self, create, extracted, **kwargs):
        if create and extracted:
            for slug in extracted:
                factor, _ = ContributingFactor.objects.get_or_create(slug=slug)
                self.contributing_factors.add(factor)


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    position = factory.Sequence(int)
    description = "Something happened"


class IncidentSourceFactory(factory.django.DjangoModelFactory):
    """A PagerDuty source that has never synced (no token: set one with
    `incidents.connectors.services.source_secrets_set`)."""

    class Meta:
        model = IncidentSource

    name = factory.Sequence(lambda n: f"source-{n}")
    kind = "pagerduty"
