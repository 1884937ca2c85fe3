"""Every change to files goes through here: upload, a new version, revert, and the
moderators' accept, reject, delete and restore. Views and the admin only call these.

A change readers can see (a version accepted, a file deleted or restored) refreshes the
stored HTML of the articles that embed the file and bumps the page cache, as publishing an
article does for red links. The pictures are written to storage before the database rows:
a transaction that then rolls back leaves an unused content-addressed file behind, never a
row without its picture."""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.ratelimit import hit
from wiki import pagecache, permissions
from wiki.models import Article, Revision
from wiki.moderation import ModerationError, notify, require_moderator
from wiki.publishing import rerender

from .models import (
    ALT_MAX,
    DESCRIPTION_MAX,
    KEY_MAX,
    NAME_MAX,
    RATIONALE_MAX,
    SOURCE_MAX,
    File,
    FileLog,
    FileVersion,
    Licence,
    VersionStatus,
    file_key,
)

Action = FileLog.Action
FORBIDDEN_IN_NAMES = set('/\\#?%[]|{}<>"') | {chr(c) for c in range(32)}


class UploadRefused(Exception):
    """Why an upload cannot be saved: a sentence for the person who tried."""


@dataclass
class Details:
    """What a person says about a file (the upload form's fields but the picture)."""

    name: str
    licence: str
    alt_text: str
    own_work: bool = False
    source: str = ""
    rationale: str = ""
    description: str = ""
    is_adult: bool = False


def check_name(name: str) -> str:
    """The name as it will be stored, or UploadRefused. Letters of any script, digits,
    spaces and simple punctuation; no slashes or brackets (they would break links)."""
    name = " ".join(name.split())
    if not name:
        raise UploadRefused("Give the file a name.")
    if len(name) > NAME_MAX:
        raise UploadRefused(f"A file name can be at most {NAME_MAX} characters.")
    if set(name) & FORBIDDEN_IN_NAMES:
        raise UploadRefused("A file name cannot contain / \\ # ? % [ ] | { } < > or quotes.")
    key = file_key(name)
    if not key or len(key) > KEY_MAX:
        raise UploadRefused(f"That name is too long once written in a standard form ({KEY_MAX}).")
    return name


def check_details(details: Details) -> None:
    for text, limit, what in (
        (details.alt_text, ALT_MAX, "The alt text"),
        (details.source, SOURCE_MAX, "The source"),
    ):
        if len(text) > limit:
            raise UploadRefused(f"{what} can be at most {limit} characters.")
    if details.licence not in Licence.values:
        raise UploadRefused("Choose a licence.")
    if not details.alt_text.strip():
        raise UploadRefused("Describe the picture for people who cannot see it (alt text).")
    if not details.own_work and not details.source.strip():
        raise UploadRefused(
            "Say where the picture comes from (the source), or mark it your own work."
        )
    if details.licence == Licence.NON_FREE and not details.rationale.strip():
        raise UploadRefused(
            "A non-free picture needs a rationale: why it is used, and why a free one would not do."
        )
    if len(details.description) > DESCRIPTION_MAX or len(details.rationale) > RATIONALE_MAX:
        raise UploadRefused(
            f"The description and the rationale can be at most {DESCRIPTION_MAX} characters."
        )


