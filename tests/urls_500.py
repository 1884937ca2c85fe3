"""The site's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns


def broken_view(request):
    raise RuntimeError("A bug in a view")


urlpatterns = [path("broken/", broken_view), *urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
