# Shared by tools/run_tests.sh (make test) and tools/check.sh (make check):
# how notebooks are compared, and the simulated other processor.

# nbval: the same flags for every notebook run; tests/nbval_sanitize.cfg masks
# only Keras timings, ANSI codes and what follows dlbook.measure's mark.
NBVAL=(--nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider)

# Another x86-64 processor, simulated: the stored outputs were made on one
# machine, and every line must read the same on any other. These settings
# change the last bits of what a real other processor changes:
#  - OPENBLAS_CORETYPE=Prescott: NumPy's and SciPy's OpenBLAS runs its SSE3
#    kernels instead of this machine's (Haswell, SkylakeX, Zen...): another
#    blocking and summation order in every matrix product and solve;
#  - NPY_ENABLE_CPU_FEATURES=SSE3: NumPy's own SIMD loops (exp, tanh, log,
#    sin...) fall back to the baseline build instead of their AVX2/AVX-512
#    versions, which round differently;
#  - TF_NUM_INTRAOP_THREADS=1: TensorFlow shards its contractions another way
#    (a machine with another number of cores);
#  - DLBOOK_ONEDNN=1 ONEDNN_MAX_CPU_ISA=AVX2: TensorFlow's oneDNN kernels,
#    limited to AVX2, instead of its Eigen kernels. For readers oneDNN is off
#    (dlbook.setup() sets TF_ENABLE_ONEDNN_OPTS=0, the reproducible choice:
#    oneDNN picks its kernels by instruction set at run time). Eigen's kernels
#    still differ a little by processor (their blocking follows the caches),
#    and no variable can change that; oneDNN's kernels change every float32
#    sum in TensorFlow far more, so a printed line that survives them does not
#    hang on TensorFlow's last bits.
# TensorFlow uses no XLA on a CPU (Keras's jit_compile="auto" turns it off there).
OTHER_CPU=(OPENBLAS_CORETYPE=Prescott NPY_ENABLE_CPU_FEATURES=SSE3 TF_NUM_INTRAOP_THREADS=1
           DLBOOK_ONEDNN=1 ONEDNN_MAX_CPU_ISA=AVX2)

# in_venv DIR CMD...: run CMD with DIR's python, pytest and kernel first on PATH.
in_venv() {
  local dir=$1; shift
  [ -x "$dir/bin/pytest" ] || { echo "$dir is missing: run 'make test' (it creates it)"; exit 1; }
  PATH="$PWD/$dir/bin:$PATH" "$@"
}

# JAX compiles every new model shape with XLA, which costs more than running
# it on the quick-mode data; its persistent cache keeps each compiled program
# (keyed by the program and the compiler's flags: a hit runs the same code)
# for the next process. Every program is kept, not only those that took a
# second to compile. _build/ is not committed: a clean clone starts empty.
JAX_CACHE=(JAX_COMPILATION_CACHE_DIR="$PWD/_build/jax-cache"
           JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
           JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0)
