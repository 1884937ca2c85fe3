"""An app server's worker frees each request's reference cycles as the next request starts
(config/memory.py), instead of letting hundreds of requests' worth wait for a full
collection: measured by the benchmark (docs/performance.md), explained in docs/architecture.md
("Worker memory")."""

import gc
import importlib
import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started

from config import memory


def left_after(requests: int) -> int:
    """GET / `requests` times through the WSGI application as a server sends it (the body
    read, the response closed and dropped), with the automatic collector off: the objects
    left for the cycle collector after them."""
    application = WSGIHandler()
    gc.collect()
    gc.disable()
    try:
        for _ in range(requests):
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/",
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
                "HTTP_HOST": "testserver",
                "wsgi.input": io.BytesIO(),
                "wsgi.url_scheme": "http",
            }
            statuses = []
            result = application(environ, lambda status, *args: statuses.append(status))
            b"".join(result)
            result.close()
            del result
            assert statuses == ["200 OK"]
        return gc.collect()
    finally:
        gc.enable()


@pytest.fixture
def collector():
    memory.install()
    yield
    request_started.disconnect(dispatch_uid=memory.UID)


@pytest.fixture
def no_collector():
    request_started.disconnect(dispatch_uid=memory.UID)  # whatever a test before installed


@pytest.fixture
def uncached_pages(settings):
    settings.KOTOBA_PAGE_CACHE = False


@pytest.mark.django_db(transaction=True)
def test_without_it_every_request_leaves_cycles_behind(no_collector, uncached_pages):
    one = left_after(1)

    assert one > 50  # the request, its messages, its user, the template context
    assert left_after(3) >= 3 * one - 10


@pytest.mark.django_db(transaction=True)
def test_with_it_only_the_last_requests_cycles_are_left(collector, uncached_pages):
    one = left_after(1)

    assert one > 50
    assert left_after(3) == one


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_the_app_servers_entry_points_install_it(entry_point):
    module = importlib.import_module(entry_point)
    request_started.disconnect(dispatch_uid=memory.UID)

    importlib.reload(module)  # as a server imports it

    try:
        assert any(key[0] == memory.UID for key, *_ in request_started.receivers)
    finally:
        request_started.disconnect(dispatch_uid=memory.UID)
