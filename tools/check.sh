#!/usr/bin/env bash
# The author's inner loop (make check NB=chapters/03_convolutional_networks.ipynb):
# for the notebooks given, the unit tests of the dlbook modules they import,
# then their strict nbval here and on the simulated other processor, then
# nbval-lax on JAX. `make test` stays the gate; this is a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0
source tools/test_env.sh  # NBVAL, OTHER_CPU, in_venv
JAX_VENV=${JAX_VENV:-.venv-jax}
[ $# -gt 0 ] || { echo "usage: make check NB=chapters/03_convolutional_networks.ipynb [NB=...]"; exit 2; }
for nb in "$@"; do [ -f "$nb" ] || { echo "no notebook $nb"; exit 2; }; done

# The test files of the modules a notebook imports (dlbook.labs.lab03 -> tests/test_lab03*.py,
# dlbook.nn -> tests/test_nn.py), and the notebook's own hygiene tests.
mapfile -t tests < <(python -m tools.check_tests "$@")
keyword=$(for nb in "$@"; do basename "$nb" .ipynb; done | paste -sd'|' | sed 's/|/ or /g')
echo "=== unit tests: ${tests[*]} (notebook tests: -k '$keyword')"
pytest -q -n 2 -p no:cacheprovider -m "not browser and not pdf" "${tests[@]}"
pytest -q -p no:cacheprovider tests/test_notebooks.py -k "$keyword"
echo "=== nbval, strict"
pytest -q -n 2 --dist loadfile --nbval "${NBVAL[@]}" "$@"
echo "=== nbval, strict, on another processor (simulated: ${OTHER_CPU[*]})"
env "${OTHER_CPU[@]}" pytest -q -n 2 --dist loadfile --nbval "${NBVAL[@]}" "$@"
if [ -x "$JAX_VENV/bin/pytest" ]; then
  echo "=== nbval-lax on JAX"
  in_venv "$JAX_VENV" env DLBOOK_BACKEND=jax KERAS_BACKEND=jax "${JAX_CACHE[@]}" \
    pytest -q -n 2 --dist loadfile --nbval-lax "${NBVAL[@]}" "$@"
else
  echo "=== no $JAX_VENV (make env-jax): the JAX run is left to make test"
fi
