"""Rendered parts of the cohort dashboard, kept in the cache and shared by every viewer
who would see the same figures.

A part's key is made of everything it is drawn from, read from the database on each
request before the part itself (so a part stored under a key is never older than the
rows the key was read from):

- training panels: the snapshot row (id and `computed_at`, which every refresh sets)
  and whether the viewer sees every member (small groups merged or hidden);
- incident panel and before/after comparison: the teams shown, the day, the cohort's
  start and the state of the rollups and of the set of teams, `rollups_version`;
- outcome figures: the stored rows read for the viewer's teams (their ids, which every
  measuring run replaces) or, computed on read, the rollups version as above;
- OKR progress (the same for every viewer): the stamp `OKRS` (`config.stamps`), which
  every write to objectives, key results and team names bumps (`metrics.okr_stamp`);
- all of them: a digest of their templates' sources, so a deploy never serves markup
  of the templates it replaced.

There is nothing to invalidate: a write that changes what a part shows changes its key
(or its stamp), and the part stored under the old one is never served again (it
expires). All the parts of a page are read in one round trip (`cached_many`): a part
checked against a stamp is kept under a fixed key with the token it was built under,
and the stamp is read in the same `get_many`. A cache that is down is a miss
(`config.cache.ForgivingRedisCache`): the part is computed.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, F, Func, Max, Subquery
from django.template.loader import get_template
from django.utils import timezone

from config import stamps

from .models import DirtyBucket, RollupState

T = TypeVar("T")

FRAGMENT_SECONDS = 3600
_PREFIX = "metrics:fragment:"


def _count(queryset: Any, function: str = "COUNT") -> Subquery:
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function=function)).values("n"))


def rollups_version(*, now: dt.datetime | None = None) -> tuple[tuple[Any, ...], bool]:
    """The state of the incident rollups and of the set of teams (one query), and
    whether a dashboard should ask for a sweep (`services.rollups_refresh_requested`,
    which decides for itself; this only spares it an update that would change nothing).

    Each rollup writer changes the state in the transaction that changes rollup rows:
    noting changes sets `last_change_at` (and adds dirty marks), processing removes
    dirty marks (their count only falls between two notings), the full rebuild sets
    `last_full_at`. So two reads that give the same version saw the same rollup rows.
    Team ids are never reused, so their count and largest id change with any team
    added or removed (the before/after comparison is against all other teams)."""
    from org.models import Team

    from .services import REFRESH_AFTER

    now = now or timezone.now()
    row = (
        RollupState.objects.filter(pk=1)
        .annotate(
            dirty=_count(DirtyBucket.objects.all()),
            teams=_count(Team.objects.all()),
            last_team=_count(Team.objects.all(), "MAX"),
        )
        .values_list(
            "last_full_at",
            "last_change_at",
            "dirty",
            "teams",
            "last_team",
            "swept_until",
            "sweep_requested_at",
        )
        .first()
    )
    if row is None:
        teams = Team.objects.aggregate(n=Count("pk"), last=Max("pk"))
        return (None, None, DirtyBucket.objects.count(), teams["n"], teams["last"]), True
    recent = now - REFRESH_AFTER
    swept, requested = row[5:]
    due = (swept is None or swept < recent) and (requested is None or requested < recent)
    return tuple(row[:5]), due


@memoize
def templates_digest(names: tuple[str, ...]) -> str:
    """A digest of the sources of these templates (read once per process)."""
    digest = hashlib.blake2b(digest_size=8)
    for name in names:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()


def fragment_key(kind: str, templates: Sequence[str], parts: Sequence[Any]) -> str:
    text = repr((kind, templates_digest(tuple(templates)), tuple(parts)))
    return _PREFIX + kind + ":" + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def cached(kind: str, templates: Sequence[str], parts: Sequence[Any], build: Callable[[], T]) -> T:
    """The value stored under (kind, templates, parts), else `build()`, stored."""
    key = fragment_key(kind, templates, parts)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=FRAGMENT_SECONDS)
    return value


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a page: what it is drawn from (`parts`, or a `stamp` name whose
    token must match the one it was built under) and how to build it."""

    kind: str
    templates: Sequence[str]
    parts: Sequence[Any]
    build: Callable[[], Any]
    stamp: str | None = None

    @property
    def key(self) -> str:
        return fragment_key(self.kind, self.templates, self.parts)


def cached_many(parts: dict[str, Part]) -> dict[str, Any]:
    """The value of each part, read in one `get_many` (parts and their stamps); the
    missing ones built and stored with one `set_many`."""
    stamp_keys = {p.stamp: stamps.PREFIX + p.stamp for p in parts.values() if p.stamp}
    found = cache.get_many([p.key for p in parts.values()] + list(stamp_keys.values()))
    tokens = {name: found.get(key) for name, key in stamp_keys.items()}
    for name, token in tokens.items():
        if token is None:  # evicted or never set: a new token, so nothing old matches
            tokens[name] = stamps.current(name)
    values: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    stamped: dict[str, Any] = {}
    for name, part in parts.items():
        value = found.get(part.key)
        if part.stamp is None:
            if value is not None:
                values[name] = value
                continue
            values[name] = plain[part.key] = part.build()
            continue
        token = tokens[part.stamp]
        if token is not None and isinstance(value, tuple) and value[0] == token:
            values[name] = value[1]
            continue
        values[name] = part.build()
        if token is not None:  # None: the cache cannot be used, do not store
            stamped[part.key] = (token, values[name])
    if plain:
        cache.set_many(plain, timeout=FRAGMENT_SECONDS)
    if stamped:
        cache.set_many(stamped, timeout=stamps.FRAGMENT_SECONDS)
    return values
