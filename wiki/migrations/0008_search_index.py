"""Search rows carry what the reader filters need (kind, published revision) and a text with
one line per block; PostgreSQL gets a `head` tsvector (title, aliases, summary, tags) with a
GIN index and a partial index of deleted articles; SQLite gets FTS5 tables (trigram
tokenizer) kept current by triggers. See wiki/models/search.py and wiki/search.py."""

import sqlite3

import django.db.models.deletion
from django.db import migrations, models

import wiki.models.search
from wiki.rendering.sanitize import plain_text

POSTGRES_FORWARD = [
    """
    ALTER TABLE wiki_searchentry ADD COLUMN head tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(aliases, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '') || ' ' || coalesce(tags, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX wiki_searchentry_head_gin ON wiki_searchentry USING gin (head)",
    # Search leaves deleted articles out with an anti-join; this keeps it from reading articles.
    "CREATE INDEX wiki_article_deleted_ids ON wiki_article (id) WHERE is_deleted",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS wiki_article_deleted_ids",
    "DROP INDEX IF EXISTS wiki_searchentry_head_gin",
    "ALTER TABLE wiki_searchentry DROP COLUMN IF EXISTS head",
]

# FTS5 external-content tables over wiki_searchentry (rowid = article id). Triggers rather than
# calls in the publishing code: the search rows have several writers (publishing, tag renames
# and merges, bulk loads, cascading deletes), and the index must follow every one.
FTS_TABLES = ["wiki_searchentry_fts", "wiki_searchname_fts"]
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE wiki_searchentry_fts USING fts5(
        title, aliases, summary, tags, body,
        content='wiki_searchentry', content_rowid='article_id', tokenize='trigram'
    )
    """,
    """
    CREATE TRIGGER wiki_searchentry_fts_insert AFTER INSERT ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchentry_fts(rowid, title, aliases, summary, tags, body)
        VALUES (new.article_id, new.title, new.aliases, new.summary, new.tags, new.body);
    END
    """,
    """
    CREATE TRIGGER wiki_searchentry_fts_delete AFTER DELETE ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchentry_fts(wiki_searchentry_fts, rowid, title, aliases, summary, tags, body)
        VALUES ('delete', old.article_id, old.title, old.aliases, old.summary, old.tags, old.body);
    END
    """,
    """
    CREATE TRIGGER wiki_searchentry_fts_update
    AFTER UPDATE OF title, aliases, summary, tags, body ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchentry_fts(wiki_searchentry_fts, rowid, title, aliases, summary, tags, body)
        VALUES ('delete', old.article_id, old.title, old.aliases, old.summary, old.tags, old.body);
        INSERT INTO wiki_searchentry_fts(rowid, title, aliases, summary, tags, body)
        VALUES (new.article_id, new.title, new.aliases, new.summary, new.tags, new.body);
    END
    """,
    "INSERT INTO wiki_searchentry_fts(wiki_searchentry_fts) VALUES ('rebuild')",
    """
    CREATE VIRTUAL TABLE wiki_searchname_fts USING fts5(
        title, aliases,
        content='wiki_searchentry', content_rowid='article_id', tokenize='trigram'
    )
    """,
    """
    CREATE TRIGGER wiki_searchname_fts_insert AFTER INSERT ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchname_fts(rowid, title, aliases)
        VALUES (new.article_id, new.title, new.aliases);
    END
    """,
    """
    CREATE TRIGGER wiki_searchname_fts_delete AFTER DELETE ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchname_fts(wiki_searchname_fts, rowid, title, aliases)
        VALUES ('delete', old.article_id, old.title, old.aliases);
    END
    """,
    """
    CREATE TRIGGER wiki_searchname_fts_update
    AFTER UPDATE OF title, aliases ON wiki_searchentry BEGIN
        INSERT INTO wiki_searchname_fts(wiki_searchname_fts, rowid, title, aliases)
        VALUES ('delete', old.article_id, old.title, old.aliases);
        INSERT INTO wiki_searchname_fts(rowid, title, aliases)
        VALUES (new.article_id, new.title, new.aliases);
    END
    """,
    "INSERT INTO wiki_searchname_fts(wiki_searchname_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS {t}_{e}"
        for t in FTS_TABLES
        for e in ("insert", "delete", "update")
    ),
    *(f"DROP TABLE IF EXISTS {t}" for t in FTS_TABLES),
]
MIN_SQLITE = (3, 34, 0)  # the trigram tokenizer


def create_sqlite_index(schema_editor) -> None:
    """The FTS5 tables and their triggers, filled from the search rows. Also for a later
    migration that rebuilds wiki_searchentry on SQLite (which drops the triggers): call
    `drop_sqlite_index` before it and this after."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(
            f"Kotoba's search on SQLite needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer "
            f"with FTS5 (the trigram tokenizer); this Python's sqlite3 module has SQLite "
            f"{sqlite3.sqlite_version}. Use a newer Python build, or PostgreSQL."
        )
    try:
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    except Exception as exc:
        raise RuntimeError(
            f"Could not create the FTS5 search index on SQLite {sqlite3.sqlite_version} "
            f"(is FTS5 compiled in?): {exc}"
        ) from exc


def drop_sqlite_index(schema_editor) -> None:
    for statement in SQLITE_BACKWARD:
        schema_editor.execute(statement)


def fill_entries(apps, schema_editor):
    """Existing rows: kind and published revision from the article, and the body again with
    one line per block."""
    SearchEntry = apps.get_model("wiki", "SearchEntry")
    batch = []
    entries = SearchEntry.objects.select_related("article__published_revision")
    for entry in entries.iterator(chunk_size=500):
        revision = entry.article.published_revision
        entry.kind = entry.article.kind
        entry.published_revision = revision
        entry.body = plain_text(revision.body_html if revision else "", lines=True)
        batch.append(entry)
        if len(batch) == 500:
            SearchEntry.objects.bulk_update(batch, ["kind", "published_revision", "body"])
            batch = []
    SearchEntry.objects.bulk_update(batch, ["kind", "published_revision", "body"])


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        create_sqlite_index(schema_editor)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        drop_sqlite_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("wiki", "0007_revision_links")]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="kind",
            field=models.CharField(
                choices=[("term", "Term"), ("genre", "Genre explainer")],
                default="term",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="published_revision",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="wiki.revision",
            ),
        ),
        migrations.CreateModel(
            name="SearchText",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="wiki.searchentry",
                    ),
                ),
                ("document", wiki.models.search.MatchField(db_column="wiki_searchentry_fts")),
            ],
            options={"db_table": "wiki_searchentry_fts", "managed": False},
        ),
        migrations.CreateModel(
            name="SearchName",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="wiki.searchentry",
                    ),
                ),
                ("names", wiki.models.search.MatchField(db_column="wiki_searchname_fts")),
            ],
            options={"db_table": "wiki_searchname_fts", "managed": False},
        ),
        migrations.RunPython(fill_entries, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
    ]
