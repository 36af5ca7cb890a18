# The two commands of the README: `make run` and `make test`.
# Everything installs into .venv from PyPI; nothing else is needed but Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEV_STAMP := $(STAMP)-dev
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test install install-dev lint unit-sqlite unit-postgres demo-full bench

# Two stamps: `make run` installs what the platform needs to run; `make test` adds the
# test and lint tools (pytest, playwright, mypy, ruff …) on top.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

## Run the platform: embedded SQLite, demo prefecture, http://127.0.0.1:8000
run: install
	$(BIN)/hotline migrate --verbosity 0
	$(BIN)/hotline demo --if-empty
	$(BIN)/hotline serve

## Run the whole test suite: lint, types, tests on SQLite and on PostgreSQL
test: install-dev lint unit-sqlite unit-postgres

lint: install-dev
	$(BIN)/ruff check hotline tests bench
	$(BIN)/ruff format --check hotline tests bench
	$(BIN)/mypy hotline

unit-sqlite: install-dev
	HOTLINE_DATABASE_URL= $(BIN)/python -m pytest

unit-postgres: install-dev
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		HOTLINE_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL at $(PG_URL) is not reachable: CI must test on PostgreSQL" >&2; exit 1; \
	else \
		echo "** PostgreSQL at $(PG_URL) is not reachable: PostgreSQL tests NOT run (set PG_URL=...) **"; \
	fi

bench: install
	$(BIN)/python bench/intake.py
