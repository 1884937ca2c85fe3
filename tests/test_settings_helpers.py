"""Settings come from the environment, strictly: bad values fail loudly, production is hardened."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list
from tests.factories import make_user

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-secret-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "kotoba.example",
}


def run_python(*args, **env):
    """Run the venv's Python in the project with a clean Kotoba environment plus `env`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KOTOBA_")) and key != "REDIS_URL"
    }
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# env_bool ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_clear_yes_and_no_values(monkeypatch, raw, expected):
    monkeypatch.setenv("KOTOBA_TEST_FLAG", raw)
    assert env_bool("KOTOBA_TEST_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("KOTOBA_TEST_FLAG", raising=False)
    assert env_bool("KOTOBA_TEST_FLAG", True) is True
    assert env_bool("KOTOBA_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "tru"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("KOTOBA_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="KOTOBA_TEST_FLAG"):
        env_bool("KOTOBA_TEST_FLAG", False)


# env_int -----------------------------------------------------------------------------------


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("KOTOBA_TEST_NUMBER", " 42 ")
    assert env_int("KOTOBA_TEST_NUMBER", 7) == 42


def test_env_int_uses_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("KOTOBA_TEST_NUMBER", raising=False)
    assert env_int("KOTOBA_TEST_NUMBER", 7) == 7
    monkeypatch.setenv("KOTOBA_TEST_NUMBER", "")
    assert env_int("KOTOBA_TEST_NUMBER", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "3 minutes"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("KOTOBA_TEST_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("KOTOBA_TEST_NUMBER", 7)


def test_env_int_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("KOTOBA_TEST_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("KOTOBA_TEST_NUMBER", 7, minimum=1)


# env_list ----------------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_strips_spaces(monkeypatch):
    monkeypatch.setenv("KOTOBA_TEST_HOSTS", "kotoba.example, www.kotoba.example")
    assert env_list("KOTOBA_TEST_HOSTS", []) == ["kotoba.example", "www.kotoba.example"]


def test_env_list_uses_the_default_when_unset_and_is_empty_when_blank(monkeypatch):
    monkeypatch.delenv("KOTOBA_TEST_HOSTS", raising=False)
    assert env_list("KOTOBA_TEST_HOSTS", ["localhost"]) == ["localhost"]
    monkeypatch.setenv("KOTOBA_TEST_HOSTS", "")
    assert env_list("KOTOBA_TEST_HOSTS", ["localhost"]) == []


@pytest.mark.parametrize("raw", ["a,,b", "a,", ", a"])
def test_env_list_refuses_an_empty_item(monkeypatch, raw):
    monkeypatch.setenv("KOTOBA_TEST_HOSTS", raw)
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("KOTOBA_TEST_HOSTS", [])


# The settings module as a whole -------------------------------------------------------------


def test_a_secret_key_is_required_when_debug_is_off():
    result = run_python("-c", "import config.settings", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_a_bad_debug_value_stops_the_settings_from_loading():
    result = run_python("-c", "import config.settings", DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_does_fail_on_development_settings():
    # Proves the check above can fail: debug on and the development key are warnings.
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


PRINT_CACHES = "import json, config.settings as s; print(json.dumps(s.CACHES))"


def test_redis_url_switches_the_cache_to_redis_that_degrades_with_short_timeouts():
    result = run_python("-c", PRINT_CACHES, REDIS_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)["default"]
    assert default["BACKEND"] == "config.cache.ResilientRedisCache"
    assert default["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert default["OPTIONS"] == {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}


def test_without_redis_url_the_cache_is_local_memory():
    result = run_python("-c", PRINT_CACHES)
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)["default"]
    assert default["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


PRINT_TASKS = "import config.settings as s; print(s.TASKS['default']['BACKEND'])"


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "django.tasks.backends.immediate.ImmediateBackend"),
        (PRODUCTION_ENV, "django_tasks_db.backend.DatabaseBackend"),
        ({"DJANGO_TASKS_BACKEND": "database"}, "django_tasks_db.backend.DatabaseBackend"),
        (
            {**PRODUCTION_ENV, "DJANGO_TASKS_BACKEND": "immediate"},
            "django.tasks.backends.immediate.ImmediateBackend",
        ),
    ],
    ids=["development", "production", "database-in-development", "immediate-in-production"],
)
def test_mail_tasks_run_inline_in_development_and_from_the_database_queue_in_production(
    env, backend
):
    result = run_python("-c", PRINT_TASKS, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_TASKS_BACKEND", "celery", "DJANGO_TASKS_BACKEND must be immediate, database"),
        ("KOTOBA_CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR", "KOTOBA_CLIENT_IP_HEADER must be"),
        ("KOTOBA_TRUSTED_PROXY_COUNT", "0", "KOTOBA_TRUSTED_PROXY_COUNT must be at least 1"),
    ],
)
def test_bad_task_and_proxy_settings_stop_the_settings_from_loading(name, value, message):
    result = run_python("-c", "import config.settings", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    directives = {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/wiki/new/"])
def test_admin_and_editor_load_only_same_origin_script_files(client, url):
    # script-src 'self' blocks inline scripts and other origins: these pages must need neither.
    admin = make_user("root", trust="moderator", is_superuser=True)
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert scripts
    for attributes, body in scripts:
        assert re.search(r'\bsrc="/', attributes), attributes
        assert body.strip() == ""
