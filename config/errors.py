"""Error pages in the site's style. The 500 and 503 pages render without a request context,
so a broken database or template context processor cannot break them too."""

from django.http import HttpResponse, HttpResponseServerError
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


# Form fields whose text a 503 page hands back, with the label it shows.
KEPT_FIELDS = {
    "title": "Title",
    "summary": "Summary",
    "body": "Text",
    "aliases": "Aliases",
    "edit_summary": "Edit summary",
    "text": "Details",
    "content": "Text",
}


def database_unavailable(request):
    """The database connection failed mid-request. Rendered without the database (no
    request context, no session): any text the request posted is shown back to copy."""
    kept = []
    if request.method == "POST":
        kept = [
            (label, request.POST[name])
            for name, label in KEPT_FIELDS.items()
            if request.POST.get(name, "").strip()
        ]
    page = loader.get_template("errors/503.html").render({"kept": kept, "back": request.path})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = "5"
    return response
