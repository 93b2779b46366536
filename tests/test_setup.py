"""dlbook.setup() and dlbook.glue(): the first cell of every notebook."""

import os
import subprocess
import sys

import pytest

import dlbook
from dlbook import _setup


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
        "print(np.random.rand(2), keras.random.uniform((2,), seed=1).numpy());"
        "print(np.get_printoptions()['precision'])"
    )
    first = run_py(code, TF_DETERMINISTIC_OPS="0", KERAS_BACKEND="jax", CUDA_VISIBLE_DEVICES="")
    second = run_py(code, CUDA_VISIBLE_DEVICES="")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert "\n".join(lines[:2]) == _setup.CPU_HINT
    assert lines[2] == "1 0 3 tensorflow"
    assert lines[3] == "True False quick"
    assert lines[5] == "4"
    assert first.stdout == second.stdout  # same seeds, same numbers
    assert first.stderr.strip() == "", "TensorFlow logged to stderr despite the settings"


def test_mode_variable_forces_full_and_rejects_nonsense():
    ok = run_py("import dlbook; print(dlbook.setup().mode)", DLBOOK_MODE="full")
    assert ok.stdout.splitlines()[-1] == "full"
    bad = run_py("import dlbook; dlbook.setup()", DLBOOK_MODE="fast")
    assert bad.returncode != 0 and "DLBOOK_MODE must be 'quick' or 'full'" in bad.stderr


def test_setup_refuses_keras_imported_with_another_backend(monkeypatch):
    from types import SimpleNamespace

    fake = SimpleNamespace(backend=SimpleNamespace(backend=lambda: "jax"))
    monkeypatch.setitem(sys.modules, "keras", fake)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.delenv(_setup.BACKEND_VARIABLE, raising=False)
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
