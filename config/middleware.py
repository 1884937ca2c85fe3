"""Request guards: NUL bytes in addresses, and a database connection lost mid-request."""

import logging

from django.db import InterfaceError, OperationalError, connections

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
