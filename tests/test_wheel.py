"""Colab installs dlbook as a wheel (pip, not editable): the wheel must hold
every module and every data file of every unit, or a lab fails in Colab with
an import or a missing-file error that no local test would see."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tools.book import ROOT

PACKAGE = ROOT / "dlbook"
DATA_SUFFIXES = (".yaml", ".yml", ".json")


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
           "-q", "-w", str(out), str(ROOT)]
    # Build from a copy so that the build leaves nothing in the working tree.
    subprocess.run(["cp", "-r", str(PACKAGE), str(ROOT / "pyproject.toml"),
                    str(ROOT / "README.md"), str(build)], check=True)
    cmd[-1] = str(build)
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    wheels = list(out.glob("dlbook-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as zf:
        return set(zf.namelist())


def _tree(suffixes) -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts
    )


def test_wheel_holds_every_module(wheel_files):
    modules = _tree((".py",))
    assert "dlbook/labs/lab01.py" in modules and "dlbook/nn/mlp.py" in modules
    missing = [m for m in modules if m not in wheel_files]
    assert not missing, f"modules missing from the wheel (pyproject packages): {missing}"


def test_wheel_holds_every_data_file(wheel_files):
    data = _tree(DATA_SUFFIXES)
    assert any("/claims/" in d for d in data), "no claim files found: wrong data path?"
    assert "dlbook/data/crosswalk.yaml" in data
    missing = [d for d in data if d not in wheel_files]
    assert not missing, f"data files missing from the wheel (pyproject package-data): {missing}"
