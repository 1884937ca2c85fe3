"""The moderation desk's records: the log, reports, blocks and the URL blocklist."""

import re
import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .. import pagecache


class ModerationLog(models.Model):
    """Append-only: who did what to which revision, article or user, when, and why."""

    class Action(models.TextChoices):
        ACCEPT = "accept", "accepted"
        REJECT = "reject", "rejected"
        REVERT = "revert", "reverted"
        ROLLBACK = "rollback", "rolled back"
        PROTECT = "protect", "changed protection"
        BLOCK = "block", "blocked"
        UNBLOCK = "unblock", "unblocked"
        GRANT = "grant", "granted autoconfirmed"
        REPORT = "report", "handled a report"
        TAG = "tag", "changed a tag"
        DELETE = "delete", "deleted an article"
        UNDELETE = "undelete", "restored an article"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    article = models.ForeignKey(
        "wiki.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="log"
    )
    revision = models.ForeignKey(
        "wiki.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="log"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"

    def __str__(self):
        return f"{self.actor} {self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The moderation log is append-only.")
        super().save(*args, **kwargs)
        # Every logged decision changes what some page shows (a history line at least): no
        # page cached before it is served once it commits.
        pagecache.bump()

    def delete(self, *args, **kwargs):
        raise ValidationError("The moderation log is append-only.")


class Report(models.Model):
    class Reason(models.TextChoices):
        WRONG = "wrong", "Wrong or misleading"
        SPAM = "spam", "Spam or advertising"
        EXPLICIT = "explicit", "Explicit content"
        HARASSMENT = "harassment", "Harassment"
        COPYRIGHT = "copyright", "Copyright"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    article = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="reports")
    revision = models.ForeignKey(
        "wiki.Revision", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(blank=True, help_text="How it was handled.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.article}"


class BlockQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Block(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    reason = models.TextField()
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty for a block without end."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = BlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} until {self.expires_at or 'further notice'}"

    @property
    def is_active(self) -> bool:
        if self.lifted_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class BlockedURL(models.Model):
    """A URL pattern refused in edits: a plain domain ("spam.example") matches it and its
    subdomains; a pattern starting with "re:" is a regular expression on the whole URL."""

    pattern = models.CharField(max_length=300, unique=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "blocked URL pattern"

    def __str__(self):
        return self.pattern

    def clean(self):
        if self.pattern.startswith("re:"):
            try:
                re.compile(self.pattern[3:])
            except re.error as exc:
                raise ValidationError(
                    {"pattern": f"Not a valid regular expression: {exc}"}
                ) from exc

    def matches(self, url: str) -> bool:
        if self.pattern.startswith("re:"):
            return any(
                re.search(self.pattern[3:], candidate, re.IGNORECASE) is not None
                for candidate in (url, _with_normalized_host(url))
            )
        host = normalize_host(_split(url).hostname or "")
        domain = normalize_host(self.pattern.strip().lstrip("."))
        return bool(host) and (host == domain or host.endswith("." + domain))


_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def normalize_host(host: str) -> str:
    """The host as a browser reads it: percent-decoded, IDNA-mapped (fullwidth letters to
    ASCII, "。" to "."), lowercased, without a trailing dot."""
    host = unquote(host)
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = unicodedata.normalize("NFKC", host).translate(_IDEOGRAPHIC_DOTS)
    return host.lower().rstrip(".")


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError:  # a netloc that NFKC turns into "/", "@" …: split what a browser sees
        return urlsplit(unicodedata.normalize("NFKC", url))


def _with_normalized_host(url: str) -> str:
    parts = _split(url)
    if not parts.hostname:
        return url
    userinfo, at, hostport = parts.netloc.rpartition("@")
    _, colon, port = hostport.rpartition(":")
    port = f":{port}" if colon and "]" not in port else ""
    host = normalize_host(parts.hostname)
    host = f"[{host}]" if ":" in host else host
    return urlunsplit(parts._replace(netloc=f"{userinfo}{at}{host}{port}"))
