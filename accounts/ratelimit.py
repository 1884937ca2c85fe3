"""A fixed-window rate limit counted in Django's cache (Redis in production).

LocMem (the development default) counts per process, which is fine for tests and `runserver`.
"""

import time

from django.core.cache import cache


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one event for (scope, key); return True while the count is within `limit`."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
