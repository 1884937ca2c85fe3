"""What the renderer needs to know of the files a text embeds (`[[File:...]]`), read once per
render: for each name a reader can see, its page, its picture and thumbnails, size and alt
text. A name with no visible file (none uploaded, still pending, deleted) maps to None and
is shown as a red link to the upload page."""

from django.core.files.storage import default_storage
from django.urls import reverse

from .models import KEY_MAX, File, file_key


def picture_urls(version) -> dict:
    """`src` (the largest thumbnail up to 640 px wide, or the picture itself when it is
    narrower) and a `srcset` of every width there is, for a version."""
    storage = default_storage
    widths = sorted(w for w in version.thumb_widths if w < version.width)
    candidates = [(storage.url(version.thumb_name(w)), w) for w in widths]
    candidates.append((storage.url(version.storage_name), version.width))
    src = next((url for url, w in reversed(candidates) if w <= 640), candidates[0][0])
    return {
        "src": src,
        "original": storage.url(version.storage_name),
        "srcset": ", ".join(f"{url} {w}w" for url, w in candidates),
    }


def _embed(file: File) -> dict:
    version = file.current
    return {
        "page_url": reverse("file", args=[file.name]),
        "width": version.width,
        "height": version.height,
        "alt": file.alt_text,
        "is_adult": file.is_adult,
        **picture_urls(version),
    }


def resolve_files(names) -> dict[str, dict | None]:
    keys = {name: file_key(name) for name in names}
    wanted = {key for key in keys.values() if key and len(key) <= KEY_MAX}
    visible = File.objects.visible().filter(key__in=wanted).select_related("current")
    found = {file.key: _embed(file) for file in visible}
    return {name: found.get(key) for name, key in keys.items()}


def every_visible_file() -> dict[str, dict]:
    """File key -> what `resolve_files` says, for every file readers can see (the import
    resolves embeds from this in processes that do not use the database)."""
    return {file.key: _embed(file) for file in File.objects.visible().select_related("current")}
