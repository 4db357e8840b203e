"""Incidents as the metrics tests need them: a SEV2, timestamps from offsets."""

import datetime as dt
from decimal import Decimal
from typing import Any

from incidents.models import Incident
from tests.factories import IncidentFactory, ServiceFactory


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
    fields.setdefault("severity", "SEV2")
    fields.setdefault("status", Incident.Status.OPEN)
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


__all__ = ["IncidentFactory", "ServiceFactory", "incident"]
