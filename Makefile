# Two commands for a newcomer: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HOTLINE_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test lint typecheck pytest bench install clean public-strings

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' || \
		{ echo "Hotline needs Python 3.11 or newer (found $(PYTHON))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Cannot create a virtual environment: on Debian/Ubuntu run 'apt-get install python3-venv'."; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	HOTLINE_DEMO=1 $(BIN)/hotline migrate --verbosity 0
	HOTLINE_DEMO=1 $(BIN)/hotline demo
	HOTLINE_DEMO=1 $(BIN)/hotline run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy hotline

# The suite runs on SQLite; when HOTLINE_TEST_DATABASE_URL is set, on PostgreSQL as well.
pytest: $(STAMP)
	@mkdir -p var
	$(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$$HOTLINE_TEST_DATABASE_URL" ]; then \
		echo "--- again on $$HOTLINE_TEST_DATABASE_URL"; \
		HOTLINE_DATABASE_URL="$$HOTLINE_TEST_DATABASE_URL" $(BIN)/pytest $(PYTEST_ARGS); \
	fi

test: lint typecheck pytest

# Rewrites hotline/locale/public.pot from a walk through every public page (docs/translations.md).
public-strings: $(STAMP)
	@mkdir -p var
	HOTLINE_WRITE_PUBLIC_POT=1 $(BIN)/pytest -q -p no:cacheprovider tests/site/test_public_strings.py

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
