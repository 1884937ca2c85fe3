# Kotoba: `make run` serves the wiki, `make test` runs every check. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6.1 needs Python >= 3.12. PYTHON=... overrides the search below.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
# `make test` runs the suite on this many processes (pytest-xdist; 0 runs it in this one).
# The browser tests stay together on one of them (their xdist_group), one Chromium at a time.
PYTEST_WORKERS ?= auto
PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup
# Where `make serve` listens (the load benchmark runs it on another port).
SERVE_BIND ?= 127.0.0.1:8000

.PHONY: help run serve test lint superuser bench bench-parsers load clean backup restore

help:
	@echo "make run        create .venv, install, migrate SQLite, load demo content, serve :8000"
	@echo "make test       lint, checks, and the test suite on SQLite (and PostgreSQL when it answers)"
	@echo "make test-replica  the read-replica and two-app-server suites against a hot standby (scripts/replica start)"
	@echo "make serve      the production path locally (collectstatic, gunicorn + mail worker, DJANGO_DEBUG=0)"
	@echo "make superuser  create an administrator account"
	@echo "make bench      end-to-end page benchmark on PostgreSQL + Redis with wrk; writes docs/performance.md"
	@echo "                (ARGS=\"--articles 100000 --revisions 1 --only scale\"; see bench/run.py --help)"
	@echo "make bench-parsers  pathological render, diff, display-pass and upload inputs, then one big article's page times (SQLite)"
	@echo "make load       60 s of mixed traffic against make serve, every error listed (SECONDS=, CLIENTS=)"
	@echo "make backup     back up the database to backups/ (SQLite or PostgreSQL, while the site runs)"
	@echo "make restore FILE=backups/...  restore a backup (add YES=1 to replace a database that has data)"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Kotoba needs Python >= 3.12 (python3.13 or python3.12 on PATH, or pyenv's 3.13/3.12); set PYTHON=/path/to/python3.13 to choose one." >&2; exit 1; fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are skipped when pyproject.toml has not changed since the last one.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml package.json | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund; else echo "npm not found: browser accessibility checks will skip"; fi
	@touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

serve: $(VENV)/.installed
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
	DJANGO_HSTS_SECONDS=$${DJANGO_HSTS_SECONDS:-0} \
	bash -c '$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	         $(BIN)/python manage.py migrate --noinput || exit 1; \
	         $(BIN)/python manage.py db_worker & worker=$$!; \
	         $(BIN)/gunicorn config.wsgi --bind $(SERVE_BIND) --workers 3 --access-logfile - & server=$$!; \
	         trap "kill -TERM $$server $$worker 2>/dev/null" INT TERM; \
	         wait $$server; status=$$?; \
	         kill -TERM $$server $$worker 2>/dev/null; wait; exit $$status'

superuser: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	@echo "== pytest on SQLite =="
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 $(BIN)/pytest $(PARALLEL) $(PYTEST_ARGS)
	@if $(BIN)/python scripts/postgres-answers "$(TEST_DATABASE_URL)"; then \
		echo "== pytest on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -m "not browser" $(PARALLEL) $(PYTEST_ARGS); \
	elif [ "$(CI)" = "true" ]; then \
		echo "PostgreSQL did not answer at $(TEST_DATABASE_URL): under CI=true the PostgreSQL run is mandatory." >&2; exit 1; \
	else \
		echo "PostgreSQL did not answer at $(TEST_DATABASE_URL): skipped the PostgreSQL run (mandatory when CI=true)."; \
	fi

# Read replicas (docs/deployment.md): the suites that need a hot standby, at TEST_REPLICA_URL, of
# the server in TEST_DATABASE_URL (`scripts/replica start` makes one on 5433; .ci/run does).
# Kept apart from `make test`, which needs no standby.
TEST_REPLICA_URL ?= postgres://postgres@127.0.0.1:5433/postgres
.PHONY: test-replica
test-replica: $(VENV)/.installed-dev
	@$(BIN)/python scripts/postgres-answers "$(TEST_REPLICA_URL)" || { \
		echo "No standby answers at $(TEST_REPLICA_URL): start one with scripts/replica start." >&2; exit 1; }
	@echo "== pytest on a primary and its standby ($(TEST_DATABASE_URL), $(TEST_REPLICA_URL)) =="
	DATABASE_URL="$(TEST_DATABASE_URL)" DATABASE_REPLICA_URLS="$(TEST_REPLICA_URL)" \
		$(BIN)/pytest tests/test_replicas.py tests/test_two_app_servers.py $(PYTEST_ARGS)

backup: $(VENV)/.installed
	$(BIN)/python manage.py backup

restore: $(VENV)/.installed
	@if [ -z "$(FILE)" ]; then echo "Usage: make restore FILE=backups/kotoba-....sqlite3 (or .dump) [YES=1]" >&2; exit 1; fi
	$(BIN)/python manage.py restore "$(FILE)" $(if $(YES),--yes)

# End to end: a fresh PostgreSQL database with the corpus imported, gunicorn and a ceiling under
# wrk, queries/CPU in-process, worker memory. ARGS go to bench/run.py (--articles, --only, --keep...).
bench: $(VENV)/.installed
	@if ! command -v wrk >/dev/null; then \
		echo "Installing Debian's wrk for the page benchmark"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	fi
	$(BIN)/python bench/run.py $(ARGS)

bench-parsers: $(VENV)/.installed-dev
	$(BIN)/python bench/render_pathological.py
	$(BIN)/python bench/diff_pathological.py
	$(BIN)/python bench/display_pathological.py
	$(BIN)/python bench/images_pathological.py
	$(BIN)/python bench/search_pathological.py
	$(BIN)/python bench/pages.py

# Fresh database (DATABASE_URL=postgres://.../new_name for PostgreSQL), make serve on a free port.
load: $(VENV)/.installed-dev
	$(BIN)/python bench/load.py $(if $(SECONDS),--seconds $(SECONDS)) $(if $(CLIENTS),--clients $(CLIENTS))

clean:
	rm -rf $(VENV) staticfiles node_modules .ruff_cache artifacts
