"""Back up the whole database into one file, while the site keeps running.

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`) on Django's own connection,
which copies a consistent snapshot even while other processes write. PostgreSQL:
`pg_dump --format=custom`, connected with the DATABASES settings; the password travels in the
PGPASSWORD environment variable, never on the command line.

The file is written under a hidden temporary name and renamed when it is complete, so a file
with a backup's name is always a whole backup. `manage.py restore PATH` reads it back.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.backends.postgresql.client import DatabaseClient

EXTENSIONS = {"sqlite": "sqlite3", "postgresql": "dump"}


def default_path(vendor: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "backups" / f"kotoba-{vendor}-{stamp}.{EXTENSIONS[vendor]}"


def find_tool(name: str) -> str:
    """The full path of a PostgreSQL client program, or a CommandError saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs, of the "
            "server's major version or newer (Debian/Ubuntu: apt install postgresql-client)."
        )
    return found


def postgres_options(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore, and the environment to run them in.

    Host, port, user and database name go on the command line; the password (and SSL files,
    service name, passfile) go in the environment, as Django's own `dbshell` passes them.
    """
    _, extra_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    options = ["--no-password"]  # fail at once instead of waiting for a prompt under cron
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            options.append(f"{flag}={settings_dict[key]}")
    if settings_dict.get("NAME"):
        options.append(f"--dbname={settings_dict['NAME']}")
    return options, {**os.environ, **(extra_env or {})}


def run_tool(name: str, arguments: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - the program is found on PATH, no shell involved
        [find_tool(name), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip() or "no message"
        raise CommandError(f"{name} failed (exit status {result.returncode}): {detail}")


@contextmanager
def written_atomically(path: Path) -> Iterator[Path]:
    """A temporary file next to `path`, renamed to `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file readable by its owner only: a backup holds password hashes.
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def dump_sqlite(source: sqlite3.Connection, target_path: Path) -> None:
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()


def dump_postgresql(settings_dict: dict, target_path: Path) -> None:
    options, env = postgres_options(settings_dict)
    run_tool("pg_dump", ["--format=custom", f"--file={target_path}", *options], env)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = size / 1024
    for unit in ("KB", "MB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GB"


class Command(BaseCommand):
    help = (
        "Back up the whole database into one file while the site runs (SQLite: the online "
        "backup API; PostgreSQL: pg_dump --format=custom). Prints the file's path and size."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Where to write the backup (default: "
            "backups/kotoba-<vendor>-<UTC timestamp>.<sqlite3|dump>).",
        )

    def handle(self, *args, path=None, **options):
        vendor = connection.vendor
        if vendor not in EXTENSIONS:
            raise CommandError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
        target = Path(path).resolve() if path else default_path(vendor)
        if target.exists():
            raise CommandError(f"{target} already exists; give another path.")
        try:
            with written_atomically(target) as partial:
                if vendor == "sqlite":
                    connection.ensure_connection()
                    dump_sqlite(connection.connection, partial)
                else:
                    dump_postgresql(connection.settings_dict, partial)
        except sqlite3.Error as exc:
            raise CommandError(f"SQLite backup failed: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"Could not write the backup: {exc}") from exc
        size = target.stat().st_size
        self.stdout.write(f"Backup written: {target} ({human_size(size)})")
