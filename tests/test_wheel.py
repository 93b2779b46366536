"""Colab installs dlbook as a wheel (pip, not editable): the wheel must hold
every module and every data file of every unit, or a lab fails in Colab with
an import or a missing-file error that no local test would see; and installing
it must leave every one of Colab's packages as it is (.venv-colab)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.book import ROOT

PACKAGE = ROOT / "dlbook"
DATA_SUFFIXES = (".yaml", ".yml", ".json")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of dlbook, built as Colab's users get it."""
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
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_files(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
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
    assert any("/questions/" in d for d in data), "no question-bank files found"
    assert any("/quizzes/unit00/" in d for d in data), "no self-check question files found"
    assert "dlbook/data/schema/quizzes.schema.json" in data
    assert "dlbook/data/crosswalk.yaml" in data
    assert "dlbook/data/corpora/ner.yaml" in data, "the corpora of Unit 7 (Lab 7b)"
    missing = [d for d in data if d not in wheel_files]
    assert not missing, f"data files missing from the wheel (pyproject package-data): {missing}"


# Made by `make env-colab` from Colab's pins; `make test` makes it before the
# unit tests and passes its name.
COLAB_VENV = ROOT / os.environ.get("COLAB_VENV", ".venv-colab")


def test_wheel_installs_in_colab_without_changing_its_packages(wheel):
    """What `pip install dlbook-*.whl` would do in Colab: install dlbook, nothing else.

    .venv-colab's own dlbook is an editable install made with --no-deps, which
    proves nothing about dlbook's dependencies. A dry run of installing the
    wheel does: pip replaces the editable dlbook by the wheel (it never takes
    one for the other) and resolves the wheel's dependencies against Colab's
    installed packages with its default strategy (only if needed), as
    Colab's pip would. Any other package in the report would be installed,
    upgraded or downgraded. With --no-index, a dependency that Colab's
    packages do not meet fails the resolution instead of being downloaded:
    the verdict does not depend on the network.
    """
    python = COLAB_VENV / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no {COLAB_VENV.name}: run `make env-colab` (make test makes it first)")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "--no-index", "--quiet",
         "--report", "-", str(wheel)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, (
        f"pip cannot install the wheel in {COLAB_VENV.name} without other packages "
        f"(a dependency Colab's versions do not meet?):\n{done.stderr}")
    install = json.loads(done.stdout)["install"]
    changed = {item["metadata"]["name"]: item["metadata"]["version"] for item in install}
    assert list(changed) == ["dlbook"], (
        f"installing the wheel in {COLAB_VENV.name} would also install, upgrade or "
        f"downgrade: { {n: v for n, v in changed.items() if n != 'dlbook'} }")
    (item,) = install
    assert item["download_info"]["url"].endswith(wheel.name), item["download_info"]
    # The wheel's dependencies were resolved (a --no-deps run would prove nothing).
    required = {re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower()
                for r in item["metadata"].get("requires_dist", [])}
    assert {"numpy", "keras", "matplotlib", "ipywidgets"} <= required, required