def _name_with_extension(name: str, extension: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in ("jpg", "jpeg", "png", "webp", "gif"):
        name = stem
    return f"{name}.{extension}"


def _check_uploader(user) -> None:
    refusal = permissions.edit_refusal(user)
    if refusal is not None:
        raise UploadRefused(refusal.message.replace("editing", "uploading"))
    limit = (
        settings.KOTOBA_UPLOAD_RATE_AUTOCONFIRMED
        if user.is_trusted
        else settings.KOTOBA_UPLOAD_RATE_NEW
    )
    if not hit("upload", str(user.pk), limit=limit, window=3600):
        raise UploadRefused(
            f"You have uploaded {limit} files in the last hour, the most your account can. "
            "Try again later."
        )


def _store(processed) -> dict:
    """Write the picture and its thumbnails under their content-addressed names (once)."""
    probe = FileVersion(sha256=processed.sha256, extension=processed.extension)
    pieces = [(probe.storage_name, processed.data)]
    pieces += [(probe.thumb_name(t.width), t.data) for t in processed.thumbs]
    for name, data in pieces:
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
    return {
        "sha256": processed.sha256,
        "extension": processed.extension,
        "content_type": processed.content_type,
        "width": processed.width,
        "height": processed.height,
        "size": len(processed.data),
        "thumb_widths": [t.width for t in processed.thumbs],
    }


def _process(fileobj):
    """The upload decoded and re-encoded (files.images). Pillow is imported here, by the
    first upload a worker receives, not by every worker at start: it keeps 3.6 MiB, and most
    workers only ever serve pages."""
    from . import images

    try:
        return images.process_upload(fileobj)
    except images.ImageRefused as refused:
        raise UploadRefused(str(refused)) from refused


def upload(*, user, fileobj, details: Details, summary: str = "") -> FileVersion:
    """A new file. Published at once for trusted contributors, else waiting for review."""
    # Cheap checks first: a mistake in the form costs no upload of the hour's allowance.
    check_details(details)
    name = check_name(details.name)
    _check_uploader(user)
    processed = _process(fileobj)
    name = check_name(_name_with_extension(name, processed.extension))
    if File.objects.filter(key=file_key(name)).exists():
        raise UploadRefused(
            f"A file named “{name}” exists already. Choose another name, or upload a new "
            "version on that file's page."
        )
    stored = _store(processed)
    with transaction.atomic():
        file = File.objects.create(
            name=name,
            uploaded_by=user,
            own_work=details.own_work,
            licence=details.licence,
            source=details.source.strip(),
            rationale=details.rationale.strip(),
            alt_text=details.alt_text.strip(),
            description=details.description.strip(),
            is_adult=details.is_adult,
        )
        version = _add_version(file, user=user, summary=summary or "First version", **stored)
    return version


def upload_version(file: File, *, user, fileobj, summary: str) -> FileVersion:
    """A new picture for an existing file (its history keeps the old ones)."""
    _check_uploader(user)
    if file.is_deleted:
        raise UploadRefused("This file was deleted by a moderator.")
    stored = _store(_process(fileobj))
    with transaction.atomic():
        file = File.objects.select_for_update().get(pk=file.pk)
        return _add_version(file, user=user, summary=summary, **stored)


def revert(file: File, number: int, *, user) -> FileVersion:
    """A new version with the picture of an earlier accepted one."""
    refusal = permissions.edit_refusal(user)
    if refusal is not None:
        raise UploadRefused(refusal.message)
    with transaction.atomic():
        file = File.objects.select_for_update().get(pk=file.pk)
        old = file.versions.filter(number=number, status=VersionStatus.ACCEPTED).first()
        if old is None:
            raise UploadRefused(f"There is no accepted version {number} to go back to.")
        fields = ("sha256", "extension", "content_type", "width", "height", "size", "thumb_widths")
        return _add_version(
            file,
            user=user,
            summary=f"Back to version {number}",
            action=Action.REVERT,
            **{f: getattr(old, f) for f in fields},
        )


def _add_version(file: File, *, user, summary: str, action=Action.UPLOAD, **stored) -> FileVersion:
    number = (file.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    trusted = permissions.publishes_at_once(user)
    version = FileVersion.objects.create(
        file=file,
        number=number,
        uploaded_by=user,
        summary=summary[:300],
        status=VersionStatus.ACCEPTED if trusted else VersionStatus.PENDING,
        reviewed_by=user if trusted else None,
        reviewed_at=timezone.now() if trusted else None,
        **stored,
    )
    FileLog.objects.create(actor=user, action=action, file=file, version=version)
    if trusted:
        _show(file, version)
    return version


def _show(file: File, version: FileVersion | None) -> None:
    """Make `version` the picture readers see (None: no picture), and refresh the articles
    that embed the file once the transaction commits."""
    file.current = version
    file.save(update_fields=["current"])
    refresh_users(file)


def refresh_users(file: File) -> None:
    key = file.key
    transaction.on_commit(lambda: _refresh(key))


def _refresh(key: str) -> None:
    users = Article.objects.filter(file_uses__file_key=key).values("published_revision")
    rerender(Revision.objects.filter(pk__in=users))
    pagecache.bump()


def accept(version: FileVersion, *, moderator, reason: str = "") -> None:
    require_moderator(moderator)
    with transaction.atomic():
        version = FileVersion.objects.select_for_update().select_related("file").get(pk=version.pk)
        if version.status != VersionStatus.PENDING:
            raise ModerationError(f"{version} is not waiting for review.")
        _decide(version, moderator, VersionStatus.ACCEPTED, reason)
        # The newest accepted version is the one shown.
        newest = (
            version.file.versions.filter(status=VersionStatus.ACCEPTED).order_by("-number").first()
        )
        _show(version.file, newest)
        FileLog.objects.create(
            actor=moderator, action=Action.ACCEPT, file=version.file, version=version, reason=reason
        )
    if version.uploaded_by_id and version.uploaded_by_id != moderator.pk:
        notify(
            version.uploaded_by,
            f"Your upload “{version.file.name}” was accepted.",
            version.file.get_absolute_url(),
        )


def reject(version: FileVersion, *, moderator, reason: str) -> None:
    require_moderator(moderator)
    if not reason.strip():
        raise ModerationError("Say why the upload is rejected.")
    with transaction.atomic():
        version = FileVersion.objects.select_for_update().select_related("file").get(pk=version.pk)
        if version.status != VersionStatus.PENDING:
            raise ModerationError(f"{version} is not waiting for review.")
        _decide(version, moderator, VersionStatus.REJECTED, reason)
        FileLog.objects.create(
            actor=moderator, action=Action.REJECT, file=version.file, version=version, reason=reason
        )
    if version.uploaded_by_id:
        notify(
            version.uploaded_by, f"Your upload “{version.file.name}” was not accepted: {reason}", ""
        )


def _decide(version: FileVersion, moderator, status: str, reason: str) -> None:
    version.status = status
    version.reviewed_by = moderator
    version.reviewed_at = timezone.now()
    version.review_reason = reason
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])


def delete(file: File, *, moderator, reason: str) -> None:
    """Readers no longer see the file or its pictures; moderators still do (and can restore
    it). The articles that embed it show a red link in its place."""
    require_moderator(moderator)
    if not reason.strip():
        raise ModerationError("Say why the file is deleted.")
    with transaction.atomic():
        File.objects.filter(pk=file.pk).update(is_deleted=True)
        FileLog.objects.create(actor=moderator, action=Action.DELETE, file=file, reason=reason)
        refresh_users(file)


def restore(file: File, *, moderator, reason: str = "") -> None:
    require_moderator(moderator)
    with transaction.atomic():
        File.objects.filter(pk=file.pk).update(is_deleted=False)
        FileLog.objects.create(actor=moderator, action=Action.RESTORE, file=file, reason=reason)
        refresh_users(file)
