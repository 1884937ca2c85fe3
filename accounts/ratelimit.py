"""Fixed-window rate limits counted in Django's cache (Redis in production), and the client
address they are keyed on.

When the cache fails (Redis down, timing out, refusing writes), `hit` does not fail the request
and does not stop limiting: it counts in a small per-process memory instead, and logs a warning
at most once a minute. Why not fail open? Sign-ups, saves, reports and previews are exactly what
a spammer repeats, and an outage is not the moment to lift every limit. A local counter keeps
each process to the limit, so during the outage the effective limit is at most the number of
processes times the limit (three gunicorn workers: three times). When Redis answers again,
counting goes back to it; what was counted locally is not carried over, so the window in which
the outage ends may let up to twice the limit through. LocMem (the development default) counts
per process anyway, which is fine for tests and `runserver`.
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from config.cache import ThrottledWarning

logger = logging.getLogger(__name__)
warn = ThrottledWarning(logger)

# Used only while the shared cache fails; bounded, so an outage cannot grow it without end.
local_counts = LocMemCache("kotoba-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one event for (scope, key); return True while the count is within `limit`."""
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    try:
        count = _count(cache, cache_key, window)
    except Exception as exc:  # any cache failure, whatever the backend raises: count here
        warn("Rate limits are counted per process: the cache failed (%r)", exc)
        count = _count(local_counts, cache_key, window)
    return count <= limit


def _count(store, cache_key: str, window: int) -> int:
    store.add(cache_key, 0, timeout=window + 5)
    try:
        return store.incr(cache_key)
    except ValueError:  # expired (or never stored) between add and incr
        store.set(cache_key, 1, timeout=window + 5)
        return 1


def client_ip(request) -> str:
    """The client's address as rate limits and sign-in throttling count it.

    By default REMOTE_ADDR. Behind reverse proxies, KOTOBA_CLIENT_IP_HEADER names the header they
    write (e.g. X-Forwarded-For) and KOTOBA_TRUSTED_PROXY_COUNT how many of them append to it:
    the address is read that many entries from the right, since everything further left was
    written by the client and can be forged. A missing, short or malformed header falls back to
    REMOTE_ADDR. An IPv6 address stands for its /64 network, which one subscriber usually holds
    whole: "2001:db8:1:2:a:b:c:d" counts as "2001:db8:1:2::". "" when no valid address is known.
    """
    header = settings.KOTOBA_CLIENT_IP_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        entries = [entry.strip() for entry in request.META.get(meta_key, "").split(",")]
        count = settings.KOTOBA_TRUSTED_PROXY_COUNT
        if len(entries) >= count:
            address = _normalize(entries[-count])
            if address:
                return address
    return _normalize(request.META.get("REMOTE_ADDR", ""))


def _normalize(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return ""
    if address.version == 6:
        if address.ipv4_mapped:  # ::ffff:192.0.2.1 from a dual-stack socket is 192.0.2.1
            return str(address.ipv4_mapped)
        # The network's first address: a valid address, as django-axes stores it (PostgreSQL
        # `inet` refuses the "/64" form in that column).
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)
