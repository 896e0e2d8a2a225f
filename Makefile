# Each target creates .venv and installs the project the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: examples test lint bench matrix

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e ".[all]" --group dev
	touch $@

examples: $(VENV)/.installed
	$(PY) -m pytest examples

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check pytest_apigw_faults tests examples benchmarks tools ci
	$(PY) -m mypy

bench: $(VENV)/.installed
	$(PY) benchmarks/bench.py

# The suite against the built wheel in fresh venvs: requests only, httpx only,
# both, and the lowest declared versions (ci/matrix.py; venvs in .ci-venvs/).
matrix:
	$(PYTHON) ci/matrix.py
