# chattools — the commands of the README:
#   make demo   set up .venv, write the sample export, the HTML report and the executed notebooks
#   make test   set up .venv and run the whole suite (lint, types, unit tests, doctests, notebooks)
#   make lab    set up .venv and start JupyterLab on the worked-example notebooks
# All are idempotent: .venv is rebuilt only when pyproject.toml changes. Setting it up prints one
# line; pip's output goes to $(VENV_LOG), whose last lines are shown if it fails.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENV_LOG := $(VENV)/install.log
OUT    := out
export CHATTOOLS_PROGRESS ?= 0

.PHONY: demo test lint unit notebooks lab bench clean

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (first run or pyproject.toml changed: a few minutes; log in $(VENV_LOG))…"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e ".[dev]"; } \
	  >$(VENV_LOG) 2>&1 || { \
	  echo "setting up $(VENV) failed; the end of $(VENV_LOG):" >&2; \
	  tail -n 20 $(VENV_LOG) >&2; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/python -m chattools.demo --out $(OUT)

test: lint unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check chattools tests benchmarks
	$(BIN)/ruff format --check chattools tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

notebooks: $(STAMP)
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  env -u CHATTOOLS_PASSWORD $(BIN)/python -m pytest -q -p no:cacheprovider \
	    --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/ \
	    -o addopts="" -o testpaths=notebooks; \
	fi

# JupyterLab on notebooks/; extra options with e.g. make lab LAB_ARGS="--no-browser --port 8890"
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(OUT)
