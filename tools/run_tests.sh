#!/usr/bin/env bash
# The whole test suite, in the order CI runs it (called by `make test`).
# Every step must collect at least one test: pytest's exit code 5
# ("no tests collected") fails the run like any other error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0
source tools/test_env.sh  # NBVAL, OTHER_CPU, in_venv
# The two extra environments of steps 3 and 7 (made by `make env-jax env-colab`).
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
started=$SECONDS; last=-1; last_cpu=0; web= workers=
step_time() {
  [ "$last" -lt 0 ] || { cpu_s; echo "--- $((SECONDS - last)) s (CPU $((CPU - last_cpu)) s)"; }
}
step() {
  step_time
  last=$SECONDS; cpu_s; last_cpu=$CPU
  echo; echo "=== $*"
}
finish() {
  for pid in $web $workers; do  # no orphan after a failure
    { pkill -P "$pid"; kill "$pid"; } 2>/dev/null || true
  done
  step_time
  cpu_s; rm -f "$cpu_times"
  echo "=== make test: $((SECONDS - started)) s in all (CPU $CPU s)"
}
trap finish EXIT

# Steps 5 and 6 (the book build from the committed outputs, then Chromium and
# the PDF) need no other step: they start first, in the background, and use
# about one core throughout. After step 1, steps 2, 3, 4 and 7 are cut into
# jobs (one stack and one folder each) that two workers take from a shared
# queue, longest first, each job running one notebook at a time: no core waits
# while work is left, whatever the speed of each job on this machine. Each
# job's output is kept and printed, with its wall and CPU time, once all have
# ended; a failure anywhere fails make test.
web_steps() {
  step "5/7 book build with warnings as errors"
  rm -rf _build/html && mkdir -p _build
  local log=_build/book-build.log
  jupyter-book build -W -n --keep-going . >"$log" 2>&1 || { cat "$log"; exit 1; }
  grep -E "build succeeded|warning" "$log" | tail -n 3

  step "6/7 offline web book in headless Chromium: math and plots render, every demo responds; the PDF of the book (make pdf), its pages checked"
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

# A background part: its own log, its exit status kept for the end.
mkdir -p _build
web_log=_build/web-steps.log
echo "=== steps 5 and 6 (book build, browser, PDF) start in the background: $web_log"
(trap - EXIT; set -euo pipefail; web_steps) >"$web_log" 2>&1 &
web=$!

step "1/7 unit tests: dlbook, registry, exercises, generated files, notebook hygiene"
# --durations: every run says where step 1's time went (the README's profile)
pytest -q -n 2 -p no:cacheprovider --durations=25 -m "not browser and not pdf" tests
step_time; last=-1

# ---- steps 2, 3, 4 and 7: jobs on a queue of two workers -----------------------------

# One notebook at a time in a job: plain pytest, no xdist workers.
NB1=(-p no:xdist "${NBVAL[@]}")
# Steps 2 and 4: `tf --nbval FOLDER` (strict) or `tf --nbval-lax FOLDER`.
tf() { pytest -q "${NB1[@]}" "$@"; }
# Step 3: one run checks two things at once, Colab's versions (Python, TensorFlow,
# Keras, NumPy and its OpenBLAS) and another processor; step 2 has this processor
# and the pinned versions, and a stored line must hold on both. Colab's ipykernel
# 6.17 warns on stderr about the frozen modules of Python 3.11 and later.
colab() {
  PYDEVD_DISABLE_FILE_VALIDATION=1 in_venv "$COLAB_VENV" env "${OTHER_CPU[@]}" \
    pytest -q --nbval "${NB1[@]}" "$@"
}
# Step 7: KERAS_BACKEND too, so that tests importing keras without dlbook.setup()
# get JAX; JAX's persistent cache of compiled programs (tools/test_env.sh): the
# notebooks reuse what the unit tests compiled, a lab what its solution did.
jax() { in_venv "$JAX_VENV" env DLBOOK_BACKEND=jax KERAS_BACKEND=jax "${JAX_CACHE[@]}" "$@"; }
jax_nb() { jax pytest -q --nbval-lax "${NB1[@]}" "$@"; }
jax_unit() {
  jax python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("tensorflow") is not None)' \
    || { echo "TensorFlow is installed in $JAX_VENV: this step must run without it"; exit 1; }
  jax pytest -q -p no:xdist -p no:cacheprovider tests/test_setup.py tests/test_autodiff.py tests/test_exercises.py
}

