# Two entry points (see README): `make demo` installs and runs the app, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint size screenshots install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/exante-tui --demo

# Style, the layer map (import-linter contracts in pyproject.toml) and types.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The size rule (not yet part of lint: some modules and functions still break it).
size: $(STAMP)
	$(BIN)/python scripts/check_size.py

# The suite runs twice: on SQLite, then on a throwaway PostgreSQL server (tests/pg.py).
test: lint
	bash scripts/ensure-postgres.sh
	$(BIN)/python -m pytest -n 2
	EXANTE_TEST_DB=postgresql $(BIN)/python -m pytest -n 2

screenshots: $(STAMP)
	$(BIN)/pip install --quiet -e '.[screenshots]'
	$(BIN)/python scripts/screenshots.py
