"""Export the solution notebooks as an nbgrader course (for instructors).

Writes ``<out>/source/<assignment>/<notebook>.ipynb`` (default out:
``_build/nbgrader``, assignment ``labNN`` from the notebook's number) with
nbgrader cell metadata, schema version 3:

* a code cell with solution code (``### BEGIN SOLUTION`` blocks, or lines
  ending in ``# SOLUTION``, which become one-line BEGIN/END blocks) is a
  **solution cell** (``solution: true``); nbgrader replaces each block by
  its own stub when it generates the student version;
* a cell that checks an exercise, ``qN.check(answer)``, becomes an
  **autograded test cell** (``grade: true``, locked, ``points`` from the
  exercise) calling ``qN.assert_check(answer)``, which raises
  ``AssertionError`` with the feedback unless the answer is correct. Only a
  check of a variable is graded: checks of anything else (``q1.check(...)``,
  ``q1.check(0.18)``, ``q1.check(lambda z: ...)``) and cells tagged
  ``not-graded`` are demonstrations and stay ordinary cells;
* for a written exercise, the solution cell that holds the answer becomes a
  **manually graded answer** (``solution`` and ``grade``, with the points),
  and its check cell stays ordinary;
* calls of ``qN.solution()`` are commented out (students could still type
  them: the solutions are public, so weigh this for graded work);
* outputs are cleared; cells tagged ``solution-only`` are left out.

Then, in the course directory: ``nbgrader generate_assignment lab00``.

Usage: python tools/export_nbgrader.py [--out DIR] [SOLUTION.ipynb ...]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import book, make_labs  # noqa: E402

SCHEMA_VERSION = 3
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")
ALLOWED_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id",
                "points", "checksum", "cell_type"}
NOT_GRADED_TAG = "not-graded"
CHECK_CALL = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)\.check\((?P<arg>.*)\)\s*(#.*)?$")
SOLUTION_CALL = re.compile(r"^(?P<indent>[ \t]*)(?P<call>[A-Za-z_]\w*\.solution\(\))[ \t]*$",
                           re.MULTILINE)
LAB_IMPORT = re.compile(r"from\s+dlbook\.labs(?:\.(?P<mod>lab\d+))?\s+import\s+(?P<names>[\w ,()]+)")


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
    if cell.cell_type != "code" or NOT_GRADED_TAG in cell.metadata.get("tags", []):
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
            raise ValueError(f"one graded check per cell, found two in: {cell.source!r}")
        found = (m.group("name"), m.group("arg"))
    return found


def solution_blocks(source: str) -> str:
    """Turn each ``... # SOLUTION`` line into a one-line BEGIN/END block."""
    out = []
    for line in source.split("\n"):
        m = make_labs.LINE_MARK.match(line)
        if m and line.strip() != "# SOLUTION":
            code = m.group("code")
            indent = make_labs._indent(code)
            out += [indent + make_labs.BEGIN, code.rstrip(), indent + make_labs.END]
        else:
            out.append(line)
    return "\n".join(out)


def meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    m = {"schema_version": SCHEMA_VERSION, "grade": grade, "locked": locked,
         "solution": solution, "task": False, "grade_id": grade_id}
    if grade:
        m["points"] = points
    return m


def export_notebook(nb: nbformat.NotebookNode, assignment: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    module = lab_module(nb)
    exercises = {q.name: q for q in getattr(module, "EXERCISES", [])}
    cells, last_solution, used = [], None, set()

    def unique(grade_id: str) -> str:
        base, k = grade_id, 2
        while grade_id in used:
            grade_id, k = f"{base}_{k}", k + 1
        used.add(grade_id)
        return grade_id

    n_solution = 0
    for cell in nb.cells:
        if make_labs.SOLUTION_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = SOLUTION_CALL.sub(
                r"\g<indent># \g<call>  (switched off in the graded version)", cell.source)
        if cell.cell_type == "code" and make_labs.has_solution(cell.source):
            n_solution += 1
            cell.source = solution_blocks(cell.source)
            cell.metadata["nbgrader"] = meta(unique(f"{assignment}_solution_{n_solution}"),
                                             solution=True)
            last_solution = cell
        elif (check := graded_check(cell)) is not None:
            name, arg = check
            exercise = exercises.get(name)
            points = getattr(exercise, "points", 1)
            if getattr(exercise, "kind", "") == "written":
                if last_solution is None:
                    raise ValueError(f"written exercise {name}: no solution cell before its check")
                last_solution.metadata["nbgrader"].update(grade=True, points=points)
                last_solution.metadata["nbgrader"]["grade_id"] = unique(f"{assignment}_{name}_answer")
            else:
                cell.source = re.sub(rf"\b{name}\.check\(", f"{name}.assert_check(", cell.source, count=1)
                cell.metadata["nbgrader"] = meta(unique(f"{assignment}_{name}_test"),
                                                 grade=True, locked=True, points=points)
        elif cell.cell_type == "markdown" and make_labs.BEGIN in cell.source:
            n_solution += 1
            cell.metadata["nbgrader"] = meta(unique(f"{assignment}_written_{n_solution}"),
                                             solution=True, grade=True, points=1)
        cells.append(cell)
    nb.cells = cells
    validate(nb)
    return nb


def validate(nb) -> None:
    """nbgrader's checks of cell metadata, schema version 3 (without nbgrader)."""
    ids = set()
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader")
        if m is None:
            continue
        where = f"cell {cell.get('id', '?')}"
        unknown = set(m) - ALLOWED_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown nbgrader keys {sorted(unknown)}")
        for key in ("schema_version", "grade", "locked", "solution"):
            if key not in m:
                raise ValueError(f"{where}: nbgrader metadata lacks {key!r}")
        if m["schema_version"] != SCHEMA_VERSION:
            raise ValueError(f"{where}: schema_version must be {SCHEMA_VERSION}")
        for key in ("grade", "locked", "solution", "task"):
            if key in m and not isinstance(m[key], bool):
                raise ValueError(f"{where}: {key} must be a boolean")
        grade, solution, locked, task = m["grade"], m["solution"], m["locked"], m.get("task", False)
        if grade or solution or locked:
            gid = m.get("grade_id", "")
            if not isinstance(gid, str) or not gid or not GRADE_ID.match(gid):
                raise ValueError(f"{where}: bad grade_id {gid!r}")
            if gid in ids:
                raise ValueError(f"duplicate grade id {gid}")
            ids.add(gid)
        if grade:
            pts = m.get("points")
            if not isinstance(pts, (int, float)) or isinstance(pts, bool) or pts < 0:
                raise ValueError(f"{where}: a graded cell needs points >= 0")
        if task and cell.cell_type != "markdown":
            raise ValueError(f"{where}: task cells must be markdown")
        if not task and cell.cell_type == "markdown" and grade != solution:
            raise ValueError(f"{where}: a markdown cell must be both grade and solution")
        if solution and cell.cell_type == "code" and make_labs.BEGIN not in cell.source:
            raise ValueError(f"{where}: a solution cell without a BEGIN SOLUTION region")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=book.ROOT / "_build" / "nbgrader")
    parser.add_argument("solutions", nargs="*", type=Path)
    args = parser.parse_args(argv)
    for path in args.solutions or book.notebooks("solutions"):
        assignment = assignment_name(path)
        nb = export_notebook(nbformat.read(path, as_version=4), assignment)
        target = args.out / "source" / assignment / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        graded = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
        points = sum(m.get("points", 0) for m in graded if m["grade"])
        print(f"export_nbgrader: {target} ({len(graded)} nbgrader cells, {points:g} points)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
