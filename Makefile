# Every target that needs Python first builds .venv (a file target: rebuilt only when pyproject.toml changes).
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEPS ?= $(STAMP)
# the venv needs Python 3.11: python3.11 where it exists, else python3
PYTHON ?= $(shell command -v python3.11 || command -v python3)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: venv
venv: $(STAMP) ## Create .venv and install the project with its dependencies

.PHONY: report
report: $(DEPS) ## Render reports/ (all notebooks in parallel; NB=name for one, P='a=1 b=2' or PARAMS=file.yaml, JOBS=n)
	$(PY) -m logistic_softmax.report run $(if $(NB),--notebook "$(NB)") --set "$$P" $(if $(PARAMS),--params-file "$(PARAMS)") $(if $(JOBS),--jobs "$(JOBS)")

.PHONY: sweep
sweep: $(DEPS) ## Run every combination in GRID=file.yaml for NB=name in parallel (JOBS=n) and write a comparison page
	@test -n "$(NB)" -a -n "$(GRID)" || { echo "error: give the notebook and the grid file, e.g. make sweep NB=04_networks GRID=sweeps/04_networks.yaml" >&2; exit 2; }
	$(PY) -m logistic_softmax.report sweep --notebook "$(NB)" --grid "$(GRID)" $(if $(JOBS),--jobs "$(JOBS)") $(if $(X),--x "$(X)") $(if $(Y),--y "$(Y)")

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
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/test_fuzz.py

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP) ## Time the MNIST models against PyTorch, scikit-learn and statsmodels; writes benchmarks/results.json
	$(PY) benchmarks/bench.py

.PHONY: lint
lint: $(DEPS) ## Check the code and notebooks with ruff
	$(PY) -m ruff check src tests notebooks benchmarks

.PHONY: clean
clean: ## Remove generated reports (keeps reports/README.md)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
