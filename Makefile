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

# Style, the layer map (import-linter contracts in pyproject.toml), types and the size rule.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/check_size.py

# The size rule alone: modules ≤ 400 lines, functions ≤ 60, migrations aside.
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
