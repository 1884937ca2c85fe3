"""PostgreSQL only: keep each search entry's `document` tsvector uncompressed, in the row.

A common word's search reads the tsvector of a few hundred entries twice (the match, then
`ts_rank`). By default a value over ~2 KB is compressed and moved to the TOAST table, so every
read fetches its chunks and decompresses them; an article's tsvector (~7 KB for 1,200 words)
compresses by only a tenth. `MAIN` storage with a row target of a whole page keeps it in the
row, uncompressed, as long as the row fits a page (the body, a plain text column, is moved
out first); a longer one is still compressed or moved out, as before. On the benchmark's
corpus this took a common word's ranked query from 2.2 to 1.3 ms and a rare word's from 0.94
to 0.86 ms (docs/architecture.md, Search), for a search table of one row per 8 KB page, about the
size its TOAST table had.

The UPDATE rewrites the existing rows (their generated columns are computed again) so that
they are stored the new way too: a one-time pass of about a second per thousand articles;
autovacuum reclaims the old rows later. Other databases skip this migration's SQL."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE wiki_searchentry SET (toast_tuple_target = 8160)")
    schema_editor.execute("ALTER TABLE wiki_searchentry ALTER COLUMN document SET STORAGE MAIN")
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
    schema_editor.execute("ALTER TABLE wiki_searchentry RESET (toast_tuple_target)")
    schema_editor.execute("ALTER TABLE wiki_searchentry ALTER COLUMN document SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("wiki", "0011_guideline_kind")]

    operations = [migrations.RunPython(forward, backward)]
