# dlbook: the two commands of the README are `make book` and `make test`.
# Both create the virtual environment and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NB     ?= chapters solutions
# The notebooks on Keras's JAX backend, without TensorFlow (the GPU path).
JAX_VENV := .venv-jax
# Colab's versions: one dated, fully pinned file (see its header), installed
# with the Python minor version of that runtime.
COLAB      ?= constraints/colab-2026-08.txt
COLAB_PYTHON_VERSION := 3.13
COLAB_VENV := .venv-colab
# The interpreter of .venv-colab (tools/find_python.sh): python3.13 on PATH,
# else pyenv's newest 3.13.x, else /usr/local/bin's or /usr/bin's, else one the
# script built before. Empty if none: then env-colab installs one (as root:
# apt's python3.13, else CPython built from Debian's source package) or fails
# naming what to install. To choose one: make test COLAB_PYTHON=/path/python3.13
COLAB_PYTHON ?= $(shell bash tools/find_python.sh find $(COLAB_PYTHON_VERSION))

.PHONY: book pdf test check env env-jax env-colab vendor outputs labs pages bench clean

# $(call venv,DIR,PINS): DIR gets exactly the pins of the file PINS and the
# dlbook package (editable, no dependencies of its own). The stamp DIR/.installed
# makes the install run again only when PINS or pyproject.toml change. uv
# installs them (pinned here; pip would take about four times as long, and
# uv's cache lets the three environments download a shared wheel once).
UV_VERSION := 0.13.9
define venv
test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
$(1)/bin/python -m pip install -q --no-cache-dir uv==$(UV_VERSION)
$(1)/bin/uv pip install -q --python $(1)/bin/python -r $(2)
$(1)/bin/uv pip install -q --python $(1)/bin/python --no-deps -e .
touch $(1)/.installed
endef

env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	$(call venv,$(VENV),requirements.txt)

env-jax: $(JAX_VENV)/.installed
$(JAX_VENV)/.installed: requirements-jax.txt pyproject.toml
	$(call venv,$(JAX_VENV),requirements-jax.txt)

# A .venv-colab of another Python (an older pin file's) is made anew.
env-colab: $(COLAB_VENV)/.installed
$(COLAB_VENV)/.installed: $(COLAB) pyproject.toml
	@v=$(COLAB_PYTHON_VERSION); py='$(COLAB_PYTHON)'; \
	pyver() { "$$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }; \
	[ -n "$$py" ] || py=$$(bash tools/find_python.sh install $$v) || exit 1; \
	[ "$$(pyver "$$py")" = "$$v" ] || { echo "COLAB_PYTHON=$$py is not Python $$v"; exit 1; }; \
	[ "$$(pyver $(COLAB_VENV)/bin/python)" = "$$v" ] || { \
	  echo "$$py -m venv $(COLAB_VENV)"; rm -rf $(COLAB_VENV) && "$$py" -m venv $(COLAB_VENV); }
	$(call venv,$(COLAB_VENV),$(COLAB))

vendor: _vendor/.stamp
_vendor/.stamp: tools/vendor_assets.sh
	bash tools/vendor_assets.sh

## The web book, built from the committed (nbval-checked) notebook outputs,
## with the PDF of the whole book that every page's footer links (make pdf).
book: env vendor
	$(BIN)/jupyter-book build .
	$(MAKE) pdf
	@echo
	@echo "The book is in _build/html. Open: file://$(CURDIR)/_build/html/index.html"

## The whole book as one A4 PDF, _build/pdf/dlbook.pdf: the single-page HTML
## build printed by headless Chromium, offline (tools/pdf.py). Copied into
## _build/html when the web book is built.
pdf: env vendor
	bash tools/apt_install.sh chromium
	$(BIN)/python -m tools.pdf

## Everything CI checks: unit tests, nbval on every notebook, a -W book build,
## the offline browser check, every notebook on JAX and strict nbval on
## Colab's versions.
test: env vendor env-jax env-colab
	PATH="$(CURDIR)/$(BIN):$$PATH" JAX_VENV=$(JAX_VENV) COLAB_VENV=$(COLAB_VENV) COLAB=$(COLAB) \
	  bash tools/run_tests.sh

## The author's inner loop, for the notebooks named (not a directory):
## make check NB=chapters/03_convolutional_networks.ipynb runs the unit tests of
## the dlbook modules it imports, its strict nbval here and on the simulated
## other processor, and nbval-lax on JAX (if .venv-jax exists). make test is the gate.
check: env
	PATH="$(CURDIR)/$(BIN):$$PATH" JAX_VENV=$(JAX_VENV) bash tools/check.sh $(filter %.ipynb,$(NB))

## Re-execute notebooks and store their outputs (NB=chapters/x.ipynb for one),
## then regenerate the student labs and generated pages. DLBOOK_WEB_DEMOS=1:
## each demo also renders the precomputed frames the web book shows.
outputs: env
	DLBOOK_WEB_DEMOS=1 $(BIN)/pytest -p no:cacheprovider --nbmake --overwrite $(NB)
	$(BIN)/python -m tools.nbclean
	$(MAKE) labs pages

labs: env
	$(BIN)/python -m tools.make_labs

pages: env
	$(BIN)/python -m tools.make_pages

## Wall time of every notebook, one run each: _build/bench/benchmark.{csv,md}
bench: env
	$(BIN)/python -m tools.benchmark

clean:
	rm -rf _build
