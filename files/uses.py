"""Which articles embed which files ("used on" on a file page), kept by publishing."""

from .models import KEY_MAX, FileUse, file_key


def sync_uses(article, names) -> None:
    """Record the files the article's published text embeds (by name: a file may not be
    uploaded yet, and its page then lists the articles waiting for it)."""
    FileUse.objects.filter(article=article).delete()
    keys = {file_key(name) for name in names} - {""}
    FileUse.objects.bulk_create(
        [FileUse(article=article, file_key=key) for key in sorted(keys) if len(key) <= KEY_MAX]
    )
