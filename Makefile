# Accord — `make run` to try it, `make test` to check everything.

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
ACCORD := $(BIN)/accord
PYTEST_ARGS ?=
PORT ?= 8000
export PORT

# A Python >= 3.12: plain python3 when it is new enough, else python3.13 / python3.12.
PYTHON := $(shell for p in python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$p; break; fi; done)

.PHONY: help run test install lint types checks test-sqlite test-postgres test-browser demo clean lock messages

help:
	@echo "make run    install, migrate, load demo data (first run), serve on http://localhost:$(PORT)/"
	@echo "make test   lint, types, migration, deploy and translation checks, tests on SQLite (+ PostgreSQL if DATABASE_URL), browser tests"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Accord needs Python 3.12 or newer (python3.12 or python3.13 on PATH)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed

run: install
	$(ACCORD) migrate --no-input --verbosity 0
	$(ACCORD) demo --if-empty
	$(ACCORD) run --port $(PORT)

demo: install
	$(ACCORD) demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy accord

checks: install
	ACCORD_VAR_DIR=$$(mktemp -d) DATABASE_URL=sqlite:///:memory: $(ACCORD) makemigrations --check --dry-run
	ACCORD_ENV=production SECRET_KEY=check-only-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH \
		ALLOWED_HOSTS=crm.example.com DATABASE_URL=sqlite:///:memory: \
		$(ACCORD) check --deploy --fail-level WARNING
	$(BIN)/python scripts/check_translations.py
	$(BIN)/python scripts/check_untranslated.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_reads.py

test-sqlite: install
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -m "not browser" -n 2 -q $(PYTEST_ARGS)

test-postgres: install
	@if [ -n "$(DATABASE_URL)" ] && [[ "$(DATABASE_URL)" == postgres* ]]; then \
		$(BIN)/pytest -m "not browser" -n 2 -q $(PYTEST_ARGS); \
	else echo "DATABASE_URL does not name PostgreSQL: skipping the PostgreSQL run."; fi

test-browser: install
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -m browser -n 2 -q $(PYTEST_ARGS)

test: lint types checks test-sqlite test-postgres test-browser
	@echo "All checks passed."

lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --extra dev --generate-hashes -o requirements.lock pyproject.toml

messages: install
	$(ACCORD) makemessages --locale pl --locale lt --locale ro --locale ru --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'benchmarks/*' --ignore 'scripts/*'
	$(BIN)/python scripts/compile_translations.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
