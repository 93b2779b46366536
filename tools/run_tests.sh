#!/usr/bin/env bash
# The whole test suite, in the order CI runs it (called by `make test`).
# Every step must collect at least one test: pytest's exit code 5
# ("no tests collected") fails the run like any other error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0
NBVAL=(--nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider)
# The two extra environments of steps 6 and 7 (made by `make env-jax env-colab`).
JAX_VENV=${JAX_VENV:-.venv-jax}
COLAB_VENV=${COLAB_VENV:-.venv-colab}
step() { echo; echo "=== $*"; }
# in_venv DIR CMD...: run CMD with DIR's python, pytest and kernel first on PATH.
in_venv() {
  local dir=$1; shift
  [ -x "$dir/bin/pytest" ] || { echo "$dir is missing: run 'make test' (it creates it)"; exit 1; }
  PATH="$PWD/$dir/bin:$PATH" "$@"
}

step "1/7 unit tests: dlbook, registry, exercises, generated files, notebook hygiene"
pytest -q -n 2 -p no:cacheprovider -m "not browser and not pdf" tests

step "2/7 nbval, strict: every stored output of chapters/ and solutions/ must match"
pytest -q -n 2 --dist loadfile --nbval "${NBVAL[@]}" chapters solutions

step "3/7 nbval-lax: student labs run top to bottom (blank exercises say 'not attempted')"
pytest -q -n 2 --dist loadfile --nbval-lax "${NBVAL[@]}" labs

step "4/7 book build with warnings as errors"
rm -rf _build/html && mkdir -p _build
log=_build/book-build.log
jupyter-book build -W -n --keep-going . >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E "build succeeded|warning" "$log" | tail -n 3

step "5/7 offline web book in headless Chromium: math and plots render, every demo responds; the PDF of the book (make pdf), its pages checked"
bash tools/apt_install.sh chromium pdftoppm:poppler-utils
pytest -q -p no:cacheprovider -m browser tests
if [ "${DLBOOK_SKIP_BROWSER:-}" = 1 ] && ! python -c 'from tools import chromium; assert chromium.find()' 2>/dev/null; then
  echo "DLBOOK_SKIP_BROWSER=1 and no Chromium installed: no PDF of the book"
else
  python -m tools.pdf
  pytest -q -p no:cacheprovider -m pdf tests
fi

step "6/7 Keras on JAX, no TensorFlow installed: backend-neutral unit tests, then every notebook (nbval-lax: random streams differ by backend)"
in_venv "$JAX_VENV" python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("tensorflow") is not None)' \
  || { echo "TensorFlow is installed in $JAX_VENV: this step must run without it"; exit 1; }
# KERAS_BACKEND too: tests that import keras without dlbook.setup() get JAX.
export DLBOOK_BACKEND=jax KERAS_BACKEND=jax
in_venv "$JAX_VENV" pytest -q -n 2 -p no:cacheprovider tests/test_setup.py tests/test_autodiff.py tests/test_exercises.py
in_venv "$JAX_VENV" pytest -q -n 2 --dist loadfile --nbval-lax "${NBVAL[@]}" chapters solutions labs
unset DLBOOK_BACKEND KERAS_BACKEND

step "7/7 nbval, strict, on Colab's versions (${COLAB:-constraints/colab-*.txt})"
in_venv "$COLAB_VENV" python -c 'import sys; from importlib.metadata import version
print("Python", sys.version.split()[0], *(f"{p} {version(p)}" for p in ("tensorflow-cpu", "keras", "numpy")))'
# Colab's ipykernel 6.17 warns on stderr about Python 3.11's frozen modules.
PYDEVD_DISABLE_FILE_VALIDATION=1 in_venv "$COLAB_VENV" pytest -q -n 2 --dist loadfile --nbval "${NBVAL[@]}" chapters solutions
