"""Backup and restore: a wiki with history, pending changes, tags, reports, blocks and a
moderation log comes back from a backup row for row, in a fresh database and in place.

pg_dump reads through its own connection, so these tests commit their data
(`django_db(transaction=True)`) instead of running inside a rolled-back transaction.
"""

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.factories import edit, make_article, make_tag, make_user
from wiki.management.commands import backup as backup_command
from wiki.management.commands.restore import load_postgresql, load_sqlite
from wiki.models import ModerationLog, Report, Revision, RevisionStatus
from wiki.moderation import accept_chain, block_user, file_report, reject

committed = pytest.mark.django_db(transaction=True)
EXTENSION = {"sqlite": ".sqlite3", "postgresql": ".dump"}[connection.vendor]


def postgres_only(test):
    """Mark a test as PostgreSQL-only; it is skipped on other databases."""
    skip = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump / pg_restore")
    return pytest.mark.postgres(skip(test))


@pytest.fixture
def wiki(client):
    """Everything a backup must keep: several revisions, a pending edit by a new user, a
    pending new article, topic/adult/warning tags, an acceptance and a rejection in the
    moderation log, a block, a report, a hidden tag, notices and a signed-in session."""
    moderator = make_user("mod", trust="moderator")
    editor = make_user("editor", trust="autoconfirmed")
    newbie = make_user("newbie", trust="new")
    vandal = make_user("vandal", trust="new")
    slang = make_tag("Slang", description="Words from *online* talk.")
    adult = make_tag("Hentai", category="genre", adult=True)
    warning = make_tag("NTR", category="warning")

    ecchi = make_article("Ecchi", author=editor, body="First.", tags=[slang.pk])
    edit(ecchi, editor, body="Second.", edit_summary="Expanded")
    edit(ecchi, editor, body="Third.", tags=[slang.pk, adult.pk], is_minor=True)
    ntr = make_article("NTR", author=editor, tags=[warning.pk], contrasts_with=[ecchi.pk])

    accept_chain(
        edit(ecchi, newbie, body="Fourth, by a newcomer.").revision,
        moderator=moderator,
        reason="Good addition",
    )
    edit(ecchi, newbie, body="Fifth, still waiting.", edit_summary="Waiting for review")
    reject(edit(ntr, vandal, body="Buy now!").revision, moderator=moderator, reason="Spam")
    make_article("Kuudere", author=newbie, body="A pending new article.")
    block_user(user=vandal, moderator=moderator, reason="Spam")
    file_report(reporter=editor, article=ntr, reason=Report.Reason.WRONG, text="Dates are off.")
    editor.hidden_tags.add(warning)
    client.force_login(editor)

    assert Revision.objects.filter(article=ecchi).count() == 5
    assert Revision.objects.filter(status=RevisionStatus.PENDING).count() == 2
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {
        "accept",
        "reject",
        "block",
    }


