"""Reading files: who may see which file, version and picture. One place for these rules."""

from django.db.models import Q

from wiki.models import Article
from wiki.preferences import filter_articles

from .models import File, FileVersion, VersionStatus, file_key


def _moderator(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_moderator)


def visible_files():
    return File.objects.visible().select_related("current").order_by("-current__created_at")


def file_named(name: str, *, viewer) -> File | None:
    """The file called `name` if `viewer` may see its page: anyone once a version is
    accepted; its uploader while the first one waits; moderators always (deleted too)."""
    file = File.objects.filter(key=file_key(name)).select_related("current", "uploaded_by").first()
    if file is None or file.is_visible or _moderator(viewer):
        return file
    mine = viewer is not None and viewer.is_authenticated and file.uploaded_by_id == viewer.pk
    return file if mine and not file.is_deleted else None


def versions_for(file: File, user) -> list[FileVersion]:
    """Accepted versions; also the user's own (pending or rejected); all for moderators."""
    versions = file.versions.select_related("uploaded_by", "reviewed_by")
    if not _moderator(user):
        shown = Q(status=VersionStatus.ACCEPTED)
        if user is not None and user.is_authenticated:
            shown |= Q(uploaded_by=user)
        versions = versions.filter(shown)
    return list(versions.order_by("-number"))


def used_on(file: File, prefs) -> list[Article]:
    """The published articles whose text embeds the file, that this reader may list."""
    articles = Article.objects.published().filter(file_uses__file_key=file.key).order_by("title")
    return list(filter_articles(articles, prefs))


def picture_access(sha256: str, user) -> str | None:
    """ "public" when the picture belongs to an accepted version of a file readers can see,
    "private" when only this user may see it (a moderator, or the uploader of a version
    still waiting), None otherwise."""
    versions = FileVersion.objects.filter(sha256=sha256)
    if versions.filter(status=VersionStatus.ACCEPTED, file__is_deleted=False).exists():
        return "public"
    if user is None or not user.is_authenticated:
        return None
    if _moderator(user):
        return "private" if versions.exists() else None
    mine = versions.filter(uploaded_by=user, file__is_deleted=False).exclude(
        status=VersionStatus.REJECTED
    )
    return "private" if mine.exists() else None
