"""Restore a backup made by `manage.py backup` into the configured database.

SQLite: the online backup API in reverse, from the backup file into the configured database
file, replacing every page of it. PostgreSQL: `pg_restore --clean --if-exists --no-owner
--no-acl --single-transaction` into the configured database.

Why PostgreSQL restores in place rather than into a new database: it needs only the rights the
site already has (no CREATEDB, no superuser), DATABASE_URL stays as it is, and the single
transaction makes it all or nothing: if pg_restore fails, the database is left as it was.
`--clean` drops only what the backup contains, so a database with tables the backup lacks
(made by newer migrations) is refused before anything runs; restore into a fresh, empty
database then (createdb, point DATABASE_URL at it, run restore).

A database that has any table needs --yes: restoring replaces everything in it.
"""

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .backup import find_tool, postgres_options, run_tool

VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def backup_vendor(path: Path) -> str | None:
    """Which database a backup file is for, read from its first bytes."""
    with path.open("rb") as backup:
        head = backup.read(16)
    if head == b"SQLite format 3\x00":
        return "sqlite"
    if head.startswith(b"PGDMP"):  # pg_dump's custom format
        return "postgresql"
    return None


def load_sqlite(path: Path, target: sqlite3.Connection) -> None:
    """Copy the backup at `path` over the database behind `target`, page by page."""
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            raise CommandError(f"{path} is damaged (PRAGMA quick_check failed); not restored.")
        source.backup(target)
    except sqlite3.Error as exc:
        raise CommandError(f"SQLite restore failed: {exc}") from exc
    finally:
        source.close()


def tables_in_dump(path: Path) -> set[str]:
    """The table names a pg_dump custom-format file holds (from `pg_restore --list`)."""
    listing = subprocess.run(  # noqa: S603 - the program is found on PATH, no shell involved
        [find_tool("pg_restore"), "--list", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise CommandError(f"pg_restore could not read {path}: {listing.stderr.strip()}")
    tables = set()
    for line in listing.stdout.splitlines():
        # e.g. "228; 1259 16459 TABLE public accounts_user postgres"
        words = line.split()
        is_table = len(words) >= 6 and words[3] == "TABLE" and words[4] != "DATA"
        if is_table and not line.startswith(";"):
            tables.add(words[5])
    return tables


def load_postgresql(path: Path, settings_dict: dict) -> None:
    options, env = postgres_options(settings_dict)
    run_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",  # objects belong to the user restoring, whoever made the backup
            "--no-acl",  # the backup's GRANTs may name roles this server does not have
            "--single-transaction",  # all or nothing; implies --exit-on-error
            *options,
            str(path),
        ],
        env,
    )


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, replacing "
        "everything in it (SQLite: the online backup API; PostgreSQL: pg_restore). "
        "A database that is not empty needs --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A backup file (.sqlite3 or .dump).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace the contents of a database that is not empty.",
        )

    def handle(self, *args, path, yes=False, **options):
        backup = Path(path)
        if not backup.is_file():
            raise CommandError(f"{backup} is not a file.")
        vendor = connection.vendor
        if vendor not in VENDOR_NAMES:
            raise CommandError(f"Restores support SQLite and PostgreSQL, not {vendor}.")
        made_for = backup_vendor(backup)
        if made_for is None:
            raise CommandError(
                f"{backup} is neither an SQLite database nor a pg_dump custom-format file."
            )
        if made_for != vendor:
            raise CommandError(
                f"{backup} is a {VENDOR_NAMES[made_for]} backup, but the configured database "
                f"is {VENDOR_NAMES[vendor]}: set DATABASE_URL to a {VENDOR_NAMES[made_for]} "
                "database to restore it."
            )
        database = connection.settings_dict["NAME"]
        tables = set(connection.introspection.table_names())
        if tables and not yes:
            raise CommandError(
                f"The database {database} is not empty ({len(tables)} tables). Restoring "
                "replaces everything in it with the backup. Run again with --yes to go ahead."
            )
        if vendor == "sqlite":
            connection.ensure_connection()
            load_sqlite(backup, connection.connection)
        else:
            extra = tables - tables_in_dump(backup)
            if extra:
                raise CommandError(
                    f"The database {database} has tables the backup does not "
                    f"({', '.join(sorted(extra))}): perhaps made by newer migrations; "
                    "pg_restore --clean would leave them behind. Nothing was changed. Restore "
                    "into a fresh, empty database instead (createdb, then point DATABASE_URL "
                    "at it and run restore again)."
                )
            connection.close()  # pg_restore drops and recreates the tables this one knew
            load_postgresql(backup, connection.settings_dict)
        self.stdout.write(self.style.SUCCESS(f"Restored {backup} into {database}."))
        self.stdout.write(self._next_steps())

    def _next_steps(self) -> str:
        executor = MigrationExecutor(connection)
        loader = executor.loader
        unknown = sorted(set(loader.applied_migrations) - set(loader.disk_migrations))
        if unknown:
            names = ", ".join(f"{app}.{name}" for app, name in unknown)
            return (
                f"The backup was made by newer code: it has migrations this code lacks ({names}). "
                "Run the Kotoba version the backup was made with."
            )
        plan = executor.migration_plan(loader.graph.leaf_nodes())
        if plan:
            return (
                f"The backup is older than the code: {len(plan)} migration(s) to apply. "
                "Next: python manage.py migrate, then restart the site."
            )
        return "The schema matches the code (nothing to migrate). Next: restart the site."
