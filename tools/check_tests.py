"""The unit-test files of the dlbook modules that notebooks import (for make check).

``python -m tools.check_tests chapters/04_recurrent_networks.ipynb`` prints one
test file per line: tests/test_setup.py always, tests/test_labNN*.py and the
exercise tests for a lab, and tests/test_<module>.py for every module of
dlbook the notebook imports (dlbook.nn: the tests of all its parts).
"""

from __future__ import annotations

import re
import sys

import nbformat

from tools.book import ROOT

TESTS = ROOT / "tests"
IMPORT = re.compile(r"(?:from\s+dlbook(?:\.(?P<mod>[\w.]+))?\s+import\s+(?P<names>[\w ,()]+))"
                    r"|(?:\bdlbook\.(?P<attr>\w+))")
# dlbook modules whose tests have another name than tests/test_<module>.py
ALSO = {
    "nn": ["nn", "conv", "rnn", "attention", "optim", "training", "autoencoders", "gans",
           "gan_mixture", "apps_chapter"],
    "apps": ["apps_vision", "apps_text"],
    "notes": ["notes", "errata_boxes"],
    "labs": ["labs", "exercises", "renamed", "nbgrader"],
    "exercises": ["exercises", "renamed"],
}


def modules(source: str) -> set[str]:
    """The dlbook modules a notebook's code names: ``nn``, ``labs.lab03``, ``measure``..."""
    found = set()
    for m in IMPORT.finditer(source):
        if m.group("attr"):
            found.add(m.group("attr"))
        elif m.group("mod"):
            found.add(m.group("mod"))
        else:
            found.update(n.strip() for n in m.group("names").strip("() ").split(",") if n.strip())
    return found


def test_files(paths: list[str]) -> list[str]:
    names = {"setup", "measure"}
    for path in paths:
        nb = nbformat.read(ROOT / path, as_version=4)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for mod in modules(source):
            top, _, rest = mod.partition(".")
            lab = re.fullmatch(r"lab(\d\d[a-z]?)(?:_\w*)?", rest) if top == "labs" else None
            if lab:
                names.update(p.stem[5:] for p in TESTS.glob(f"test_lab{lab.group(1)}*.py"))
            names.update(ALSO.get(top, [top]))
            if rest and top == "nn":
                names.add(rest)
    return sorted(f"tests/test_{n}.py" for n in names if (TESTS / f"test_{n}.py").exists())


if __name__ == "__main__":
    print("\n".join(test_files(sys.argv[1:])))
