"""Error pages in the site's style. The 500 page renders without a request context, so a
broken database or template context processor cannot break it too."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", {"path": request.path}, status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
