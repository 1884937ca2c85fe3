"""Request guards: NUL bytes in addresses, and a database connection lost mid-request; and, with
read replicas, which database a request reads from."""

import logging
import random

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import InterfaceError, OperationalError, connections
from django.urls import reverse

from wiki import pagecache, preferences

from . import routers
from .errors import bad_request, database_unavailable

logger = logging.getLogger(__name__)


class RejectNulBytesMiddleware:
    """Refuse requests with a NUL byte in the path or the query string.

    PostgreSQL cannot store or compare text containing NUL, so such a value reaching a query
    raises an error (a 500). No real page has one: answer with the site's 400 page instead.
    Form bodies are the forms' job: Django's form fields already refuse NUL characters.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return bad_request(request)
        return self.get_response(request)


class RememberAdultNoticeMiddleware:
    """ "Show the article" on an adult notice, with "until I close the browser" ticked
    (`?show=1&remember=1`): a cookie without an expiry, so it ends with the browser session,
    after which adult articles open without the notice (wiki.preferences reads it). Outside
    the page cache, so a page served from it sets the cookie too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.GET.get("show") == "1"
            and request.GET.get("remember") == "1"
            and response.status_code == 200
            and preferences.ADULT_SESSION_COOKIE not in request.COOKIES
        ):
            response.set_cookie(
                preferences.ADULT_SESSION_COOKIE,
                "1",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class DatabaseOutageMiddleware:
    """A database connection that fails mid-request (a restart, a killed backend, a network
    cut) answers 503 with whatever text the request posted, never a bare 500. Transactions
    roll back on their own, so a save either landed whole or not at all; the page says the
    user cannot be sure which, and gives their text back. Broken connections are closed so
    that the next request opens a fresh one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database error during %s %s: %s", request.method, request.path, exception)
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None and not connection.is_usable():
                connection.close()
        return database_unavailable(request)


class ReadYourWritesMiddleware:
    """With read replicas (DATABASE_REPLICA_URLS), choose where each request reads from.

    A safe request (GET, HEAD, OPTIONS) reads from one replica, picked at random, unless it is
    for the admin (moderators decide from what they see), its client wrote something less than
    KOTOBA_READ_YOUR_WRITES_SECONDS ago, or its page may be kept by a shared cache. Every other
    request reads from the primary from start to end. The router (config/routers.py) sends
    reads inside a transaction, and after a write, to the primary in any case.

    Shared caches: the page cache (wiki/pagecache.py) stores a page as current for the site's
    generation it read before building it; a page built from a replica that has not replayed
    the last change yet would be kept, stale, until the next change or its expiry, and so
    would a CDN's copy. So with the page cache on, or pages marked for a CDN, a request whose
    page could be stored (an anonymous reader with default settings) reads from the primary:
    once per page and change, the cache serves the rest.

    "Wrote something" is whatever went through the router as a write: an edit, a sign-in (its
    session row and last_login), a moderation decision, a session changed by a GET. Such a
    response sets a short-lived signed cookie; whichever app server the client's next requests
    reach, they read from the primary until it expires, so people see their own changes at
    once while the replicas catch up. The signature carries the time, so a client cannot keep
    itself on the primary by keeping the cookie. Without replicas the middleware is left out.

    Placed outside SessionMiddleware, so that loading and saving the session are inside it.
    """

    sync_capable = True
    async_capable = True
    cookie_name = "kotoba_wrote"
    salt = "kotoba.read-your-writes"

    def __init__(self, get_response):
        if not settings.KOTOBA_READ_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        with routers.replica_reads(self.replica_for(request)) as reads:
            response = self.get_response(request)
        return self.remember_writes(reads, response)

    async def __acall__(self, request):
        with routers.replica_reads(self.replica_for(request)) as reads:
            response = await self.get_response(request)
        return self.remember_writes(reads, response)

    def replica_for(self, request) -> str | None:
        """The replica this request reads from, or None for the primary."""
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return None
        if request.path.startswith(reverse("admin:index")):
            return None
        if self.wrote_recently(request) or self.shared_caches_may_store(request):
            return None
        return random.choice(settings.KOTOBA_READ_REPLICAS)

    @staticmethod
    def shared_caches_may_store(request) -> bool:
        if not (settings.KOTOBA_PAGE_CACHE or settings.KOTOBA_SHARED_MAX_AGE):
            return False
        return pagecache.anonymous_default(request)  # the page cache's own rule

    def wrote_recently(self, request) -> bool:
        try:
            request.get_signed_cookie(
                self.cookie_name,
                salt=self.salt,
                max_age=settings.KOTOBA_READ_YOUR_WRITES_SECONDS,
            )
        except (KeyError, signing.BadSignature):  # absent, forged or expired
            return False
        return True

    def remember_writes(self, reads, response):
        if reads.wrote:
            response.set_signed_cookie(
                self.cookie_name,
                "1",
                salt=self.salt,
                max_age=settings.KOTOBA_READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
