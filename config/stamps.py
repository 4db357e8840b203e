"""Version stamps for cached page fragments: exact invalidation without deleting keys.

A stamp is a random token kept in the cache under a name ("learner:42", "catalogue").
A fragment is cached under a key that includes the stamps of everything it was built
from; a write that changes any of that data calls `bump(name)`, which (once the
transaction commits) replaces the token, so every key built with the old token is dead
and the next read computes afresh. Nothing is ever served from a stamp that was evicted
or never set: a missing stamp is replaced by a new random token, never defaulted.

The cache stays optional: when it is unreachable `current` answers None and callers
compute without caching (`config.cache.ForgivingRedisCache` turns failures into misses).

Within a web request (`request_scope`, entered by `org.middleware.AuthenticationMiddleware`)
the stamps read are remembered, so a page that asks for the same stamps several times (or
for stamps `prefetch` already read with other keys in one round trip) asks the cache once.
A stamp read at the start of a request is at least as old as anything the request reads
afterwards, so what is built from those reads and kept under it is dead once it is
replaced; a bump within the request forgets the stamps it replaces.
"""

import contextlib
import contextvars
import secrets
from collections.abc import Iterable, Iterator

from django.core.cache import cache
from django.db import transaction

PREFIX = "stamp:"
# Fragments keyed by stamps live at most this long, which also bounds how long a bump
# lost to a cache outage could leave an old fragment readable after the cache returns.
FRAGMENT_SECONDS = 600
STAMP_SECONDS = 24 * 3600


# The stamps read in the current request (None outside one: every read asks the cache).
_seen: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "trellis_stamps_seen", default=None
)


def _fresh() -> str:
    return secrets.token_hex(6)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Remember the stamps read until the block ends (one web request)."""
    token = _seen.set({})
    try:
        yield
    finally:
        _seen.reset(token)


def prefetch(names: Iterable[str], keys: Iterable[str] = ()) -> dict[str, object] | None:
    """Read the stamps `names` (remembered for the request) and the cache `keys` in one
    round trip; the values of `keys` found, or None when the cache cannot be used."""
    names = list(names)
    keys = list(keys)
    try:
        found = cache.get_many([PREFIX + n for n in names] + keys)
    except Exception:
        return None
    seen = _seen.get()
    if seen is not None:
        for name in names:
            token = found.get(PREFIX + name)
            if isinstance(token, str):
                seen[name] = token
    return {key: found[key] for key in keys if key in found}


def current(*names: str) -> str | None:
    """The stamps of `names` joined into one key part, or None when the cache cannot
    be used (then the caller computes and does not cache)."""
    seen = _seen.get()
    if seen is not None and all(n in seen for n in names):
        return ".".join(seen[n] for n in names)
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
    if seen is not None:
        seen.update(zip(names, parts, strict=True))
    return ".".join(parts)


def _replace(names: Iterable[str]) -> None:
    names = list(names)
    seen = _seen.get()
    if seen is not None:
        for name in names:
            seen.pop(name, None)
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


def user(user_id: int | None) -> str:
    """A user's own row and personas (every save of it, whatever the fields)."""
    return f"user:{user_id}"


def inbox(user_id: int | None) -> str:
    """A user's notifications (what the unread count in the header is read from)."""
    return f"inbox:{user_id}"


CATALOGUE = "catalogue"
# The persona groups themselves (a group renamed or deleted changes everyone's personas).
PEOPLE = "people"
