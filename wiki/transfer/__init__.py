"""Moving a wiki in and out: the article file format (docs/import-format.md).

- ``records``: reading a file (JSON Lines, or one JSON array) and cleaning each record with
  the editor's own rules (wiki.validation). Plain Python and the renderer, no database: it
  runs in worker processes.
- ``importer``: ``import_articles`` checks the whole file first (what needs the database: names
  taken, tags, users, articles to contrast with), then writes it in batches. The importer's
  writing path is the second one next to ``wiki.editing.save_edit`` and is used by nothing else.
- ``exporter``: ``export_articles`` writes a wiki in the same format, streamed.
"""
