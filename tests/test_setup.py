"""dlbook.setup() and dlbook.glue(): the first cell of every notebook."""

import importlib.util
import os
import subprocess
import sys

import pytest

import dlbook
from tools import book
from dlbook import _setup

# The backend this test run uses (make test runs the suite on TensorFlow and,
# in .venv-jax, on JAX): every expectation below follows it.
BACKEND = _setup.configured_backend()
OTHER = "jax" if BACKEND == "tensorflow" else "tensorflow"


def run_py(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_setup_fixes_environment_seeds_and_reports_cpu():
    # An outside environment must not change what a notebook prints.
    code = (
        "import os, dlbook; cfg = dlbook.setup(); import numpy as np, keras;"
        "print(os.environ['TF_DETERMINISTIC_OPS'], os.environ['TF_ENABLE_ONEDNN_OPTS'],"
        " os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ['KERAS_BACKEND']);"
        "print(cfg.quick, cfg.gpu, cfg.mode);"
        "print(np.random.rand(2), keras.ops.convert_to_numpy(keras.random.uniform((2,), seed=1)));"
        "print(np.get_printoptions()['precision'])"
    )
    first = run_py(code, TF_DETERMINISTIC_OPS="0", TF_ENABLE_ONEDNN_OPTS="1", KERAS_BACKEND=OTHER,
                   CUDA_VISIBLE_DEVICES="")
    second = run_py(code, CUDA_VISIBLE_DEVICES="")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "\n".join(lines[:2]) == _setup.CPU_HINT
    assert lines[2] == f"1 0 3 {BACKEND}"
    assert lines[3] == "True False quick"
    assert lines[5] == "4"
    assert first.stdout == second.stdout  # same seeds, same numbers
    assert first.stderr.strip() == "", f"{BACKEND} logged to stderr despite the settings"


def test_only_the_simulated_processor_turns_onednn_on_and_the_mode_variable_forces_full():
    """oneDNN picks kernels by instruction set at run time: off for every reader,
    on (limited to AVX2) only in make test's simulated other processor. (One
    process checks DLBOOK_ONEDNN=1 and DLBOOK_MODE=full: each process imports
    Keras and its backend, about 10 s on 2 cores; off is checked below too.)"""
    code = ("import os, dlbook; cfg = dlbook.setup(verbose=False);"
            "print(os.environ['TF_ENABLE_ONEDNN_OPTS'], cfg.mode)")
    assert run_py(code, DLBOOK_ONEDNN="1", DLBOOK_MODE="full").stdout.split() == ["1", "full"]
    assert run_py(code, DLBOOK_ONEDNN="0", TF_ENABLE_ONEDNN_OPTS="1", DLBOOK_MODE="",
                  CUDA_VISIBLE_DEVICES="").stdout.split() == ["0", "quick"]
    simulation = (book.ROOT / "tools" / "test_env.sh").read_text(encoding="utf-8")
    assert f"{_setup.ONEDNN_VARIABLE}=1" in simulation.split("OTHER_CPU=(", 1)[1].split(")", 1)[0]


def test_jax_keeps_float64():
    pytest.importorskip("jax", reason="JAX is tested in .venv-jax (make test, step 7)")
    code = (
        "import dlbook; dlbook.setup(verbose=False); import jax, keras, numpy as np;"
        "x = keras.ops.convert_to_tensor(np.float64(1) / 3, dtype='float64');"
        "print(jax.config.jax_enable_x64, x.dtype, keras.ops.convert_to_numpy(x) == np.float64(1) / 3,"
        " keras.config.floatx())"
    )
    res = run_py(code, DLBOOK_BACKEND="jax", CUDA_VISIBLE_DEVICES="")
    assert res.returncode == 0, res.stderr
    # float64 is real float64 (not float32 in disguise); layers stay float32.
    assert res.stdout.split() == ["True", "float64", "True", "float32"]


def test_bad_or_missing_backend_is_explained():
    bad = run_py("import dlbook; dlbook.setup()", DLBOOK_BACKEND="theano")
    assert bad.returncode != 0
    assert "DLBOOK_BACKEND must be one of tensorflow, jax, torch, not 'theano'" in bad.stderr
    missing = [b for b in _setup.BACKENDS if not importlib.util.find_spec(b)]
    if not missing:
        pytest.skip("every backend is installed here")
    res = run_py("import dlbook; dlbook.setup()", DLBOOK_BACKEND=missing[0])
    assert res.returncode != 0
    assert f"The Keras backend {missing[0]!r} is not installed" in res.stderr


def test_mode_variable_rejects_nonsense():
    bad = run_py("import dlbook; dlbook.setup()", DLBOOK_MODE="fast")
    assert bad.returncode != 0 and "DLBOOK_MODE must be 'quick' or 'full'" in bad.stderr


def test_setup_refuses_keras_imported_with_another_backend(monkeypatch):
    from types import SimpleNamespace

    fake = SimpleNamespace(backend=SimpleNamespace(backend=lambda: BACKEND))
    monkeypatch.setitem(sys.modules, "keras", fake)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setenv(_setup.BACKEND_VARIABLE, OTHER)
    with pytest.raises(RuntimeError, match="Restart the kernel"):
        dlbook.setup()


def test_glue_writes_myst_nb_records(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    assert dlbook.glue("x", 0.629483, fmt=".4f") is None
    (bundle,), kwargs = shown[0]
    assert bundle == {"application/papermill.record/text/plain": "0.6295"}
    assert kwargs["metadata"]["scrapbook"]["name"] == "x"
    assert kwargs["raw"] is True


def test_in_colab_is_false_here():
    assert dlbook.in_colab() is False


@pytest.mark.parametrize("name", ["setup", "glue", "in_colab", "Config"])
def test_public_api(name):
    assert hasattr(dlbook, name)
