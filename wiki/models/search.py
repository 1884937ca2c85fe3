"""The search index: one row per published article, written when a revision is published.

Plain text columns work on every database; `kind` and `published_revision` mirror the article
so that the reader filters (kind, tag, hidden tags) are answered from the search row without
walking the articles. An entry exists once the article has been published; whether it is
deleted is asked of the article (`SearchEntryQuerySet.listed`).

PostgreSQL: migrations add two generated, weighted tsvector columns with GIN indexes,
`document` (title and aliases A, summary and tags B, body C) and `head` (the A and B parts
only), and trigram indexes on titles and aliases.

SQLite: migration 0008 adds two FTS5 tables with the trigram tokenizer, kept current by
triggers on this table (so every writer is covered: publishing, tag renames, bulk loads):
`wiki_searchentry_fts` (every column; `SearchText`) and `wiki_searchname_fts` (title and
aliases, for "did you mean"; `SearchName`). A migration that rebuilds this table on SQLite
(Django does so for most field changes) drops the triggers: re-create them
(`wiki.migrations.0008_search_index.create_sqlite_index`). See wiki/search.py.
"""

from django.db import models
from django.db.models import Exists, Lookup, OuterRef

from .articles import Article, ArticleKind


class SearchEntryQuerySet(models.QuerySet):
    def listed(self):
        """Entries of articles readers may find: published (every entry is) and not deleted.
        An anti-join that PostgreSQL answers from a partial index of the deleted articles."""
        deleted = Article.objects.filter(pk=OuterRef("pk"), is_deleted=True)
        return self.exclude(Exists(deleted))


class SearchEntry(models.Model):
    article = models.OneToOneField(
        "wiki.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    kind = models.CharField(max_length=10, choices=ArticleKind.choices, default=ArticleKind.TERM)
    published_revision = models.ForeignKey(
        "wiki.Revision", null=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    aliases = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    # The published text, one line per block (wiki.rendering.plain_text(lines=True)).
    body = models.TextField(blank=True)

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title


class MatchField(models.TextField):
    """An FTS5 table's hidden column of the same name: `field__match=query` runs MATCH."""


@MatchField.register_lookup
class Match(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class SearchText(models.Model):
    """SQLite only: the FTS5 index of the search entries (rowid = the article's id)."""

    entry = models.OneToOneField(
        SearchEntry,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    document = MatchField(db_column="wiki_searchentry_fts")

    class Meta:
        managed = False
        db_table = "wiki_searchentry_fts"

    def __str__(self):
        return f"text of search entry {self.pk}"


class SearchName(models.Model):
    """SQLite only: the FTS5 index of titles and aliases, for "did you mean"."""

    entry = models.OneToOneField(
        SearchEntry,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    names = MatchField(db_column="wiki_searchname_fts")

    class Meta:
        managed = False
        db_table = "wiki_searchname_fts"

    def __str__(self):
        return f"names of search entry {self.pk}"
