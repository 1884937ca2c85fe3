"""Watchlists: a user follows an article (its visible changes) or a tag (its new articles)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Watch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    article = models.ForeignKey(
        "wiki.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="watches"
    )
    tag = models.ForeignKey(
        "wiki.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=False, tag__isnull=True)
                | Q(article__isnull=True, tag__isnull=False),
                name="watch_one_thing",
            ),
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="watch_article_once",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=Q(tag__isnull=False), name="watch_tag_once"
            ),
        ]

    def __str__(self):
        return f"{self.user} watches {self.article or self.tag}"
