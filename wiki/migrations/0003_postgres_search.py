"""PostgreSQL only: a generated, weighted tsvector on the search entries with a GIN index,
and pg_trgm indexes for "did you mean". Other databases skip this migration's SQL."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE wiki_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(aliases, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '') || ' ' || coalesce(tags, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX wiki_searchentry_document_gin ON wiki_searchentry USING gin (document)",
    "CREATE INDEX wiki_searchentry_title_trgm ON wiki_searchentry USING gin (title gin_trgm_ops)",
    "CREATE INDEX wiki_alias_name_trgm ON wiki_alias USING gin (name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS wiki_alias_name_trgm",
    "DROP INDEX IF EXISTS wiki_searchentry_title_trgm",
    "DROP INDEX IF EXISTS wiki_searchentry_document_gin",
    "ALTER TABLE wiki_searchentry DROP COLUMN IF EXISTS document",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("wiki", "0002_moderators_group")]

    operations = [migrations.RunPython(forward, backward)]
