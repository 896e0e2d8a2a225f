# Each target creates .venv and installs the project the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: examples test lint docs bench bench-server matrix mutation

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
	$(PY) -m ruff check pytest_apigw_faults tests examples benchmarks tools noxfile.py
	$(PY) -m mypy

# The documentation site (MkDocs + Material + mkdocstrings), every warning an
# error, into site/ (not committed); its examples run in `make test`.
docs: $(VENV)/.installed
	$(PY) -m mkdocs build --strict --site-dir site

bench: $(VENV)/.installed
	$(PY) benchmarks/bench.py

# The loopback gateway against http.server and uvicorn (wrk; Debian: apt-get
# install wrk), then under load: 16 x 10,000 requests, 1,000 idle connections.
bench-server: $(VENV)/.installed
	$(PY) benchmarks/server.py
	$(PY) benchmarks/server.py --load

# The suite against the built wheel in fresh venvs: requests only, httpx only,
# aiohttp only, all, and the lowest declared versions, on Python 3.10-3.13
# (nox sessions in noxfile.py, uv venvs; in .nox/). Some rows: make matrix
# ROWS="httpx lowest".
ROWS ?=
matrix: $(VENV)/.installed
	$(VENV)/bin/nox $(if $(ROWS),-s $(ROWS))

# Mutation testing of the gateway model (pytest_apigw_faults/_gateway/) with
# mutmut, in its own venv; configured in pyproject.toml ([tool.mutmut]).
# Not part of `test` or CI: about 8 minutes on a busy 2-core machine (one
# worker, niced), plus the venv the first time. Prints killed/total per module
# and each survivor; fails under MUTATION_MIN percent. The equivalent
# survivors, each with its reason: tests/mutation-survivors.md.
MVENV ?= .mvenv
MUTATION_MIN ?= 90

$(MVENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(MVENV)
	$(MVENV)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(MVENV)/bin/python -m pip install --quiet -e ".[all]" --group mutation
	touch $@

mutation: $(MVENV)/.installed
	rm -rf mutants
	nice -n 15 $(MVENV)/bin/mutmut run --max-children 1 > mutation.log 2>&1 \
		|| { tail -n 40 mutation.log; exit 1; }
	$(MVENV)/bin/python tools/mutation_score.py --min $(MUTATION_MIN)
