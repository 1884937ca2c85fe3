"""manage.py import_articles PATH: load an article file (docs/import-format.md)."""

from django.core.management.base import BaseCommand, CommandError

from wiki.transfer.importer import BATCH_SIZE, ImportRefused, import_articles

SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "Import articles with their revisions, authors and tags from a JSON Lines file (or a "
        "JSON array) in the format of docs/import-format.md. Every record is checked first, "
        "with the editor's rules; a bad record refuses the whole import (nothing is written) "
        "unless --skip-invalid. Then the articles are written in batches, one transaction each."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="The file to import (not standard input: it is read twice)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every record; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Leave bad records out (each is listed) and import the rest.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Articles per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes that check and render records (default: one per CPU; 1: none).",
        )

    def handle(self, *args, path, dry_run, skip_invalid, batch_size, workers, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            report = import_articles(
                path,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                batch_size=batch_size,
                workers=workers,
                progress=progress,
            )
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except ImportRefused as refused:
            self._problems(refused.report)
            raise CommandError(
                f"Nothing was imported: {refused.report.skipped} bad record(s). Fix them, or "
                "run again with --skip-invalid to leave them out."
            ) from None
        self._problems(report)
        if report.problems:
            self.stdout.write(f"Left out {report.skipped} bad record(s).")
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {report.articles:,} articles would be imported, "
                    f"{report.users_created:,} users and {report.tags_created:,} tags created. "
                    "Nothing was written."
                )
            )
            return
        rate = report.articles / report.seconds if report.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.articles:,} articles ({report.revisions:,} revisions); "
                f"created {report.users_created:,} users and {report.tags_created:,} tags; "
                f"{report.seconds:,.1f} s ({rate:,.0f} articles/s)."
            )
        )

    def _problems(self, report) -> None:
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(str(problem))
        if len(report.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"… and {len(report.problems) - SHOWN_PROBLEMS} more.")
