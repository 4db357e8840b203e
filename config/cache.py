"""The cache is an optimisation: when Redis is unreachable a read is a miss and a write
is skipped, so every caller computes instead of failing (and a request is not held up
longer than the socket timeouts in `CACHES`)."""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, with connection failures turned into misses and no-ops.

    Counters (`incr`, used by rate limits) still raise: a caller that counts must
    decide what an unknown count means.
    """

    def _warn(self, operation: str, exc: Exception) -> None:
        logger.warning("cache %s skipped: Redis unreachable (%s)", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._warn("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._warn("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        # `key in cache`: the cached_db session engine asks it when it makes a session.
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._warn("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._warn("set", exc)

    def set_many(self, data: dict, timeout: Any = 300, version: int | None = None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self._warn("set_many", exc)
            return list(data)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._warn("add", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._warn("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._warn("delete_many", exc)
