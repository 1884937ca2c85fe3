"""Django's Redis cache, made to degrade instead of failing while Redis is unreachable.

Django's own RedisCache raises as soon as Redis is down, and has no option to ignore errors.
Everything the cache holds here can be rebuilt, so an outage should cost speed, never a page:

- reads miss (`get` gives the default, `get_many` nothing, `has_key` False);
- writes are dropped (`set`, `add`, `touch`, `delete` and friends report that nothing was
  stored);
- counters still raise (`incr`/`decr` raise `CacheUnavailable`), because no made-up number is a
  right answer for a counter: the caller decides (the rate limiter counts locally instead).

After a failure the backend leaves Redis alone for `retry_after` seconds, so a Redis that hangs
costs one socket timeout (see OPTIONS in settings) per thread per interval, not one per call.
Warnings are logged at most once a minute per process.
"""

import logging
from time import monotonic

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class CacheUnavailable(Exception):
    """The cache could not be reached; raised only where no degraded answer exists."""


class ThrottledWarning:
    """A warning logged at most once per `every` seconds (per process): an outage is worth
    one line a minute in the log, not one per request."""

    def __init__(self, log: logging.Logger, every: float = 60.0):
        self.log = log
        self.every = every
        self.last = None

    def __call__(self, message: str, *args) -> None:
        now = monotonic()
        if self.last is None or now - self.last >= self.every:
            self.last = now
            self.log.warning(message, *args)

    def reset(self) -> None:
        self.last = None


warn = ThrottledWarning(logger)


class ResilientRedisCache(RedisCache):
    retry_after = 5.0  # seconds without trying Redis after a failure

    def __init__(self, server, params):
        super().__init__(server, params)
        self._resting_until = 0.0

    def _resting(self) -> bool:
        return monotonic() < self._resting_until

    def _failed(self, exc: Exception) -> None:
        self._resting_until = monotonic() + self.retry_after
        warn("Redis cache unreachable, serving without it: %s", exc)

    def _degrade(self, operation, *args, fallback=None):
        if self._resting():
            return fallback
        try:
            return operation(*args)
        except RedisError as exc:
            self._failed(exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._degrade(super().get, key, default, version, fallback=default)

    def get_many(self, keys, version=None):
        return self._degrade(super().get_many, keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._degrade(super().has_key, key, version, fallback=False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(super().add, key, value, timeout, version, fallback=False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._degrade(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(super().set_many, data, timeout, version, fallback=list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(super().touch, key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._degrade(super().delete, key, version, fallback=False)

    def delete_many(self, keys, version=None):
        self._degrade(super().delete_many, keys, version)

    def clear(self):
        return self._degrade(super().clear, fallback=False)

    def incr(self, key, delta=1, version=None):
        if self._resting():
            raise CacheUnavailable("Redis was unreachable a moment ago")
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._failed(exc)
            raise CacheUnavailable(str(exc)) from exc
