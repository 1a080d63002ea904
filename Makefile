# Two commands (see README): `make book` runs the main job, `make test` runs every test.
# Both create their own virtual environment in .venv with Python 3.11 (or $(PYTHON)).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book run test test-fast bench bench-full clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[book,test]"
	touch $(STAMP)

# Each run reuses its store when inputs, code and options are unchanged (--force reruns).
run: $(STAMP)
	$(BIN)/python -m analysis run --place camden
	$(BIN)/python -m analysis run --place london --quiet   # London-wide scale run, used by the appendix

book: run
	$(BIN)/python -c "from analysis.book import prepare_build; prepare_build()"   # pages executed in parallel into the cache
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "book: _build/html/index.html"

# pytest exits 5 when it collects no tests; that must fail, and it does (non-zero).
test: $(STAMP)
	$(BIN)/python -m pytest

# Fast lane: everything but the Camden pipeline run, the book build and the browser (< 1 min).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m analysis bench --buildings 1000000

bench-full: $(STAMP)
	$(BIN)/python -m analysis bench --full --buildings 1000000

clean:
	rm -rf _build build .jupyter_cache
