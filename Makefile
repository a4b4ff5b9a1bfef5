# Quick start: `make bench` runs the default benchmark suite, `make test` the tests.
# Both create .venv on first use (scripts/bootstrap.sh). `make lint`: ruff (lint, format) and mypy, as CI runs them.
VENV ?= .venv
LINTED = harness tasks baselines tests benchmarks results/regenerate.py examples

.PHONY: setup bench test lint
setup:
	@./scripts/bootstrap.sh

bench: setup
	$(VENV)/bin/ltsc-bench run

test: setup
	$(VENV)/bin/python -m pytest

lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
