"""Rendered parts of the cohort dashboard, kept in the cache and shared by every viewer
who would see the same figures.

A part's key is made of everything it is drawn from, read from the database on each
request before the part itself (so a part stored under a key is never older than the
rows the key was read from):

- training panels: the snapshot row (id and `computed_at`, which every refresh sets)
  and whether the viewer sees every member (small groups merged or hidden);
- incident panel and before/after comparison: the teams shown, the day, the cohort's
  start and the state of the rollups and of the set of teams, `rollups_version`;
- all of them: a digest of their templates' sources, so a deploy never serves markup
  of the templates it replaced.

There is nothing to invalidate: a write that changes what a part shows changes its key,
and the part stored under the old key is never asked for again (it expires). A cache
that is down is a miss (`config.cache.ForgivingRedisCache`): the part is computed.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from functools import cache as memoize
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, F, Func, Max, Subquery
from django.template.loader import get_template
from django.utils import timezone

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
