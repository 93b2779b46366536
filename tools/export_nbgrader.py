"""Export the solution notebooks as the source of an nbgrader course (for instructors).

Writes ``<out>/source/<assignment>/<notebook>.ipynb`` (default out:
``_build/nbgrader``, assignment ``labNN`` from the notebook's number) with
nbgrader cell metadata:

* a code cell with solution code (``### BEGIN SOLUTION`` blocks, or lines
  ending in ``# SOLUTION``, which become one-line BEGIN/END blocks) is a
  **solution cell**; nbgrader replaces each block by its stub when it
  generates the student version;
* a cell that checks an exercise, ``qN.check(answer)``, becomes an
  **autograded test cell** (locked, worth the exercise's points) calling
  ``qN.assert_check(answer)``, which raises ``AssertionError`` with the
  feedback unless the answer is correct. Only a check of a variable is
  graded: checks of anything else (``q1.check(...)``, ``q1.check(0.18)``,
  ``q1.check(lambda z: ...)``) and cells tagged ``not-graded`` are
  demonstrations and stay ordinary cells;
* for a written exercise, the solution cell that holds the answer becomes a
  **manually graded answer** (solution and grade, with the points), and its
  check cell stays ordinary; a markdown cell with a BEGIN/END SOLUTION region
  is a manually graded answer worth 1 point;
* calls of ``qN.solution()`` are commented out (students could still type
  them: the solutions are public, so weigh this for graded work);
* outputs are cleared; cells tagged ``solution-only`` are left out.

**Grade ids come from the exercise names**, not from cell positions, so that
inserting an exercise changes no other cell's id (and grades already in a
gradebook keep their cells): ``lab01-q3-check`` (the test cell of ``q3``),
``lab01-q3-solution`` (the solution cells before it; ``-solution-2``... if
there are several), ``lab01-q9-answer`` (a written answer). A solution cell
that no check follows, and a markdown answer, are named after their nbformat
cell id: ``lab01-cell-1a2b3c4d``. An exercise graded twice is an error: tag
one of its checks ``not-graded``.

The checksums, the student version and the validation of the metadata are
nbgrader's job: in the course directory, ``nbgrader generate_assignment lab00``.

Usage: python -m tools.export_nbgrader [--out DIR] [SOLUTION.ipynb ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import re
import sys
from pathlib import Path

import nbformat

from tools import book, make_labs
from tools.conventions import (
    BEGIN, CHECK_CALL, END, LAB_IMPORT, LINE_MARK, NOT_GRADED, SOLUTION_CALL, SOLUTION_ONLY,
)

SCHEMA_VERSION = 3  # nbgrader's cell metadata schema (nbgrader.nbgraderformat.SCHEMA_VERSION)

class ExportError(ValueError):
    """A solution notebook that cannot be exported for nbgrader."""


def assignment_name(path: Path) -> str:
    number = re.match(r"(\d+)", path.name)
    return f"lab{number.group(1)}" if number else path.stem


def lab_module(nb):
    """The dlbook.labs module that a notebook imports its exercises from."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for match in LAB_IMPORT.finditer(cell.source):
            if match.group("mod"):
                return importlib.import_module(f"dlbook.labs.{match.group('mod')}")
    return None


def graded_check(cell) -> tuple[str, str] | None:
    """(exercise name, argument source) if the cell is a check to grade."""
    if cell.cell_type != "code" or NOT_GRADED in cell.metadata.get("tags", []):
        return None
    found = None
    for line in cell.source.split("\n"):
        m = CHECK_CALL.match(line)
        if not m:
            continue
        try:
            call = ast.parse(line.strip()).body[0].value
        except (SyntaxError, IndexError, AttributeError):
            continue
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name):
            continue  # a demonstration: q1.check(...), q1.check(0.18), q1.check(lambda...)
        if found:
            raise ExportError(f"one graded check per cell, found two in: {cell.source!r}")
        found = (m.group("name"), m.group("arg"))
    return found


def solution_blocks(source: str) -> str:
    """Turn each ``... # SOLUTION`` line into a one-line BEGIN/END block."""
    out = []
    for line in source.split("\n"):
        m = LINE_MARK.match(line)
        if m and line.strip() != "# SOLUTION":
            code = m.group("code")
            indent = code[: len(code) - len(code.lstrip())]
            out += [indent + BEGIN, code.rstrip(), indent + END]
        else:
            out.append(line)
    return "\n".join(out)


