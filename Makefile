# Two commands (see README): `make book` runs the main job, `make test` runs every test.
# Both create their own virtual environment in .venv with Python 3.11 (or $(PYTHON)).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[book,test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m analysis run --place camden
	$(BIN)/python -m analysis run --place london --quiet   # London-wide scale run (~3 min), used by the appendix

book: run
	$(BIN)/python -c "from analysis.book import sync_execution_cache as s; s()"
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "book: _build/html/index.html"

# pytest exits 5 when it collects no tests; that must fail, and it does (non-zero).
test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m analysis bench --buildings 1000000

clean:
	rm -rf _build build .jupyter_cache
