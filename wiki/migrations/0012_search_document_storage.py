"""PostgreSQL only: keep the search entries' `document` tsvector uncompressed.

A common word's search reads the tsvector of a few hundred entries twice (the match, then
`ts_rank`); compressed (PostgreSQL's default for a value over ~2 KB), every read
decompresses it first. An article's tsvector compresses by about a tenth only, so storing it
uncompressed (out of line, `EXTERNAL`) costs little space and takes about a third off that
query's execution time. The UPDATE rewrites the existing rows (their generated columns are
computed again) so that they are stored the new way too: a one-time pass of about a second
per thousand articles; autovacuum reclaims the old rows later. Other databases skip this
migration's SQL."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE wiki_searchentry ALTER COLUMN document SET STORAGE EXTERNAL")
    schema_editor.execute("UPDATE wiki_searchentry SET body = body")
    # The rewrite queued every row's index entries in the GIN indexes' pending lists, which
    # each search would read through (and the planner, seeing them, would walk the table
    # instead) until the next vacuum: merge them into the indexes now, and count afresh.
    schema_editor.execute(
        "SELECT gin_clean_pending_list('wiki_searchentry_document_gin'::regclass), "
        "gin_clean_pending_list('wiki_searchentry_head_gin'::regclass)"
    )
    schema_editor.execute("ANALYZE wiki_searchentry")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE wiki_searchentry ALTER COLUMN document SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("wiki", "0011_guideline_kind")]

    operations = [migrations.RunPython(forward, backward)]
