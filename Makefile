# Every target that needs Python first builds .venv (a file target: rebuilt only when pyproject.toml changes).
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEPS ?= $(STAMP)
# the venv needs Python 3.11 or newer: the newest python3.x on the PATH that runs (x >= 11), else python3 if it is new
# enough; PYTHON=/path/to/python overrides
ifndef PYTHON
PYTHON := $(shell for x in 20 19 18 17 16 15 14 13 12 11; do \
	  p=$$(command -v python3.$$x) && "$$p" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo "$$p"; exit; }; \
	done; p=$$(command -v python3) && "$$p" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && echo "$$p")
endif

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python 3.11 or newer found on the PATH; install one, or name it with PYTHON=/path/to/python3" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || { echo "error: PYTHON=$(PYTHON) is not Python 3.11 or newer (it is $$($(PYTHON) -V 2>&1))" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); echo "error: '$(PYTHON) -m venv' failed: this Python lacks its venv module (on Debian or Ubuntu: sudo apt install python3-venv), or name another with PYTHON=... (run '$(PYTHON) -m venv $(VENV)' to see its own message)" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: venv
venv: $(STAMP) ## Create .venv and install the project with its dependencies

# FORCE=1 executes every run again; a run none of whose inputs changed is otherwise kept (or only rendered again)
CHECK_FORCE = @case "$(FORCE)" in ""|0|1) ;; *) echo "error: FORCE=$(FORCE): expected 1 (execute every run again) or 0" >&2; exit 2;; esac
FORCE_FLAG = $(if $(filter 1,$(FORCE)),--force)
# TIMEOUT=s stops a run whose cell runs longer than s seconds (papermill's execution timeout)
TIMEOUT_FLAG = $(if $(TIMEOUT),--timeout "$(TIMEOUT)")

.PHONY: report
report: $(DEPS) ## Render reports/ (all notebooks in parallel; NB=name for one, P='a=1 b=2' or PARAMS=file.yaml, JOBS=n, FORCE=1, TIMEOUT=s)
	$(CHECK_FORCE)
	$(PY) -m logistic_softmax.report run $(if $(NB),--notebook "$(NB)") --set "$$P" $(if $(PARAMS),--params-file "$(PARAMS)") $(if $(JOBS),--jobs "$(JOBS)") $(FORCE_FLAG) $(TIMEOUT_FLAG)

DASK_STAMP := $(VENV)/.installed-dask

$(DASK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dask]"
	@touch $(DASK_STAMP)

.PHONY: sweep
sweep: $(DEPS) $(if $(SCHEDULER),$(DASK_STAMP)) ## Run every combination in GRID=file.yaml for NB=name in parallel (JOBS=n; SCHEDULER=tcp://host:8786 or local: on a Dask cluster) and write a comparison page
	@test -n "$(NB)" -a -n "$(GRID)" || { echo "error: give the notebook and the grid file, e.g. make sweep NB=04_networks GRID=sweeps/04_networks.yaml" >&2; exit 2; }
	$(CHECK_FORCE)
	$(PY) -m logistic_softmax.report sweep --notebook "$(NB)" --grid "$(GRID)" $(if $(JOBS),--jobs "$(JOBS)") $(if $(X),--x "$(X)") $(if $(Y),--y "$(Y)") $(FORCE_FLAG) $(TIMEOUT_FLAG) $(if $(SCHEDULER),--scheduler "$(SCHEDULER)")

LAB_STAMP := $(VENV)/.installed-lab

$(LAB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[lab]"
	@touch $(LAB_STAMP)

.PHONY: lab
lab: $(LAB_STAMP) ## Register the project's kernel and open the notebooks in JupyterLab (LAB_ARGS='--no-browser --port=8899')
	$(PY) -m logistic_softmax.report lab $(LAB_ARGS)

.PHONY: params
params: $(DEPS) ## List a notebook's parameters with type, default, range and help (NB=name)
	@test -n "$(NB)" || { echo "error: give the notebook, e.g. make params NB=01_sigmoid_softmax" >&2; exit 2; }
	@$(PY) -m logistic_softmax.report params "$(NB)"

.PHONY: test
test: $(DEPS) ## Run the whole test suite (unit tests, notebook smoke runs, browser check)
	$(PY) -m pytest

FUZZ_EXAMPLES ?= 20

.PHONY: fuzz
fuzz: $(DEPS) ## Render every notebook with FUZZ_EXAMPLES=20 parameter sets drawn from its declared ranges (not in make test)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/notebooks/test_fuzz.py

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP) ## Time the MNIST models against PyTorch, scikit-learn and statsmodels; writes benchmarks/results.json
	$(PY) benchmarks/bench.py

.PHONY: bench-rerun
bench-rerun: $(DEPS) ## Time a rerun with nothing changed, and with one notebook's Markdown changed; writes benchmarks/rerun.json
	$(PY) benchmarks/rerun.py

SCALE_DATA ?= /tmp/logistic-softmax-scale

.PHONY: bench-scale
bench-scale: $(DEPS) ## Time the GLM reports and their peak memory on generated CSVs of 10^4-10^6 rows (not in make test)
	$(PY) benchmarks/scale.py --data "$(SCALE_DATA)" $(if $(SIZES),--sizes $(SIZES)) $(if $(NB),--reports $(NB))

.PHONY: lint
lint: $(DEPS) ## Check the code and notebooks with ruff
	$(PY) -m ruff check src tests notebooks benchmarks

.PHONY: clean
clean: ## Remove generated reports (keeps reports/README.md)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
