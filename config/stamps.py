"""Version stamps for cached page fragments: exact invalidation without deleting keys.

A stamp is a random token kept in the cache under a name ("learner:42", "catalogue").
A fragment is cached under a key that includes the stamps of everything it was built
from; a write that changes any of that data calls `bump(name)`, which (once the
transaction commits) replaces the token, so every key built with the old token is dead
and the next read computes afresh. Nothing is ever served from a stamp that was evicted
or never set: a missing stamp is replaced by a new random token, never defaulted.

The cache stays optional: when it is unreachable `current` answers None and callers
compute without caching (`config.cache.ForgivingRedisCache` turns failures into misses).
"""

import contextlib
import secrets
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

PREFIX = "stamp:"
# Fragments keyed by stamps live at most this long, which also bounds how long a bump
# lost to a cache outage could leave an old fragment readable after the cache returns.
FRAGMENT_SECONDS = 600
STAMP_SECONDS = 24 * 3600


def _fresh() -> str:
    return secrets.token_hex(6)


def current(*names: str) -> str | None:
    """The stamps of `names` joined into one key part, or None when the cache cannot
    be used (then the caller computes and does not cache)."""
    keys = [PREFIX + n for n in names]
    try:
        found = cache.get_many(keys)
    except Exception:  # a cache fault means: do not cache
        return None
    parts = []
    for key in keys:
        token = found.get(key)
        if token is None:
            token = _fresh()
            try:
                if not cache.add(key, token, STAMP_SECONDS):
                    token = cache.get(key)
            except Exception:
                return None
            if token is None:  # unreachable, or evicted again at once
                return None
        parts.append(token)
    return ".".join(parts)


def _replace(names: Iterable[str]) -> None:
    # A lost bump is bounded: fragments expire after FRAGMENT_SECONDS anyway.
    with contextlib.suppress(Exception):
        cache.set_many({PREFIX + n: _fresh() for n in names}, STAMP_SECONDS)


def bump(*names: str) -> None:
    """Invalidate every fragment built on `names`: now (so the writer's own transaction
    sees its change) and again once the transaction commits, so a fragment another
    request built from the data before the commit is dead too."""
    wanted = list(dict.fromkeys(names))
    if wanted:
        _replace(wanted)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _replace(wanted), robust=True)


def learner(user_id: int | None) -> str:
    return f"learner:{user_id}"


CATALOGUE = "catalogue"
