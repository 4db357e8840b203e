"""Per-incident facts, their buckets and fingerprints, and aggregating them in Python."""

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models

from incidents.models import ActionItem, Incident, IncidentFactor

from ..compute import duration_us, encode_values, hours_to_centi, period_start, slice_start
from ..models import DURATION_PREFIXES

ID_CHUNK = 2000
FACT_COLUMNS = (
    "id",
    "team_id",
    "service_id",
    "severity",
    "ai_related",
    "failure_mode",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "rolled_back",
    "cleanup_hours",
)
REVIEW_ACTION_KINDS = (ActionItem.Kind.PREVENT, ActionItem.Kind.PROCESS)


def bucket_time_zone() -> str:
    return settings.TIME_ZONE


def bucket_key(
    team_id: int | None,
    service_id: int | None,
    slice_day: dt.date | None,
    severity: str,
    ai_related: bool,
    failure_mode: str,
) -> str:
    return "|".join(
        (
            "" if team_id is None else str(team_id),
            "" if service_id is None else str(service_id),
            "" if slice_day is None else slice_day.isoformat(),
            severity,
            "1" if ai_related else "0",
            failure_mode,
        )
    )


@dataclass(slots=True)
class Fact:
    """What one incident contributes to its bucket."""

    incident_id: int
    key: str
    team_id: int | None
    service_id: int | None
    slice_day: dt.date | None
    severity: str
    ai_related: bool
    failure_mode: str
    durations: tuple[int | None, int | None, int | None, int | None]  # ttd, tta, ttm, ttr
    rolled_back: bool
    cleanup_centi: int | None
    reviewed: bool
    fingerprint: str = ""


def fact_from_row(row: Sequence[Any], *, reviewed: bool, tz: dt.tzinfo) -> Fact:
    (
        incident_id,
        team_id,
        service_id,
        severity,
        ai_related,
        failure_mode,
        started,
        detected,
        acknowledged,
        mitigated,
        resolved,
        rolled_back,
        cleanup,
    ) = row
    slice_day = None if started is None else slice_start(started.astimezone(tz).date())
    severity = severity or ""
    failure_mode = failure_mode or ""
    key = bucket_key(team_id, service_id, slice_day, severity, ai_related, failure_mode)
    durations = (
        duration_us(detected, started),
        duration_us(acknowledged, detected),
        duration_us(mitigated, started),
        duration_us(resolved, started),
    )
    cleanup_centi = None if cleanup is None else hours_to_centi(Decimal(cleanup))
    digest = fingerprint_of(key, durations, bool(rolled_back), cleanup_centi, reviewed)
    return Fact(
        incident_id=incident_id,
        key=key,
        team_id=team_id,
        service_id=service_id,
        slice_day=slice_day,
        severity=severity,
        ai_related=bool(ai_related),
        failure_mode=failure_mode,
        durations=durations,
        rolled_back=bool(rolled_back),
        cleanup_centi=cleanup_centi,
        reviewed=reviewed,
        fingerprint=digest,
    )


def fingerprint_of(
    key: str,
    durations: Sequence[int | None],
    rolled_back: bool,
    cleanup_centi: int | None,
    reviewed: bool,
) -> str:
    """md5 of every value an incident contributes; `_PG_FINGERPRINT` builds the same text."""

    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    parts = [
        key,
        *(text(d) for d in durations),
        "1" if rolled_back else "0",
        text(cleanup_centi),
        "1" if reviewed else "0",
    ]
    return hashlib.md5("|".join(parts).encode(), usedforsecurity=False).hexdigest()


# The columns of RolledIncident, in the order the SQL below writes them.
MAP_COLUMNS = (
    "incident_id",
    "bucket_key",
    "fingerprint",
    "team_id",
    "service_id",
    "slice_start",
    "severity",
    "ai_related",
    "failure_mode",
    "ttd",
    "tta",
    "ttm",
    "ttr",
    "rolled_back",
    "cleanup_centi",
    "reviewed",
)


def map_row(fact: Fact) -> dict[str, Any]:
    ttd, tta, ttm, ttr = fact.durations
    return {
        "incident_id": fact.incident_id,
        "bucket_key": fact.key,
        "fingerprint": fact.fingerprint,
        "team_id": fact.team_id,
        "service_id": fact.service_id,
        "slice_start": fact.slice_day,
        "severity": fact.severity,
        "ai_related": fact.ai_related,
        "failure_mode": fact.failure_mode,
        "ttd": ttd,
        "tta": tta,
        "ttm": ttm,
        "ttr": ttr,
        "rolled_back": fact.rolled_back,
        "cleanup_centi": fact.cleanup_centi,
        "reviewed": fact.reviewed,
    }