# The steps' titles, and their jobs: "name|step|command...". The queue's order is
# the order below: longest first (wall times of 2026-12-06), except that the JAX
# unit tests come before the JAX notebooks, whose compiled programs they cache.
declare -A TITLE=(
  [2]="2/7 nbval, strict: every stored output of chapters/ must match (solutions/: step 1 runs each as nbgrader's solved copy and compares its outputs, tests/test_nbgrader.py)"
  [3]="3/7 nbval, strict, on Colab's versions (${COLAB:-constraints/colab-*.txt}) and another processor (simulated: ${OTHER_CPU[*]})"
  [4]="4/7 nbval-lax: student labs run top to bottom (blank exercises say 'not attempted'), here on JAX; on TensorFlow, step 1 runs each as nbgrader's blank copy and compares its tagged outputs (tests/test_nbgrader.py)"
  [7]="7/7 Keras on JAX, no TensorFlow installed: backend-neutral unit tests, then the chapters and solutions (nbval-lax: random streams differ by backend)"
)
JOBS=(
  "jax-unit|7|jax_unit"
  "colab-solutions|3|colab solutions"
  "jax-solutions|7|jax_nb solutions"
  "colab-chapters|3|colab chapters"
  "jax-labs|4|jax_nb labs"
  "strict-chapters|2|tf --nbval chapters"
  "jax-chapters|7|jax_nb chapters"
)

queue=_build/queue
rm -rf "$queue" && mkdir -p "$queue"
in_venv "$COLAB_VENV" python -c 'import sys; from importlib.metadata import version
print("Colab stack: Python", sys.version.split()[0], *(f"{p} {version(p)}" for p in ("tensorflow-cpu", "keras", "numpy")))'
echo "=== steps 2, 3, 4 and 7: ${#JOBS[@]} jobs on two workers (logs in $queue/)"
worker() {
  local job name cmd status t0 c0
  for job in "${JOBS[@]}"; do
    IFS='|' read -r name _ cmd <<<"$job"
    mkdir "$queue/$name" 2>/dev/null || continue  # the other worker has it
    t0=$SECONDS; cpu_s; c0=$CPU
    # A job in a subshell of its own, in the background: `set -e` holds in it,
    # and its exit status is read by wait.
    (trap - EXIT; set -euo pipefail; $cmd) >"$queue/$name/log" 2>&1 &
    status=0; wait $! || status=$?
    cpu_s
    echo "$status $((SECONDS - t0)) $((CPU - c0))" >"$queue/$name/result"
    echo "    job $name: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - t0)) s"
  done
}
queue_start=$SECONDS
(trap - EXIT; worker) & workers=$!
(trap - EXIT; worker) & workers="$workers $!"
for pid in $workers; do wait "$pid" || true; done
workers=
echo "--- the queue: $((SECONDS - queue_start)) s"

# Every job's output, by step, with its verdict and times.
failed=
for n in 2 3 4 7; do
  echo; echo "=== ${TITLE[$n]}"
  for job in "${JOBS[@]}"; do
    IFS='|' read -r name step cmd <<<"$job"
    [ "$step" = "$n" ] || continue
    echo "--- job $name ($cmd):"
    cat "$queue/$name/log" 2>/dev/null || true
    status="never ran" wall=? cpu=?
    read -r status wall cpu <"$queue/$name/result" 2>/dev/null || true
    echo "--- job $name: $wall s (CPU $cpu s)$([ "$status" = 0 ] || echo ", FAILED ($status)")"
    [ "$status" = 0 ] || failed="$failed $name;"
  done
done

# The background web steps: their log, then their verdict.
status=0; wait "$web" || status=$?
web=
echo; echo "=== steps 5 and 6, from the background ($web_log):"
cat "$web_log"
[ "$status" = 0 ] || { echo "steps 5 and 6 failed (exit $status)"; failed="$failed steps 5 and 6;"; }
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
