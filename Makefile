# Quick start: `make bench` runs the default benchmark suite, `make test` the tests.
# Both create .venv on first use (scripts/bootstrap.sh).
VENV ?= .venv

.PHONY: setup bench test
setup:
	@./scripts/bootstrap.sh

bench: setup
	$(VENV)/bin/ltsc-bench run

test: setup
	$(VENV)/bin/python -m pytest
