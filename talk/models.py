"""Talk pages: each article's threads, and the posts in them.

A post goes through the same trust ladder as an edit: a new user's post waits for a moderator
(`status`), an autoconfirmed user's is shown at once. A moderator can hide a post (it stays,
with the reason, for moderators) and lock a thread. A thread is seen by others once its
opening post is.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from wiki.models import RevisionStatus

SUBJECT_MAX = 200
POST_MAX_BYTES = 20_000  # a talk post is a message, not an article


class Thread(models.Model):
    article = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="threads")
    subject = models.CharField(max_length=SUBJECT_MAX)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The time of the newest post readers can see (the talk page's order).
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_visible = models.BooleanField(default=False, editable=False)  # its opening post is
    is_locked = models.BooleanField(default=False)
    locked_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["article", "-last_activity_at"])]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("talk_thread", args=[self.article.slug, self.pk])


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="talk_posts"
    )
    body = models.TextField()
    body_html = models.TextField(editable=False)
    external_links = models.JSONField(default=list, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=1000, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Post {self.pk} in “{self.thread}”"

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"post-{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == RevisionStatus.PENDING


class PostReport(models.Model):
    """A reader's report of a post (moderators read them in the admin)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    is_open = models.BooleanField(default=True)

    def __str__(self):
        return f"Report on {self.post}"