def fact_from_map(row: dict[str, Any]) -> Fact:
    return Fact(
        incident_id=row["incident_id"],
        key=row["bucket_key"],
        team_id=row["team_id"],
        service_id=row["service_id"],
        slice_day=row["slice_start"],
        severity=row["severity"],
        ai_related=row["ai_related"],
        failure_mode=row["failure_mode"],
        durations=(row["ttd"], row["tta"], row["ttm"], row["ttr"]),
        rolled_back=row["rolled_back"],
        cleanup_centi=row["cleanup_centi"],
        reviewed=row["reviewed"],
        fingerprint=row["fingerprint"],
    )


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _reviewed(ids: Sequence[int] | None) -> set[int]:
    """Incidents whose postmortem names contributing factors and a prevent/process action."""
    factors = IncidentFactor.objects.all()
    actions = ActionItem.objects.filter(kind__in=REVIEW_ACTION_KINDS)
    if ids is not None:
        factors = factors.filter(incident_id__in=ids)
        actions = actions.filter(incident_id__in=ids)
    with_factors = set(factors.values_list("incident_id", flat=True).distinct())
    if not with_factors:
        return set()
    with_actions = set(actions.values_list("incident_id", flat=True).distinct())
    return with_factors & with_actions


def facts_for(ids: Sequence[int] | None) -> Iterator[Fact]:
    """Facts for the given incidents (all incidents when `ids` is None)."""
    tz = zoneinfo.ZoneInfo(bucket_time_zone())
    if ids is None:
        reviewed = _reviewed(None)
        rows = Incident.objects.order_by().values_list(*FACT_COLUMNS).iterator(chunk_size=5000)
        for row in rows:
            yield fact_from_row(row, reviewed=row[0] in reviewed, tz=tz)
        return
    for chunk in _chunks(list(ids)):
        reviewed = _reviewed(chunk)
        for row in Incident.objects.filter(id__in=chunk).order_by().values_list(*FACT_COLUMNS):
            yield fact_from_row(row, reviewed=row[0] in reviewed, tz=tz)


@dataclass(slots=True)
class Bucket:
    key: str
    team_id: int | None
    service_id: int | None
    slice_day: dt.date | None
    severity: str
    ai_related: bool
    failure_mode: str
    incident_count: int = 0
    rolled_back: int = 0
    reviewed: int = 0
    cleanup: list[int] = field(default_factory=list)
    durations: tuple[list[int], list[int], list[int], list[int]] = field(
        default_factory=lambda: ([], [], [], [])
    )

    @classmethod
    def for_fact(cls, fact: Fact) -> "Bucket":
        return cls(
            key=fact.key,
            team_id=fact.team_id,
            service_id=fact.service_id,
            slice_day=fact.slice_day,
            severity=fact.severity,
            ai_related=fact.ai_related,
            failure_mode=fact.failure_mode,
        )

    def add(self, fact: Fact) -> None:
        self.incident_count += 1
        self.rolled_back += fact.rolled_back
        self.reviewed += fact.reviewed
        if fact.cleanup_centi is not None:
            self.cleanup.append(fact.cleanup_centi)
        for values, value in zip(self.durations, fact.durations, strict=True):
            if value is not None:
                values.append(value)

    def row(self, computed_at: dt.datetime) -> dict[str, Any]:
        row: dict[str, Any] = {
            "bucket_key": self.key,
            "team_id": self.team_id,
            "service_id": self.service_id,
            "slice_start": self.slice_day,
            "week_start": None if self.slice_day is None else period_start(self.slice_day, "week"),
            "month_start": None if self.slice_day is None else self.slice_day.replace(day=1),
            "severity": self.severity,
            "ai_related": self.ai_related,
            "failure_mode": self.failure_mode,
            "incident_count": self.incident_count,
            "rolled_back_count": self.rolled_back,
            "reviewed_count": self.reviewed,
            "cleanup_n": len(self.cleanup),
            "cleanup_centi": sum(self.cleanup),
            "cleanup_values": encode_values(self.cleanup),
            "computed_at": computed_at,
        }
        for prefix, values in zip(DURATION_PREFIXES, self.durations, strict=True):
            row[f"{prefix}_n"] = len(values)
            row[f"{prefix}_sum_us"] = sum(values)
            row[f"{prefix}_values"] = encode_values(values)
        return row


def aggregate(facts: Iterable[Fact]) -> dict[str, Bucket]:
    buckets: dict[str, Bucket] = {}
    for fact in facts:
        bucket = buckets.get(fact.key)
        if bucket is None:
            bucket = buckets[fact.key] = Bucket.for_fact(fact)
        bucket.add(fact)
    return buckets


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Plain inserts: one COPY on PostgreSQL, batched INSERTs elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
        return
    names = list(rows[0])
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in names
    )
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in names])
