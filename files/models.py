"""Uploaded images. A `File` is a page (`/files/<name>/`) with a licence, a source and alt
text; each upload of its picture is a `FileVersion`, moderated as revisions are: a new
contributor's version waits for review, and only an accepted one is ever shown or served to
readers. The pictures themselves are stored under content-addressed names (the SHA-256 of
the re-encoded bytes), so a name never changes meaning and can be cached for ever."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse
from django.utils import timezone

from wiki.names import name_key

NAME_MAX = 120  # what a person types
KEY_MAX = 120  # what is stored to compare names (casefolding can make a name longer)
ALT_MAX = 300
SOURCE_MAX = 500
SUMMARY_MAX = 300
DESCRIPTION_MAX = 2000
RATIONALE_MAX = 2000


def file_key(name: str) -> str:
    """How names are compared: `Dere-Types.PNG` and `dere-types.png` are one file."""
    return name_key(name)


class Licence(models.TextChoices):
    CC_BY_SA = "cc-by-sa-4.0", "CC BY-SA 4.0"
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    CC0 = "cc0-1.0", "CC0 1.0 (public domain dedication)"
    NON_FREE = "non-free", "Non-free, used to illustrate (a rationale is required)"


LICENCE_URLS = {
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class VersionStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class FileQuerySet(models.QuerySet):
    def visible(self):
        """Files a reader may see: not deleted, with an accepted version."""
        return self.filter(is_deleted=False, current__isnull=False)


class File(models.Model):
    name = models.CharField(max_length=NAME_MAX)
    key = models.CharField(max_length=KEY_MAX, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    own_work = models.BooleanField(default=False)
    licence = models.CharField(max_length=20, choices=Licence.choices)
    source = models.CharField(max_length=SOURCE_MAX, blank=True)
    rationale = models.TextField(blank=True)
    alt_text = models.CharField(max_length=ALT_MAX)
    description = models.TextField(blank=True)
    is_adult = models.BooleanField(
        default=False, help_text="Shown only on articles tagged adult, behind their notice."
    )
    current = models.ForeignKey(
        "FileVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_deleted = models.BooleanField(default=False)

    objects = FileQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = file_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("file", args=[self.name])

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")

    @property
    def thumb_url(self) -> str:
        """The smallest picture of the current version (for lists)."""
        version = self.current
        widths = [w for w in version.thumb_widths if w < version.width]
        name = version.thumb_name(min(widths)) if widths else version.storage_name
        return default_storage.url(name)

    @property
    def is_visible(self) -> bool:
        return not self.is_deleted and self.current_id is not None


class FileVersion(models.Model):
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    extension = models.CharField(max_length=4)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="Bytes")
    thumb_widths = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["file", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="unique_file_version"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.file.name} (version {self.number})"

    @property
    def storage_name(self) -> str:
        return f"files/{self.sha256[:2]}/{self.sha256}.{self.extension}"

    def thumb_name(self, width: int) -> str:
        return f"files/{self.sha256[:2]}/{self.sha256}-{width}.webp"

    @property
    def is_pending(self) -> bool:
        return self.status == VersionStatus.PENDING


class FileUse(models.Model):
    """An article whose published text embeds a file (by name: the file may not exist yet)."""

    article = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="file_uses")
    file_key = models.CharField(max_length=KEY_MAX, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "file_key"], name="unique_file_use"),
        ]

    def __str__(self):
        return f"{self.file_key} on article {self.article_id}"


class FileLog(models.Model):
    class Action(models.TextChoices):
        UPLOAD = "upload", "uploaded"
        ACCEPT = "accept", "accepted"
        REJECT = "reject", "rejected"
        DELETE = "delete", "deleted"
        RESTORE = "restore", "restored"
        REVERT = "revert", "reverted"

    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="log")
    version = models.ForeignKey(FileVersion, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.file_id}"
