"""The signed-in person as every page needs them, read with one cache round trip.

Every signed-in request needs the user's row (to check the session against it), their
personas (the navigation and every access check) and, in the header, their unread
notifications. Those are kept in the cache, each with the version stamps
(`config.stamps`) it was computed under:

- `principal:<id>`: the row and the personas, under `user:<id>` (bumped by every save
  or delete of the user whatever the fields, so a new password or a deactivation ends
  other sessions at once, and by every change of their groups) and `people` (the
  persona groups themselves);
- `principal:<id>:<part>`: values apps keep with it (`part`; the unread count under
  `inbox:<id>`, bumped by every write to that user's notifications).

`get_user` reads those stamps, the stamps apps register in `REQUEST_STAMPS` (the learner
pages' own, so their fragments need no second read) and the entries in one `get_many`;
an entry whose stamps are not all current is computed afresh and written back. A stamp
is read before what it guards and replaced after every commit that changes it, so an
entry can only carry the current stamps if it was computed from data at least as new as
the last change. The session checks are Django's own, made against the row every time.
With the cache unreachable, everything is read from the database as before.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend
from django.contrib.auth import _get_user_session_key as session_user_id
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from config import stamps

KEY = "principal:{}"
# Stamps read with the entry, for whoever needs them later in the request (apps add
# theirs: the unread count's, the learner pages'); each maps a user id to stamp names.
REQUEST_STAMPS: list[Callable[[Any], Iterable[str]]] = []
# The names of the values `part` keeps (apps add theirs), read with the entry.
PARTS: list[str] = []
# Attributes Django caches on a user object (permissions) that must not be kept.
_PER_REQUEST = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


def _user_stamps(user_id: Any) -> tuple[str, str]:
    return (stamps.user(user_id), stamps.PEOPLE)


def get_user(request: HttpRequest) -> Any:
    """`django.contrib.auth.get_user`, with the user (and personas) read from the cache
    when the stamps allow: the same session checks (backend still configured, session
    hash against the password), the same flush of a session that fails them."""
    try:
        user_id = session_user_id(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = _load(request, user_id, backend_path)
    if user is None:
        return AnonymousUser()
    session_hash = request.session.get(HASH_SESSION_KEY)
    if session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        return user
    request.session.flush()
    return AnonymousUser()


def _load(request: HttpRequest, user_id: Any, backend_path: str) -> Any:
    from . import access

    key = KEY.format(user_id)
    names = list(_user_stamps(user_id))
    for more in REQUEST_STAMPS:
        names.extend(more(user_id))
    part_keys = {name: f"{key}:{name}" for name in PARTS}
    found = stamps.prefetch(names, keys=[key, *part_keys.values()])
    if found is None:  # the cache is unreachable: read as Django does
        return load_backend(backend_path).get_user(user_id)
    # Whose they are: a view that signs someone else in replaces request.user.
    request._trellis_parts = (  # type: ignore[attr-defined]
        user_id,
        {name: found[k] for name, k in part_keys.items() if k in found},
    )
    entry = found.get(key)
    tokens = stamps.current(*_user_stamps(user_id))
    if (
        isinstance(entry, dict)
        and tokens is not None
        and entry.get("stamps") == tokens
        and entry.get("backend") == backend_path
        and getattr(entry.get("user"), "pk", None) == user_id
    ):
        return entry["user"]
    user = load_backend(backend_path).get_user(user_id)
    if user is None or tokens is None:
        return user
    access.personas(user)  # read now, kept with the row
    for attr in _PER_REQUEST:
        user.__dict__.pop(attr, None)
    entry = {"user": user, "stamps": tokens, "backend": backend_path}
    cache.set(key, entry, stamps.FRAGMENT_SECONDS)
    return user


def part(request: HttpRequest, name: str, stamp: str, compute: Callable[[], Any]) -> Any:
    """A value about the signed-in user kept under `principal:<id>:<name>` with the
    `stamp` it was computed under (e.g. the unread count under `inbox:<id>`): the kept
    value while that stamp is current, else `compute()`, written back. `name` must be
    in `PARTS` (read with the user); without the cache, just `compute()`."""
    user = request.user  # type: ignore[attr-defined]
    owner, found = getattr(request, "_trellis_parts", (None, None))
    if found is None or not user.is_authenticated or owner != user.pk:
        return compute()
    token = stamps.current(stamp)
    kept = found.get(name)
    if token is not None and isinstance(kept, tuple) and kept[0] == token:
        return kept[1]
    value = compute()
    if token is not None:
        found[name] = (token, value)
        cache.set(f"{KEY.format(user.pk)}:{name}", (token, value), stamps.FRAGMENT_SECONDS)
    return value


def users_changed(user_ids: Any) -> None:
    """For writes that send no signals (`QuerySet.update`, `bulk_update`)."""
    stamps.bump(*(stamps.user(u) for u in set(user_ids) if u is not None))


def _on_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    users_changed([instance.pk])


def _on_groups(sender: Any, instance: Any, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("pre_"):
        return
    if not reverse:
        users_changed([instance.pk])
    elif pk_set:
        users_changed(pk_set)
    else:  # group.user_set.clear(): whoever was in it
        stamps.bump(stamps.PEOPLE)


def _on_group(sender: Any, **kwargs: Any) -> None:
    stamps.bump(stamps.PEOPLE)


def connect() -> None:
    from django.contrib.auth.models import Group

    from .models import User

    uid = "org.principal"
    for signal in (post_save, post_delete):
        signal.connect(_on_user, sender=User, dispatch_uid=f"{uid}.user")
        signal.connect(_on_group, sender=Group, dispatch_uid=f"{uid}.group")
    m2m_changed.connect(_on_groups, sender=User.groups.through, dispatch_uid=f"{uid}.groups")
