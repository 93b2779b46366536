# dlbook: the two commands of the README are `make book` and `make test`.
# Both create the virtual environment and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NB     ?= chapters solutions

.PHONY: book test env vendor outputs labs pages bench clean

env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-cache-dir -r requirements.txt
	$(BIN)/python -m pip install -q --no-cache-dir --no-deps -e .
	touch $@

vendor: _vendor/.stamp
_vendor/.stamp: tools/vendor_assets.sh
	bash tools/vendor_assets.sh

## The web book, built from the committed (nbval-checked) notebook outputs.
book: env vendor
	$(BIN)/jupyter-book build .
	@echo
	@echo "The book is in _build/html. Open: file://$(CURDIR)/_build/html/index.html"

## Everything CI checks: unit tests, nbval on every notebook, a -W book build
## and the offline browser check.
test: env vendor
	PATH="$(CURDIR)/$(BIN):$$PATH" bash tools/run_tests.sh

## Re-execute notebooks and store their outputs (NB=chapters/x.ipynb for one),
## then regenerate the student labs and generated pages.
outputs: env
	$(BIN)/pytest -p no:cacheprovider --nbmake --overwrite $(NB)
	$(BIN)/python tools/nbclean.py
	$(MAKE) labs pages

labs: env
	$(BIN)/python tools/make_labs.py

pages: env
	$(BIN)/python tools/make_pages.py

## Wall time of every notebook, one run each: _build/bench/benchmark.{csv,md}
bench: env
	$(BIN)/python tools/benchmark.py

clean:
	rm -rf _build
