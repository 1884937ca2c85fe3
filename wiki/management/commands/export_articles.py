"""manage.py export_articles [PATH]: write the wiki as an article file (docs/import-format.md)."""

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wiki.transfer.exporter import export_articles


class Command(BaseCommand):
    help = (
        "Export every article with every revision (or, with --published-only, what readers "
        "can see) as JSON Lines in the format of docs/import-format.md, which "
        "import_articles reads. Writes to PATH, or to standard output without one."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="File to write (default: standard output).")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Only published articles that are not deleted, with their accepted revisions.",
        )
        parser.add_argument(
            "--emails",
            action="store_true",
            help="Include the users' email addresses (left out by default: personal data).",
        )

    def handle(self, *args, path=None, published_only=False, emails=False, **options):
        if not path:
            count = export_articles(sys.stdout.write, published_only=published_only, emails=emails)
            sys.stdout.flush()
            return
        target = Path(path)
        if target.is_dir():
            raise CommandError(f"{path} is a directory: give a file name.")
        # Written next to the target and renamed when complete: a failed export leaves no
        # half-written file under the name.
        fd, partial = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                count = export_articles(out.write, published_only=published_only, emails=emails)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"Exported {count:,} articles to {target}."))