def model_tables() -> set[str]:
    """The table of every installed model, M2M through tables included."""
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def snapshot(cursor, tables) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row of every table, in a stable order, with the column names."""
    contents = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT * FROM "{table}"')
        columns = [column[0] for column in cursor.description]
        contents[table] = (columns, sorted(cursor.fetchall(), key=repr))
    return contents


def sqlite_snapshot(database: sqlite3.Connection) -> dict:
    cursor = database.cursor()
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    contents = snapshot(cursor, {name for (name,) in cursor.fetchall()})
    cursor.execute("SELECT name, seq FROM sqlite_sequence")
    contents["(sequences)"] = (["name", "value"], sorted(cursor.fetchall()))
    return contents


def postgresql_snapshot(settings_dict: dict) -> dict:
    """Read through a plain psycopg connection (Django's loads some types differently)."""
    import psycopg

    with psycopg.connect(**psycopg_params(settings_dict), options="-c TimeZone=UTC") as database:
        cursor = database.cursor()
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        contents = snapshot(cursor, {name for (name,) in cursor.fetchall()})
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        contents["(sequences)"] = (["name", "value"], sorted(cursor.fetchall()))
        return contents


def configured_snapshot() -> dict:
    """The test database as it stands (committed: these tests run outside a transaction)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return sqlite_snapshot(connection.connection)
    return postgresql_snapshot(connection.settings_dict)


def restored_sqlite_snapshot(path: Path) -> dict:
    # The same type converters as Django's own connection, which reads the source.
    restored = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        return sqlite_snapshot(restored)
    finally:
        restored.close()


def psycopg_params(settings_dict: dict) -> dict:
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
    }
    return {key: value for key, value in params.items() if value}


@pytest.fixture
def fresh_postgresql_database():
    """The settings of a new, empty PostgreSQL database, dropped afterwards."""
    import psycopg

    admin = {**psycopg_params(connection.settings_dict), "dbname": "postgres"}
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**connection.settings_dict, "NAME": name}
    finally:
        with psycopg.connect(**admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def back_up(path: Path) -> Path:
    call_command("backup", str(path))
    assert path.is_file()
    return path


# The round trip -----------------------------------------------------------------------------


@committed
def test_sqlite_backup_restored_into_a_fresh_file_has_every_row(wiki, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip")
    backup = back_up(tmp_path / "wiki.sqlite3")
    fresh = tmp_path / "fresh.sqlite3"
    target = sqlite3.connect(fresh)
    load_sqlite(backup, target)
    target.close()

    source, restored = configured_snapshot(), restored_sqlite_snapshot(fresh)

    assert model_tables() <= source.keys()
    assert restored.keys() == source.keys()
    for table in source:
        assert restored[table] == source[table], f"{table} differs after the round trip"
    assert restored["wiki_revision"][1], "the comparison saw no revisions"
    assert restored["django_session"][1], "the comparison saw no sessions"


@postgres_only
@committed
def test_postgresql_backup_restored_into_a_fresh_database_has_every_row(
    wiki, tmp_path, fresh_postgresql_database
):
    backup = back_up(tmp_path / "wiki.dump")
    load_postgresql(backup, fresh_postgresql_database)

    source = configured_snapshot()
    restored = postgresql_snapshot(fresh_postgresql_database)

    assert model_tables() <= source.keys()
    assert restored.keys() == source.keys()
    for table in source:
        assert restored[table] == source[table], f"{table} differs after the round trip"
    assert restored["wiki_revision"][1], "the comparison saw no revisions"
    assert restored["django_session"][1], "the comparison saw no sessions"


@committed
def test_restore_with_yes_puts_back_the_wiki_as_it_was_backed_up(wiki, tmp_path, capsys):
    backup = back_up(tmp_path / f"wiki{EXTENSION}")
    before = configured_snapshot()
    Report.objects.all().delete()
    make_user("latecomer")

    call_command("restore", str(backup), yes=True)

    assert configured_snapshot() == before
    out = capsys.readouterr().out
    assert "Restored" in out
    assert "nothing to migrate" in out


@committed
def test_restore_says_to_migrate_when_the_backup_is_older_than_the_code(wiki, tmp_path, capsys):
    recorder = MigrationRecorder(connection)
    last = max(name for app, name in recorder.applied_migrations() if app == "wiki")
    recorder.record_unapplied("wiki", last)  # as if the backup predates the last migration
    try:
        backup = back_up(tmp_path / f"old{EXTENSION}")
        call_command("restore", str(backup), yes=True)
    finally:
        recorder.record_applied("wiki", last)

    out = capsys.readouterr().out
    assert "1 migration(s) to apply" in out
    assert "manage.py migrate" in out


# Refusals -----------------------------------------------------------------------------------


@committed
def test_restore_refuses_a_database_that_is_not_empty_without_yes(wiki, tmp_path):
    backup = back_up(tmp_path / f"wiki{EXTENSION}")
    make_user("after-the-backup")

    with pytest.raises(CommandError, match=r"is not empty .* --yes"):
        call_command("restore", str(backup))

    assert get_user_model().objects.filter(username="after-the-backup").exists()


@committed
def test_restore_refuses_a_backup_made_for_the_other_database(tmp_path):
    other = tmp_path / "other"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP" + bytes(100))
        expected = "is a PostgreSQL backup, but the configured database is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + bytes(100))
        expected = "is a SQLite backup, but the configured database is PostgreSQL"

    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(other), yes=True)


@committed
def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Not a database.")

    with pytest.raises(CommandError, match="neither an SQLite database nor a pg_dump"):
        call_command("restore", str(notes), yes=True)


# The backup file ----------------------------------------------------------------------------


@committed
def test_backup_goes_to_a_timestamped_file_under_backups_by_default(settings, tmp_path, capsys):
    settings.BASE_DIR = tmp_path

    call_command("backup")

    [written] = (tmp_path / "backups").iterdir()
    assert written.name.startswith(f"kotoba-{connection.vendor}-")
    assert written.name.endswith(EXTENSION)
    assert written.stat().st_mode & 0o077 == 0, "a backup holds password hashes: owner only"
    out = capsys.readouterr().out
    assert str(written) in out
    assert re.search(r"\(\d+(\.\d)? [KM]B\)", out), out  # its size, for a human


@committed
def test_backup_never_overwrites_an_existing_file(tmp_path):
    existing = tmp_path / f"wiki{EXTENSION}"
    existing.write_text("an older backup")

    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))

    assert existing.read_text() == "an older backup"


@committed
def test_failed_backup_leaves_no_file_behind(tmp_path, monkeypatch):
    def half_written(source, target_path):
        Path(target_path).write_bytes(b"SQLite format 3\x00 and then the disk filled up")
        raise sqlite3.OperationalError("disk I/O error")

    def pg_dump_failed(settings_dict, target_path):
        Path(target_path).write_bytes(b"PGDMP and then the connection dropped")
        raise CommandError("pg_dump failed (exit status 1): connection lost")

    monkeypatch.setattr(backup_command, "dump_sqlite", half_written)
    monkeypatch.setattr(backup_command, "dump_postgresql", pg_dump_failed)

    with pytest.raises(CommandError, match="failed"):
        call_command("backup", str(tmp_path / f"wiki{EXTENSION}"))

    assert list(tmp_path.iterdir()) == []


def test_password_goes_to_pg_dump_in_the_environment_not_on_the_command_line():
    options, env = backup_command.postgres_options(
        {
            "NAME": "kotoba",
            "USER": "kotoba",
            "PASSWORD": "s3cret-pw",
            "HOST": "db.internal",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require"},
        }
    )

    assert not any("s3cret-pw" in option for option in options)
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert env["PGSSLMODE"] == "require"
    assert {"--host=db.internal", "--port=5433", "--username=kotoba", "--dbname=kotoba"} <= set(
        options
    )
    assert "--no-password" in options  # never waits for a prompt under cron


@postgres_only
@committed
def test_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        call_command("backup", str(tmp_path / "wiki.dump"))

    assert not (tmp_path / "wiki.dump").exists()


@postgres_only
@committed
def test_pg_dump_failure_is_reported_with_its_message(tmp_path, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "kotoba_no_such_database")

    with pytest.raises(CommandError, match='pg_dump failed .*"kotoba_no_such_database"'):
        call_command("backup", str(tmp_path / "wiki.dump"))

    assert list(tmp_path.iterdir()) == []