def meta(*, solution=False, grade=False, locked=False, points=None) -> dict:
    """nbgrader cell metadata; the grade id is set once the cell's exercise is known."""
    m = {"schema_version": SCHEMA_VERSION, "grade": grade, "locked": locked,
         "solution": solution, "task": False, "grade_id": ""}
    if grade:
        m["points"] = points
    return m


def export_notebook(nb: nbformat.NotebookNode, assignment: str) -> nbformat.NotebookNode:
    """The nbgrader source version of a solution notebook (a copy)."""
    nb = copy.deepcopy(nb)
    exercises = {q.name: q for q in getattr(lab_module(nb), "EXERCISES", [])}
    owner: dict[str, str] = {}  # grade id -> what it names, for the error message

    def name(cell, *parts: str, what: str) -> None:
        grade_id = "-".join((assignment, *parts))
        if grade_id in owner:
            raise ExportError(
                f"{assignment}: {what} and {owner[grade_id]} would share the grade id "
                f"{grade_id!r}. Grade each exercise once: tag the other check cell "
                f"{NOT_GRADED!r}.")
        owner[grade_id] = what
        cell.metadata["nbgrader"]["grade_id"] = grade_id

    def by_cell_id(cell, what: str) -> None:
        if not cell.get("id"):
            raise ExportError(f"{assignment}: {what} has no cell id; save the notebook "
                              "in nbformat 4.5 or later (python -m tools.nbclean)")
        name(cell, "cell", cell.id, what=f"{what} {cell.id}")

    cells, pending = [], []  # pending: solution cells not yet followed by a check
    for cell in nb.cells:
        if SOLUTION_ONLY in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = SOLUTION_CALL.sub(
                r"\g<indent># \g<call>  (switched off in the graded version)", cell.source)
        if cell.cell_type == "code" and make_labs.has_solution(cell.source):
            cell.source = solution_blocks(cell.source)
            cell.metadata["nbgrader"] = meta(solution=True)
            pending.append(cell)
        elif (check := graded_check(cell)) is not None:
            q = check[0]
            exercise = exercises.get(q)
            points = getattr(exercise, "points", 1)
            if getattr(exercise, "kind", "") == "written":
                if not pending:
                    raise ExportError(f"{assignment}: written exercise {q} has no solution "
                                      "cell (### BEGIN SOLUTION) before its check")
                answer = pending.pop()
                answer.metadata["nbgrader"].update(grade=True, points=points)
                name(answer, q, "answer", what=f"the answer of {q}")
            else:
                cell.source = re.sub(rf"\b{q}\.check\(", f"{q}.assert_check(", cell.source,
                                     count=1)
                cell.metadata["nbgrader"] = meta(grade=True, locked=True, points=points)
                name(cell, q, "check", what=f"the check of {q}")
            for k, solution in enumerate(pending, 1):
                suffix = "solution" if len(pending) == 1 else f"solution-{k}"
                name(solution, q, suffix, what=f"a solution cell of {q}")
            pending = []
        elif cell.cell_type == "markdown" and BEGIN in cell.source:
            cell.metadata["nbgrader"] = meta(solution=True, grade=True, points=1)
            by_cell_id(cell, "the markdown answer")
        cells.append(cell)
    for cell in pending:
        by_cell_id(cell, "the solution cell")
    nb.cells = cells
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=book.ROOT / "_build" / "nbgrader",
                        help="course directory to write source/<assignment>/ into")
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution notebooks (default: solutions/*.ipynb)")
    args = parser.parse_args(argv)
    errors = 0
    for path in args.solutions or book.notebooks("solutions"):
        assignment = assignment_name(path)
        try:
            nb = export_notebook(nbformat.read(path, as_version=4), assignment)
        except OSError as exc:
            print(f"export_nbgrader: {path}: cannot read it ({exc.strerror})", file=sys.stderr)
            errors += 1
            continue
        except (nbformat.reader.NotJSONError, ExportError) as exc:
            print(f"export_nbgrader: {path}: {exc}", file=sys.stderr)
            errors += 1
            continue
        target = args.out / "source" / assignment / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        graded = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
        points = sum(m.get("points", 0) for m in graded if m["grade"])
        print(f"export_nbgrader: {target} ({len(graded)} nbgrader cells, {points:g} points)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
