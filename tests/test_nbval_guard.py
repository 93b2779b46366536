"""The notebook check is not vacuous: a changed stored number turns nbval red.

Copies the setup chapter, changes one printed value in its stored outputs,
and runs nbval on the copy exactly as `make test` does. The untouched copy
must pass and the tampered one must fail on that cell.
"""

import shutil
import subprocess
import sys

import nbformat

from tools import book

SOURCE = book.ROOT / "chapters" / "00_setup_and_conventions.ipynb"


def nbval(path) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
        "--nbval-current-env", "--nbval-sanitize-with",
        str(book.ROOT / "tests" / "nbval_sanitize.cfg"), str(path),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent, timeout=300)


def test_nbval_fails_when_a_stored_number_changes(tmp_path):
    good = tmp_path / "good.ipynb"
    shutil.copy(SOURCE, good)
    assert nbval(good).returncode == 0

    nb = nbformat.read(SOURCE, as_version=4)
    changed = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and "sigmoid(0.53) = 0.6295" in out.text:
                out.text = out.text.replace("0.6295", "0.6296")
                changed += 1
    assert changed == 1, "the printed line this test tampers with is gone from the chapter"
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    result = nbval(bad)
    assert result.returncode != 0
    assert "0.6296" in result.stdout and "1 failed" in result.stdout
