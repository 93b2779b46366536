"""Normalise notebooks after they are executed (run by `make outputs`).

- drop editor and Colab metadata (jupytext, colab, provenance, outputId), and
  the saved ipywidgets state: the web book shows each demo's precomputed
  version (dlbook.widgets), so the state would only load dead widgets;
- set the kernelspec every notebook uses;
- copy a figure's alt text from its cell's `# alt: ...` comment into the cell
  metadata that Jupyter Book puts on the <img> (`mystnb.image.alt`);
- join adjacent stream outputs of one stream (stdout, stderr): a busy machine
  delivers a cell's prints in more pieces, and the stored file should not
  depend on that (nbval and the book join them anyway).

Usage: python -m tools.nbclean [NOTEBOOK ...]   (default: every notebook)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from tools import book
from tools.conventions import ALT_PREFIX

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
NOTEBOOK_KEYS = ("jupytext", "colab", "accelerator", "gpuClass", "toc-showmarkdowntxt", "widgets")
CELL_KEYS = ("colab", "outputId", "executionInfo", "execution", "scrolled", "collapsed")


def alt_text(source: str) -> str | None:
    """The `# alt: ...` comment of a code cell, if it has one."""
    for line in source.splitlines():
        if line.startswith(ALT_PREFIX):
            return line[len(ALT_PREFIX):].strip()
    return None


def join_streams(outputs: list) -> list:
    """``outputs`` with each run of adjacent pieces of one stream joined, text unchanged."""
    joined: list = []
    for out in outputs:
        last = joined[-1] if joined else None
        if (out.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"] = "".join(last["text"]) + "".join(out["text"])
        else:
            joined.append(out)
    return joined


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for key in NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        for key in CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        cell.outputs = join_streams(cell.outputs)
        alt = alt_text(cell.source)
        if alt:
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
    return nb


def main(paths: list[str]) -> int:
    targets = [Path(p) for p in paths] or book.notebooks()
    for path in targets:
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        after = nbformat.writes(clean(nb))
        if after != before:
            path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
            print(f"nbclean: normalised {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
