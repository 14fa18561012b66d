# Two commands do all the set-up on a fresh machine (see README.md):
#   make main   -> builds the venv and runs the main job: the nbgraph-search preset (9 NAS-Bench-Graph
#                  datasets x rs/re/reinforce/rl-controller x 100 seeds, 40 and 500 queries) with
#                  tables, plots and report.html (one offline page) in results/nbgraph-search/
#   make test   -> builds the venv, runs the lint and type gate (make lint), then the test suite
#   make docs   -> the API reference (pdoc) in docs/api/ (git-ignored); open docs/api/index.html
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup main lint test docs perf clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU build of torch (a CUDA build is several GB); the live-training extras use it
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev,optuna,ray,graph,nb301]"
	touch $(STAMP)

setup: $(STAMP)

main: $(STAMP)
	$(BIN)/nasbench reproduce nbgraph-search --seeds 100 --out results/nbgraph-search --html

# ruff (lint rules in pyproject.toml; `ruff format --check` is configured but not enforced yet)
# and mypy (packages and per-module exceptions in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

# the API reference of every exported name (tests/test_api_docs.py builds it too, and fails on a
# warning or a missing name)
docs: $(STAMP)
	$(BIN)/python docs/build_api.py docs/api

# each script checks its figures against their targets (reproduce/perf/_targets.py) and exits 1 on a
# miss; every script runs, then the misses fail the target
perf: $(STAMP)
	@failed=""; for s in table_query nbgraph_string_lookup search_sweep nb301_surrogate batched_engine; do echo "== reproduce/perf/$$s.py"; \
		$(BIN)/python reproduce/perf/$$s.py || failed="$$failed $$s"; done; \
	if [ -n "$$failed" ]; then echo "make perf: figures over target (or an error) in:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) data/tables
