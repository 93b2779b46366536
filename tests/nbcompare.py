"""Compare a cell's outputs with its stored ones exactly as ``pytest --nbval`` does.

For a notebook that a test has already run (nbgrader's autograde, say), so that
the same run is not made again under nbval: nbval's own comparison
(``IPyNbCell.compare_outputs``), its stream coalescing, its default fields left
uncompared (with images, as without ``--nbdime``), and the project's sanitize
file, the one every nbval run in ``make test`` reads (tools/test_env.sh).
"""

from __future__ import annotations

import copy
import difflib
from collections import OrderedDict
from types import SimpleNamespace

from nbval.plugin import IPyNbCell, coalesce_streams, get_sanitize_patterns, nocolors

from tools.book import ROOT

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
#: nbval's fields left uncompared (IPyNbFile.skip_compare, without --nbdime).
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name",
                "execution_count", "application/vnd.jupyter.widget-view+json",
                "image/png", "image/jpeg")


class _Cell:
    """What nbval's comparison reads of its cell: the patterns, the skips, colours."""

    compare_outputs = IPyNbCell.compare_outputs
    sanitize = IPyNbCell.sanitize
    colors = nocolors

    def __init__(self):
        patterns = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))
        self.parent = SimpleNamespace(skip_compare=SKIP_COMPARE,
                                      sanitize_patterns=OrderedDict(patterns))
        self.comparison_traceback: list[str] = []

    def format_output_compare(self, key: str, left, right) -> None:
        """nbval's report asks pytest for a diff; this one writes it with difflib."""
        diff = difflib.unified_diff(str(left).splitlines(), str(right).splitlines(),
                                    "stored", "this run", lineterm="", n=1)
        self.comparison_traceback.append(f'mismatch in "{key}":\n' + "\n".join(diff))


def differences(test: list, ref: list) -> str:
    """'' when ``test`` (outputs of a new run) matches ``ref`` (the stored ones) as
    nbval would find it, else nbval's report of the first difference."""
    cell = _Cell()
    if cell.compare_outputs(coalesce_streams(copy.deepcopy(list(test))),
                            coalesce_streams(copy.deepcopy(list(ref)))):
        return ""
    return "\n".join(cell.comparison_traceback) or "the outputs differ"
