# Every target bootstraps its own virtual environment (.venv) from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench services clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## run: the bot on the embedded X API sandbox, dashboard on http://127.0.0.1:8080
run: $(STAMP)
	$(BIN)/brandbot run --sandbox

## test: lint, type-check and the whole test suite (SQLite, PostgreSQL, Chromium)
test: $(STAMP) services
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

## lint: ruff and mypy only
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## bench: every benchmark under bench/, printing the README's figures
bench: $(STAMP) services
	$(BIN)/python bench/run_all.py

## services: what the tests need besides Python (PostgreSQL up, Debian's Chromium)
services:
	./scripts/ensure-services

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
