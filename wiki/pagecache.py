"""Whole pages for anonymous readers, from the shared cache, never stale.

A reader with no session, no reading preferences and no pending message sees the same page
as every such reader: views marked `@public_page` store it in Django's cache (Redis in
production) and `PageCacheMiddleware` serves it before sessions, authentication or the view
run. Everyone else gets the page built for them (and `Cache-Control: private`).

Freshness is exact: every entry records the site *generation* it was built under, and every
change a reader can see bumps the generation (`bump`, called by publishing, the moderation
log, tag services and the admin) once its transaction commits. An entry from an older
generation is never served. The generation is read in the same round trip as the entry.

If the cache is unreachable when a change commits, the bump is kept and retried by that
process on its next request; and no entry outlives `KOTOBA_PAGE_CACHE_SECONDS`.
`KOTOBA_PURGE_HOOK` (a dotted path) is called with the new generation after each bump, for
a CDN in front (see docs/deployment.md); pages carry `s-maxage` for such a CDN.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.module_loading import import_string

from config.routers import replica_in_use

from . import preferences

logger = logging.getLogger(__name__)

GENERATION_KEY = "kotoba:generation"
_PAGE_PREFIX = "kotoba:page:"
# Cookies that make a page someone's own: the session (signed in, or a form's state), a
# message waiting to be shown, reading preferences (kept, or for this browser session).
_PERSONAL_COOKIES = (
    settings.SESSION_COOKIE_NAME,
    "messages",
    preferences.COOKIE,
    preferences.ADULT_SESSION_COOKIE,
)
_STORED_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options", "Link")

_lost_bump = False  # a bump this process could not deliver; retried on its next request


# --- the generation ---------------------------------------------------------------------


def bump() -> None:
    """A change readers can see: once the current transaction commits (at once outside
    one), no page built before it is served again."""
    transaction.on_commit(_bump_now, robust=True)


def _bump_now() -> None:
    global _lost_bump
    try:
        try:
            generation = cache.incr(GENERATION_KEY)
        except ValueError:  # never set, or evicted: start past anything stored before
            cache.add(GENERATION_KEY, time.time_ns())
            generation = cache.incr(GENERATION_KEY)
    except Exception as exc:  # the cache is down: pages are not served from it meanwhile
        _lost_bump = True
        logger.warning("Could not bump the page generation (%r); will retry", exc)
        return
    _lost_bump = False
    hook = settings.KOTOBA_PURGE_HOOK
    if hook:
        try:
            import_string(hook)(generation)
        except Exception:
            logger.exception("The purge hook %s failed", hook)


def _lookup(key: str):
    """(the current generation, the entry stored under `key`) in one round trip; the
    generation is None only while the cache is unreachable."""
    found = cache.get_many([GENERATION_KEY, key])
    generation, entry = found.get(GENERATION_KEY), found.get(key)
    if generation is None:  # a new cache: start past anything stored before
        cache.add(GENERATION_KEY, time.time_ns())
        generation = cache.get(GENERATION_KEY)
    return generation, entry


# --- fragments ------------------------------------------------------------------------------

_FRAGMENT_PREFIX = "kotoba:fragment:"


def fragment(key: str, build):
    """`build()`, or its value from the cache if it was built under the current generation.
    For the parts of a page that readers who are not served whole pages still share (an
    article's text as readers with the same preferences see it): `key` must name everything
    the value depends on besides the site's data. Built afresh when the cache is off or down."""
    if not settings.KOTOBA_PAGE_CACHE:
        return build()
    full_key = _FRAGMENT_PREFIX + hashlib.sha256(key.encode()).hexdigest()
    generation, entry = _lookup(full_key)
    if generation is not None and entry is not None and entry["generation"] == generation:
        return entry["value"]
    value = build()
    # Not from a read replica: it may not have replayed the change behind this generation yet,
    # and what it built would be kept as current (config/routers.py).
    if generation is not None and replica_in_use() is None:
        entry = {"generation": generation, "value": value}
        cache.set(full_key, entry, settings.KOTOBA_PAGE_CACHE_SECONDS)
    return value


# --- views --------------------------------------------------------------------------------


def public_page(view):
    """Mark a view's pages as the same for every reader who has no session, no preferences
    and no message waiting: they may be stored and served from the cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.kotoba_public = True
        return response

    return wrapper


# --- the middleware -------------------------------------------------------------------------


def anonymous_default(request) -> bool:
    """Whether this request may be answered with the page every such reader gets."""
    return request.method in ("GET", "HEAD") and not any(
        name in request.COOKIES for name in _PERSONAL_COOKIES
    )


def _page_key(request) -> str:
    address = f"{request.get_host()}{request.get_full_path()}"
    return _PAGE_PREFIX + hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()


class PageCacheMiddleware:
    """Serves and stores `@public_page` pages for anonymous readers with default settings;
    marks every other page private. Place it after WhiteNoise and ConditionalGet, before
    sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _lost_bump:
            _bump_now()
        if not anonymous_default(request):
            return self._private(self.get_response(request))
        key = generation = None
        if settings.KOTOBA_PAGE_CACHE:
            key = _page_key(request)
            generation, entry = _lookup(key)
            if generation is not None and entry is not None and entry["generation"] == generation:
                return self._replay(entry)
        response = self.get_response(request)
        if not getattr(response, "kotoba_public", False):
            return self._private(response)
        if generation is not None and self._storable(request, response):
            # Stored under the generation read before the page was built: if a change
            # committed meanwhile, the entry is already out of date and is never served.
            cache.set(key, self._entry(response, generation), settings.KOTOBA_PAGE_CACHE_SECONDS)
        return self._public(response)

    @staticmethod
    def _storable(request, response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        )

    @staticmethod
    def _entry(response, generation) -> dict:
        content = response.content
        response.headers.setdefault("ETag", f'"{hashlib.md5(content).hexdigest()}"')  # noqa: S324
        response.headers.setdefault("Last-Modified", http_date())
        headers = {name: response[name] for name in _STORED_HEADERS if response.has_header(name)}
        etag, modified = response["ETag"], response["Last-Modified"]
        return {
            "generation": generation,
            "content": content,
            "headers": headers,
            "etag": etag,
            "modified": modified,
        }

    def _replay(self, entry) -> HttpResponse:
        response = HttpResponse(entry["content"])
        for name, value in entry["headers"].items():
            response[name] = value
        response["ETag"], response["Last-Modified"] = entry["etag"], entry["modified"]
        response.kotoba_public = True
        return self._public(response)

    @staticmethod
    def _public(response):
        patch_vary_headers(response, ["Cookie"])
        if not response.has_header("Cache-Control"):
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=settings.KOTOBA_SHARED_MAX_AGE
            )
        return response

    @staticmethod
    def _private(response):
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response
