"""The search index: one row per published article, kept current when a revision is published.

Plain text columns work on every database. On PostgreSQL a migration adds a generated,
weighted `document` tsvector column (title and aliases A, summary and tags B, body C) with a
GIN index, and trigram indexes on titles and aliases; see wiki/search.py.
"""

from django.db import models


class SearchEntry(models.Model):
    article = models.OneToOneField(
        "wiki.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title = models.CharField(max_length=200)
    aliases = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title
