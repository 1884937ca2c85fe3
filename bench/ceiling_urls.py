"""One view returning the same 30 KB HTML page every time: the ceiling of `make bench`."""

from django.http import HttpResponse
from django.urls import path

PAGE_BYTES = 30 * 1024


def _page() -> bytes:
    head = b"<!doctype html><html lang=en><head><meta charset=utf-8><title>Ceiling</title>"
    head += b"</head><body><main>"
    tail = b"</main></body></html>\n"
    line = b"<p>A constant paragraph that stands in for the text of an article page.</p>\n"
    room = PAGE_BYTES - len(head) - len(tail)
    body = line * (room // len(line))
    return head + body + b" " * (room - len(body)) + tail


PAGE = _page()


def ceiling(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", ceiling), path("<path:anything>", ceiling)]
