# StrikeDesk: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export STRIKEDESK_PORT := $(PORT)
# Links in the demo's notices point at the port the demo runs on.
export STRIKEDESK_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
# honcho's processes (celery, python) must come from the project's environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test test-embedded lint format migrate demo typecheck bench clean help

help:
	@echo "make run     install, migrate, load the demo and start web + worker + scheduler"
	@echo "make test    install test tools and run lint, migration check and the test suite"
	@echo "make bench   the benchmarks (PostgreSQL, Redis and wrk; SCALE=1000000 for the full run)"
	@echo "make format  apply ruff's formatting and safe fixes"
	@echo "make clean   remove the virtual environment, node_modules and var/ (the demo database)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "StrikeDesk needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

var:
	@mkdir -p var

migrate: $(VENV)/.installed-run node_modules/.installed | var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo
	@echo "StrikeDesk is starting at http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Sign in with a demo user above; stop everything with Ctrl-C."
	@echo
	$(BIN)/honcho --procfile Procfile start

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint node_modules/.installed
	$(BIN)/pytest

# The part of the suite that needs no server, on the embedded default (SQLite, no Redis).
test-embedded: $(VENV)/.installed-test node_modules/.installed
	env -u DATABASE_URL -u CELERY_BROKER_URL -u STRIKEDESK_REQUIRE_SERVICES \
		$(BIN)/pytest -m "not postgres and not redis" -q

# The benchmarks (bench/, README "Benchmarks"): PostgreSQL, Redis and wrk must be running or
# installed; the bench makes a database of its own (BENCH_DATABASE_URL) and empties it each run.
# SCALE (bookings, default 100000) and RUNS (default 3) pass through the environment.
bench: $(VENV)/.installed-run node_modules/.installed
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python -m bench

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) node_modules var
