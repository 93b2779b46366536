#!/usr/bin/env bash
# The whole test suite, in the order CI runs it (called by `make test`).
# Every step must collect at least one test: pytest's exit code 5
# ("no tests collected") fails the run like any other error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0
NBVAL=(--nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider)
step() { echo; echo "=== $*"; }

step "1/5 unit tests: dlbook, registry, exercises, generated files, notebook hygiene"
pytest -q -p no:cacheprovider -m "not browser" tests

step "2/5 nbval, strict: every stored output of chapters/ and solutions/ must match"
pytest -q -n 2 --dist loadfile --nbval "${NBVAL[@]}" chapters solutions

step "3/5 nbval-lax: student labs run top to bottom (blank exercises say 'not attempted')"
pytest -q -n 2 --dist loadfile --nbval-lax "${NBVAL[@]}" labs

step "4/5 book build with warnings as errors"
rm -rf _build/html && mkdir -p _build
log=_build/book-build.log
jupyter-book build -W -n --keep-going . >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E "build succeeded|warning" "$log" | tail -n 3

step "5/5 offline web book in headless Chromium: math, plot and widget render"
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser check"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
pytest -q -p no:cacheprovider -m browser tests
