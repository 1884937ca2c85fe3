"""Upload, file pages, versions, and the pictures themselves."""

import re

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import confirmed_email_required
from wiki import permissions
from wiki.preferences import prefs_for

from . import selectors, services
from .embedding import picture_urls
from .forms import UploadForm, VersionForm

# What the media view serves: content-addressed pictures and their thumbnails, nothing else.
_MEDIA_NAME = re.compile(r"files/([0-9a-f]{2})/([0-9a-f]{64})(?:-(\d{1,5}))?\.(jpg|png|webp|gif)")
_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def file_list(request):
    page = Paginator(selectors.visible_files(), 48).get_page(request.GET.get("page"))
    return render(request, "files/list.html", {"page": page})


@confirmed_email_required
@require_http_methods(["GET", "POST"])
def upload(request):
    if request.method == "GET":
        form = UploadForm(initial={"name": request.GET.get("name", "")[:120]})
        return render(request, "files/upload.html", {"form": form})
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        details = services.Details(
            **{k: data[k] for k in ("name", "licence", "alt_text", "own_work", "source")},
            rationale=data["rationale"],
            description=data["description"],
            is_adult=data["is_adult"],
        )
        try:
            version = services.upload(user=request.user, fileobj=data["picture"], details=details)
        except services.UploadRefused as refused:
            form.add_error(None, str(refused))
        else:
            return _uploaded(request, version)
    if _wants_json(request):
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return JsonResponse({"error": " ".join(errors)}, status=400)
    if request.FILES:
        form.add_error("picture", "Choose the picture again: browsers do not keep a chosen file.")
    return render(request, "files/upload.html", {"form": form}, status=400)


def _uploaded(request, version):
    file = version.file
    waiting = version.is_pending
    if _wants_json(request):
        return JsonResponse(
            {
                "name": file.name,
                "embed": f"[[File:{file.name}]]",
                "url": file.get_absolute_url(),
                "pending": waiting,
            },
            status=201,
        )
    if waiting:
        messages.info(request, "Uploaded. A moderator will review it before readers can see it.")
    else:
        messages.success(request, f"Uploaded. Embed it in an article with [[File:{file.name}]].")
    return redirect(file)


def _file_or_404(request, name):
    file = selectors.file_named(name, viewer=request.user)
    if file is None:
        raise Http404("No such file.")
    return file


def file_page(request, name):
    return _file_page(request, _file_or_404(request, name))


def _file_page(request, file, *, version_form=None, status=200):
    versions = selectors.versions_for(file, request.user)
    shown = file.current or next(iter(versions), None)
    prefs = prefs_for(request)
    withheld = file.is_adult and not prefs.show_adult
    context = {
        "file": file,
        "shown": shown,
        "urls": picture_urls(shown) if shown else None,
        "versions": versions,
        "used_on": selectors.used_on(file, prefs),
        "withheld": withheld,
        "can_edit": permissions.edit_refusal(request.user) is None,
        "can_moderate": permissions.can_moderate(request.user),
        "version_form": version_form or VersionForm(),
    }
    return render(request, "files/file.html", context, status=status)


@confirmed_email_required
@require_POST
def new_version(request, name):
    file = _file_or_404(request, name)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = services.upload_version(
                file,
                user=request.user,
                fileobj=form.cleaned_data["picture"],
                summary=form.cleaned_data["summary"],
            )
        except services.UploadRefused as refused:
            form.add_error("picture", str(refused))
        else:
            if version.is_pending:
                messages.info(request, "New version uploaded; it waits for a moderator's review.")
            else:
                messages.success(request, "New version uploaded.")
            return redirect(file)
    # Back on the file page with what was typed (a browser never keeps the chosen file).
    return _file_page(request, file, version_form=form, status=400)


@confirmed_email_required
@require_POST
def revert_view(request, name, number):
    file = _file_or_404(request, name)
    try:
        services.revert(file, number, user=request.user)
    except services.UploadRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Went back to the picture of version {number}.")
    return redirect(file)


def media(request, path):
    """A stored picture, to whoever may see it: anyone for an accepted version of a file
    that is not deleted; its uploader and moderators for one still pending. Streamed (or
    handed to nginx), never read whole into memory; sandboxed, never sniffed."""
    match = _MEDIA_NAME.fullmatch(path)
    if match is None or match[1] != match[2][:2]:
        raise Http404
    access = selectors.picture_access(match[2], request.user)
    if access is None:
        raise Http404
    if settings.KOTOBA_MEDIA_ACCEL:
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.KOTOBA_MEDIA_ACCEL.rstrip("/") + "/" + path
    else:
        try:
            response = FileResponse(default_storage.open(path))
        except FileNotFoundError:
            raise Http404 from None
    response["Content-Type"] = "image/webp" if match[3] else _TYPES[match[4]]
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    if access == "public":  # the name is the content's hash: it never changes
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
