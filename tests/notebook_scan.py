"""Read notebooks for the tests: what they show of the notes registry, and the
solution cells that the labs' full-mode tests run.

Only stored outputs count: a claim is *shown* when a notebook's committed
outputs hold its compare line (``<id>: notes ...``, printed by
``notes.compare``) or its erratum box (``notes.erratum``, whose text/plain
starts ``<id>: <verdict> box``). labs/ is generated from solutions/, so the
solutions stand for the labs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tools.book import ROOT
from tools.conventions import BEGIN, END

NOTEBOOK_DIRS = ("chapters", "solutions")
COMPARED = re.compile(r"^(\S+): notes ", re.MULTILINE)
BOXED = re.compile(r"^(\S+): (?:erratum|imprecise|omission) box ", re.MULTILINE)


def source_text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def output_text(output: dict, mime: str = "text/plain") -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "") if mime == "text/plain" else ""
    else:
        text = output.get("data", {}).get(mime, "")
    return "".join(text) if isinstance(text, list) else text


def notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def notebooks(*dirs: str) -> list[Path]:
    return sorted(p for d in (dirs or NOTEBOOK_DIRS) for p in (ROOT / d).glob("*.ipynb"))


def shown_ids(path: Path, pattern: re.Pattern) -> set[str]:
    """Claim ids whose line ``pattern`` finds in the stored outputs of a notebook."""
    ids: set[str] = set()
    for cell in notebook(path).get("cells", []):
        for output in cell.get("outputs", []):
            ids |= set(pattern.findall(output_text(output)))
    return ids


def where(pattern: re.Pattern) -> dict[str, set[str]]:
    """claim id -> the notebooks (relative paths) whose stored outputs show it."""
    out: dict[str, set[str]] = {}
    for path in notebooks():
        for cid in shown_ids(path, pattern):
            out.setdefault(cid, set()).add(path.relative_to(ROOT).as_posix())
    return out


def section_notebook(section: str) -> str:
    """The notebook (relative path) that a claim's section names; labs/ -> solutions/."""
    path = section.partition("#")[0]
    if path.startswith("labs/"):
        path = "solutions/" + path[len("labs/"):]
    return f"{path}.ipynb"


def solution_cell(name: str, start: str) -> str:
    """The first code cell of ``solutions/<name>`` that starts with ``start`` once its
    solution markers are removed: the code a lab test runs in its own namespace."""
    for cell in notebook(ROOT / "solutions" / name)["cells"]:
        if cell["cell_type"] != "code":
            continue
        # Blank the markers, not their lines: inside a def the indentation must stay.
        source = source_text(cell).replace(BEGIN, "").replace(END, "").lstrip("\n")
        if source.startswith(start):
            return source
    raise LookupError(f"solutions/{name}: no code cell starts with {start!r}")


def full_mode_namespace(monkeypatch, name: str, imports: str) -> dict:
    """A namespace to run cells of ``solutions/<name>`` in the full configuration
    (``DLBOOK_MODE=full``): ``cfg`` from ``dlbook.setup()``, then the solution's imports
    cell, the first code cell that starts with ``imports``."""
    import keras

    import dlbook

    monkeypatch.setenv("DLBOOK_MODE", "full")
    cfg = dlbook.setup(verbose=False)
    assert not cfg.quick
    namespace = {"cfg": cfg}
    exec(solution_cell(name, imports), namespace)
    assert namespace["keras"] is keras
    return namespace
