"""Check each tag's stored article count (wiki.tagcounts) against the articles, and correct
the wrong ones: after rows were changed by hand in the database, say. `--check` only reports,
and exits with status 1 if a count is wrong."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wiki import pagecache, tagcounts


class Command(BaseCommand):
    help = "Check the tags' article counts and correct any that are wrong."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only; exit 1 if wrong")

    def handle(self, *args, check=False, **options):
        stale = tagcounts.stale_counts()
        for name, stored, true in stale:
            self.stdout.write(f"{name}: stored {stored:,}, counted {true:,}")
        if not stale:
            self.stdout.write("Every tag's article count is right.")
            return
        if check:
            raise CommandError(f"{len(stale)} tag count(s) wrong: run recount_tags to correct.")
        with transaction.atomic():
            tagcounts.recount()
            pagecache.bump()  # the tag index and the home page show the counts
        self.stdout.write(f"Corrected {len(stale)} tag count(s).")
