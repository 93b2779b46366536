#!/usr/bin/env bash
# The whole test suite, in the order CI runs it (called by `make test`).
# Every step must collect at least one test: pytest's exit code 5
# ("no tests collected") fails the run like any other error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0
source tools/test_env.sh  # NBVAL, OTHER_CPU, in_venv
# The two extra environments of steps 7 and 8 (made by `make env-jax env-colab`).
JAX_VENV=${JAX_VENV:-.venv-jax}
COLAB_VENV=${COLAB_VENV:-.venv-colab}
# Each step prints its title; the next one first prints its wall time.
# The CPU seconds of finished child processes (user + system), from bash's
# `times` (its second line), so each step shows its wall time and its CPU time.
cpu_times=$(mktemp)
cpu_s() {  # sets CPU (called in this shell: a $(...) subshell has no children yet)
  local f="$cpu_times.$BASHPID"  # one file per shell: the background parts count too
  times >"$f"
  CPU=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }; printf "%d", t }' "$f")
  rm -f "$f"
}
started=$SECONDS; last=-1; last_cpu=0; web= lane=
step_time() {
  [ "$last" -lt 0 ] || { cpu_s; echo "--- $((SECONDS - last)) s (CPU $((CPU - last_cpu)) s)"; }
}
step() {
  step_time
  last=$SECONDS; cpu_s; last_cpu=$CPU
  echo; echo "=== $*"
}
finish() {
  for pid in $web $lane; do  # no orphan after a failure
    { pkill -P "$pid"; kill "$pid"; } 2>/dev/null || true
  done
  step_time
  cpu_s; rm -f "$cpu_times"
  echo "=== make test: $((SECONDS - started)) s in all (CPU $CPU s)"
}
trap finish EXIT

# Steps 5 and 6 (the book build from the committed outputs, then Chromium and
# the PDF) need no other step: they start first, in the background, and use
# about one core throughout. Steps 2 to 8 then run in two lanes side by side,
# one notebook at a time each (no idle worker at the end of every step): lane
# A (steps 2, 4, 8) in the background, lane B (steps 3, 7) here. The output of
# the background parts follows lane B's; a failure anywhere fails make test.
web_steps() {
  step "5/8 book build with warnings as errors"
  rm -rf _build/html && mkdir -p _build
  local log=_build/book-build.log
  jupyter-book build -W -n --keep-going . >"$log" 2>&1 || { cat "$log"; exit 1; }
  grep -E "build succeeded|warning" "$log" | tail -n 3

  step "6/8 offline web book in headless Chromium: math and plots render, every demo responds; the PDF of the book (make pdf), its pages checked"
  bash tools/apt_install.sh chromium pdftoppm:poppler-utils
  pytest -q -p no:cacheprovider -m browser tests
  if [ "${DLBOOK_SKIP_BROWSER:-}" = 1 ] && ! python -c 'from tools import chromium; assert chromium.find()' 2>/dev/null; then
    echo "DLBOOK_SKIP_BROWSER=1 and no Chromium installed: no PDF of the book"
  else
    python -m tools.pdf
    pytest -q -p no:cacheprovider -m pdf tests
  fi
  step_time
}

# One notebook at a time in a lane: plain pytest, no xdist workers.
NB1=(-p no:xdist "${NBVAL[@]}")

lane_a() {
  step "2/8 nbval, strict: every stored output of chapters/ and solutions/ must match"
  pytest -q --nbval "${NB1[@]}" chapters solutions

  step "4/8 nbval-lax: student labs run top to bottom (blank exercises say 'not attempted')"
  pytest -q --nbval-lax "${NB1[@]}" labs

  step "8/8 nbval, strict, on Colab's versions (${COLAB:-constraints/colab-*.txt})"
  in_venv "$COLAB_VENV" python -c 'import sys; from importlib.metadata import version
print("Python", sys.version.split()[0], *(f"{p} {version(p)}" for p in ("tensorflow-cpu", "keras", "numpy")))'
  # Colab's ipykernel 6.17 warns on stderr about the frozen modules of Python 3.11 and later.
  PYDEVD_DISABLE_FILE_VALIDATION=1 in_venv "$COLAB_VENV" pytest -q --nbval "${NB1[@]}" chapters solutions
  step_time
}

# A background part: its own log, its exit status kept for the end.
mkdir -p _build
web_log=_build/web-steps.log lane_a_log=_build/lane-a.log
echo "=== steps 5 and 6 (book build, browser, PDF) start in the background: $web_log"
(trap - EXIT; set -euo pipefail; web_steps) >"$web_log" 2>&1 &
web=$!

step "1/8 unit tests: dlbook, registry, exercises, generated files, notebook hygiene"
pytest -q -n 2 -p no:cacheprovider -m "not browser and not pdf" tests
step_time; last=-1

echo; echo "=== lane A (steps 2, 4 and 8) starts in the background: $lane_a_log"
(trap - EXIT; set -euo pipefail; lane_a) >"$lane_a_log" 2>&1 &
lane=$!

lane_b() {
  step "3/8 nbval, strict, on another processor (simulated: ${OTHER_CPU[*]})"
  env "${OTHER_CPU[@]}" pytest -q --nbval "${NB1[@]}" chapters solutions

  step "7/8 Keras on JAX, no TensorFlow installed: backend-neutral unit tests, then every notebook (nbval-lax: random streams differ by backend)"
  in_venv "$JAX_VENV" python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("tensorflow") is not None)' \
    || { echo "TensorFlow is installed in $JAX_VENV: this step must run without it"; exit 1; }
  # KERAS_BACKEND too: tests that import keras without dlbook.setup() get JAX.
  export DLBOOK_BACKEND=jax KERAS_BACKEND=jax
  # JAX's persistent cache of compiled programs (tools/test_env.sh): the
  # notebooks reuse what the unit tests compiled, a lab what its solution did.
  export "${JAX_CACHE[@]}"
  in_venv "$JAX_VENV" pytest -q -n 2 -p no:cacheprovider tests/test_setup.py tests/test_autodiff.py tests/test_exercises.py
  in_venv "$JAX_VENV" pytest -q --nbval-lax "${NB1[@]}" chapters solutions labs
  step_time
}
# Lane B in a subshell of its own too, so that its steps' CPU seconds are its
# own (this shell also reaps the background parts); its output is live.
(trap - EXIT; set -euo pipefail; last=-1; lane_b)
last=-1

# The background parts, in order: each one's log, then its verdict.
failed=
for part in "lane A:$lane:$lane_a_log" "steps 5 and 6:$web:$web_log"; do
  IFS=: read -r name pid log <<<"$part"
  status=0; wait "$pid" || status=$?
  echo; echo "=== $name, from the background ($log):"
  cat "$log"
  [ "$status" = 0 ] || { echo "$name failed (exit $status)"; failed="$failed $name;"; }
done
lane= web=
[ -z "$failed" ] || { echo "failed in the background:$failed"; exit 1; }
