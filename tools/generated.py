"""Writing and checking generated pages: the one loop every page tool shares.

A page tool has a ``pages()`` function that returns ``{path: text}``, the
pages it generates and the text they should have now. :func:`main` writes
the ones that differ, or with ``--check`` writes nothing and exits 1 when
one is stale. A data error (a subclass of ``ValueError`` raised while
rendering) is reported in one message and exits 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from tools.book import ROOT


def differs(new: dict[Path, str]) -> list[Path]:
    """The pages whose committed text is not ``new``'s (or that do not exist)."""
    return [p for p, text in new.items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def write(new: dict[Path, str]) -> list[Path]:
    """Write the pages that differ; return them."""
    written = differs(new)
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new[path], encoding="utf-8")
    return written


def _rel(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def main(pages: Callable[[], dict[Path, str]], argv: list[str] | None, *, description: str,
         command: str) -> int:
    """The command line of a page tool: write, or ``--check`` for staleness."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a committed page is stale; write nothing")
    check = parser.parse_args(argv).check
    try:
        new = pages()
    except ValueError as err:  # the data's own error classes (RegistryError, QuestionError...)
        print(f"error in the data of the generated pages:\n{err}", file=sys.stderr)
        return 2
    if check:
        old = differs(new)
        for path in old:
            print(f"stale: {_rel(path)} (run `{command}`)")
        if not old:
            print("generated pages are up to date")
        return 1 if old else 0
    for path in write(new):
        print(f"wrote {_rel(path)}")
    return 0
