# Two commands do all the set-up on a fresh machine (see README.md):
#   make main   -> builds the venv, imports the embedded benchmarks, runs the main job
#   make test   -> builds the venv and runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup main test perf clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU build of torch (a CUDA build is several GB); the live-training extras use it
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev,optuna,ray]"
	touch $(STAMP)

setup: $(STAMP)

main: $(STAMP)
	$(BIN)/nasbench list
	@for b in $$($(BIN)/python -c "import nasbench; print(' '.join(nasbench.benchmark_names()))"); do \
		echo; $(BIN)/nasbench info $$b || exit 1; done

test: $(STAMP)
	$(BIN)/python -m pytest -q

perf: $(STAMP)
	@for s in reproduce/perf/*.py; do echo "== $$s"; $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(VENV) data/tables
