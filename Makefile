# Vaxel: the two commands are `make run` and `make test` (see README.md).
# Needs only Python 3.11+, make and git; everything else goes into .venv.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test bench clean setup

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Vaxel needs Python 3.11 or newer (python3.11, python3.12, ... on PATH)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The editable install leaves Vaxel's own modules uncompiled; compile them now,
# as pip does for any regular install, so that no start has to (where
# PYTHONDONTWRITEBYTECODE is set, every start would: ~40 ms of each).
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	$(BIN)/python -m compileall -q tui widgets screens backend
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test]'
	@touch $@

setup: $(VENV)/.installed

## Set up and open the console on the embedded backend with demo data.
run: $(VENV)/.installed
	$(BIN)/vaxel $(ARGS)

## Set up and run the whole test suite.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks (see bench/README.md).
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
