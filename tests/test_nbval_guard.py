"""The notebook check is not vacuous: a changed stored number turns nbval red.

Copies the setup chapter up to the cell that prints sigmoid(0.53), changes
that printed value in its stored outputs, and runs nbval on the copy exactly
as `make test` does: the tampered cell must fail, and it alone. The whole
untouched chapter passes the same nbval in step 2 of `make test`, so the
copy is cut after the tampered cell and not run untouched as well.
"""

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
    nb = nbformat.read(SOURCE, as_version=4)
    changed = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and "sigmoid(0.53) = 0.6295" in out.text:
                out.text = out.text.replace("0.6295", "0.6296")
                changed.append(i)
    assert len(changed) == 1, "the printed line this test tampers with is gone from the chapter"
    nb.cells = nb.cells[:changed[0] + 1]
    assert sum(c.cell_type == "code" for c in nb.cells) > 2  # set-up and more run before it
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    result = nbval(bad)
    assert result.returncode != 0
    assert "0.6296" in result.stdout and "1 failed" in result.stdout
    assert " passed" in result.stdout  # the cells before it still match
