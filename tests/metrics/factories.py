"""Factories for incidents as the metrics tests need them: timestamps from offsets."""

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from incidents.models import Incident, Service
from tests.factories import TeamFactory


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

    source = "test"
    external_id = factory.Sequence(lambda n: f"T-{n:05d}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = "SEV2"
    team = factory.SubFactory(TeamFactory)


def incident(
    *,
    team: Any,
    start: dt.datetime | None,
    ttd: float | None = None,
    tta: float | None = None,
    ttm: float | None = None,
    ttr: float | None = None,
    cleanup: str | None = None,
    **fields: Any,
) -> Incident:
    """An incident whose lifecycle is given as seconds: detected `ttd` after the start,
    acknowledged `tta` after detection, mitigated `ttm` and resolved `ttr` after the start.
    """

    def after(base: dt.datetime | None, seconds: float | None) -> dt.datetime | None:
        if base is None or seconds is None:
            return None
        return base + dt.timedelta(seconds=seconds)

    detected = after(start, ttd)
    return IncidentFactory(
        team=team,
        started_at=start,
        detected_at=detected,
        acknowledged_at=after(detected, tta),
        mitigated_at=after(start, ttm),
        resolved_at=after(start, ttr),
        cleanup_hours=None if cleanup is None else Decimal(cleanup),
        **fields,
    )
