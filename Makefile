# chattools — the two commands of the README:
#   make demo   set up .venv, write the sample export, the HTML report and the executed notebooks
#   make test   set up .venv and run the whole suite (lint, types, unit tests, doctests, notebooks)
# Both are idempotent: .venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out
export CHATTOOLS_PROGRESS ?= 0

.PHONY: demo test lint unit notebooks bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m chattools.demo --out $(OUT)

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
	  CHATTOOLS_PASSWORD=Demo1234 $(BIN)/python -m pytest -q -p no:cacheprovider \
	    --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/ \
	    -o addopts="" -o testpaths=notebooks; \
	fi

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(OUT)
