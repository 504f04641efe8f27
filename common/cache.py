"""The cache backend for production: Redis, and nothing breaks while Redis is down.

What the cache holds may be lost at any time (decision 0009): today the API's login
throttle history. With Redis unreachable, every read misses and every write is dropped,
with a warning in the log (at most once a minute per process), so sign-in and pages keep
working; the sign-in lockout counts failures in the database and still applies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: Errors that mean "Redis is not there right now" (refused, unreachable, too slow).
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60.0

T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that degrades to "always empty" while Redis is unreachable."""

    _last_warning: float = float("-inf")

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params}
        options = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
        params["OPTIONS"] = {**options, **params.get("OPTIONS", {})}
        super().__init__(server, params)

    def _degrade(self, operation: str, exc: BaseException, fallback: T) -> T:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= WARN_EVERY_SECONDS:
            ResilientRedisCache._last_warning = now
            logger.warning(
                "Cache unavailable (%s during %s): reads miss and writes are dropped until "
                "Redis answers again; the API's login throttle is not counting meanwhile, "
                "the sign-in lockout still is.",
                exc,
                operation,
            )
        return fallback

    def _safely(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except UNAVAILABLE as exc:
            return self._degrade(operation, exc, fallback)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._safely(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._safely(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._safely(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # Nothing was stored: a caller using add() as a lock does not get it.
        return self._safely(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._safely(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._safely(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._safely(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._safely(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._safely(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            self._degrade("incr", exc, None)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from exc

    def clear(self) -> None:
        self._safely("clear", lambda: super(ResilientRedisCache, self).clear(), None)
