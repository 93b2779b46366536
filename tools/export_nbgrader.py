"""Export the solution notebooks as the source of an nbgrader course (for instructors).

Writes ``<out>/source/<assignment>/<notebook>.ipynb`` (default out:
``_build/nbgrader``, assignment ``labNN`` from the notebook's number), with
nbgrader's cell metadata, and ``<out>/dlbook_templates/``, the feedback template
that lists the exercises by title. ``instructors.md`` is the recipe that runs a
course from it, with the ``nbgrader_config.py`` it needs.

What the graded copy is, cell by cell:

* **solution cells** keep the starting lines of the book's own ``labs/`` copy:
  nbgrader replaces each ``### BEGIN SOLUTION`` block with ``# YOUR CODE HERE``
  (the config's ``ClearSolutions.code_stub``), and the export writes the stub
  around it: ``name = ...`` before a top-level block for each name it assigns,
  ``raise NotImplementedError()`` after a block that ends a function body
  (unreachable in the instructors' copy, where the block returns). So every check
  of an untouched copy reads "Not attempted", as in ``labs/``;
* a **check** ``qN.check(answer)`` becomes an autograded test cell (locked, worth
  the exercise's ``points``) that grades with a fresh copy of the checker, not the
  notebook's ``qN`` (:mod:`dlbook.exercises.grading`): ``make="f(x)"`` for an
  exercise that the notebook makes from its own run, and, in the instructors'
  copy only, the seed of hidden cases for a function exercise. Only a check of
  a variable is graded: ``q1.check(...)``, ``q1.check(0.18)``,
  ``q1.check(lambda z: ...)`` and cells tagged ``not-graded`` are
  demonstrations and stay ordinary cells;
* a **written answer** becomes a markdown answer cell, graded by hand, whose
  instructors' copy holds the model answer and the points a full answer makes
  (its check cell goes: nothing can check it);
* **every other cell is locked** (nbgrader restores it before grading), the
  setup cell sets the quick configuration (``DLBOOK_MODE=quick``, the same on
  the grader as in the student's run, with or without a GPU) and switches
  ``qN.solution()`` and the hints after the first off (``DLBOOK_GRADED=1``);
  ``qN.solution()`` calls are commented out;
* the **markdown** loses what points at the answers or does not render outside
  the web book: the Colab badge (it opens the solved notebook), the sentences
  about ``solution()``, MyST labels; cross-references become the section's
  title, ``{glue:}`` values their text; a note at the top says what a graded copy
  is. Prompts show each exercise's points, "**Exercise 4 (2 points).**", which an
  instructor may change: ``--points lab03.q8=6``;
* outputs are cleared; a figure's ``# alt:`` text goes into the cell's ``alt``
  metadata, which nbgrader's feedback page puts on the image; cells tagged
  ``solution-only`` are left out.

**Grade ids come from the exercise names**, not from cell positions, so that
inserting an exercise changes no other cell's id (and grades already in a
gradebook keep their cells): ``lab01-q3-check`` (the test cell of ``q3``),
``lab01-q3-solution`` (the solution cells before it; ``-solution-2``... if
there are several), ``lab01-q9-answer`` (a written answer). Other cells are
named after their nbformat cell id: ``lab01-cell-1a2b3c4d``. An exercise graded
twice is an error: tag one of its checks ``not-graded``.

Other commands: ``--table`` writes the per-lab table of ``instructors.md``
(exercises, points, what each checks, autograde time, GPU) from the lab
modules and ``tools/nbgrader_times.json``; ``--measure`` times an autograde of
each solved lab (or those named) and writes that file.

Usage: python -m tools.export_nbgrader [--out DIR] [--points LAB.QN=N ...] [--seed N]
       [SOLUTION.ipynb ...] | --table | --measure [SOLUTION.ipynb ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import os
import platform
import re
import secrets
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from tools import book, make_labs, nbclean
from tools.conventions import (
    BEGIN, CHECK_CALL, END, GLUE_MIME, GLUE_ROLE, LAB_IMPORT, LINE_MARK, NOT_GRADED, RAISE,
    SOLUTION_CALL, SOLUTION_ONLY,
)

SCHEMA_VERSION = 3  # nbgrader's cell metadata schema (nbgrader.nbgraderformat.SCHEMA_VERSION)
YOUR_CODE = "# YOUR CODE HERE"  # what nbgrader puts in place of a solution block (the config)
TEMPLATE_DIR = "dlbook_templates"  # under the course: the feedback template's base directory
TEMPLATE_FILE = "dlbook_feedback.html.j2"
PAGE = book.ROOT / "instructors.md"
TIMES = book.ROOT / "tools" / "nbgrader_times.json"
TABLE_BEGIN = "<!-- begin: the table that python -m tools.export_nbgrader --table writes -->"
TABLE_END = "<!-- end of the table -->"

GRADED_SETUP = """\
# Graded copy: the quick configuration on every machine, the grader's too (the same run,
# the same grades), and no solutions.
import os
os.environ["DLBOOK_MODE"] = "quick"
os.environ["DLBOOK_GRADED"] = "1"
"""
GRADED_NOTE = (
    "> **This is a graded copy.** Answer in the cells marked `# YOUR CODE HERE` (for a "
    "written answer, in place of *YOUR ANSWER HERE*), run the check under each, and "
    "submit. Each exercise shows its points. The checks say what they say in the book, but "
    "here `qN.solution()` is switched off and `qN.hint()` gives the first hint only. The "
    "grader runs your notebook again, top to bottom, in the same quick configuration, "
    "with a fresh copy of the checker and, for the functions you write, cases of its own.")
# Sentences of the labs that point at the solutions, and what the graded copy says instead.
SOLUTION_SENTENCES = [
    (re.compile(r"`(q\d+)\.hint\(\)` gives a hint and `\1\.solution\(\)` the answer"),
     r"`\1.hint()` gives a hint"),
    (re.compile(r"`((?:q\d+\.)?solution\(\))`\s+shows\s+the\s+reference\s+answer"),
     r"`\1` is switched off in this graded copy"),
    (re.compile(r"[,;]?\s+(so\s+)?compare\s+(yours|your answer)\s+with\s+the\s+model\s+"
                r"answer"), ""),
]
LABEL = re.compile(r"^\([\w.:-]+\)=[ \t]*\n?", re.MULTILINE)
REF = re.compile(r"\{(?:ref|numref|doc)\}`([^`<]*?)\s*(?:<([^>]+)>)?`")
FENCE = re.compile(r"^```\{(\w+)\}[ \t]*([^\n]*)\n(?::\w+:[^\n]*\n)*(.*?)^```[ \t]*$",
                   re.MULTILINE | re.DOTALL)
POINTS = re.compile(
    r"\*\*Exercise (?P<n>\d+) \((?P<kind>written, )?(?P<points>\d+) points?\)\.\*\*")


class ExportError(ValueError):
    """A solution notebook that cannot be exported for nbgrader."""


def assignment_name(path: Path) -> str:
    number = re.match(r"(\d+[a-z]?)_", path.name)
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


def graded_code(source: str, first: bool = False) -> str:
    """A code cell of the lab as the graded copy runs it: each ``qN.solution()`` line
    commented out, and the graded set-up lines before the first code cell."""
    off = SOLUTION_CALL.sub(r"\g<indent># \g<call>  (switched off in the graded version)", source)
    return GRADED_SETUP + off if first else off


def points_text(points: int | float, written: bool = False) -> str:
    """How a prompt shows an exercise's points: "(2 points)", "(written, 1 point)"."""
    unit = "point" if points == 1 else "points"
    return f"({'written, ' if written else ''}{points:g} {unit})"


def parse_points(specs: list[str]) -> dict[str, dict[str, float]]:
    """``["lab03.q8=6"]`` -> ``{"lab03": {"q8": 6.0}}``, or ExportError."""
    out: dict[str, dict[str, float]] = {}
    for spec in specs:
        m = re.fullmatch(r"(lab\d+)\.(q\d+)=(\d+(?:\.\d+)?)", spec.strip())
        if not m:
            raise ExportError(f"--points {spec!r}: write LAB.QN=POINTS, e.g. lab03.q8=6")
        out.setdefault(m[1], {})[m[2]] = float(m[3])
    return out


# ---- code ---------------------------------------------------------------------------------


def _python(source: str) -> str:
    """A cell's source as Python (IPython's % and ! lines become pass)."""
    return "\n".join(make_labs._indent(line) + "pass" if line.lstrip().startswith(("%", "!"))
                     else line for line in source.split("\n"))


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


def _ends_in_return(block: list[str]) -> bool:
    """Whether a solution block inside a function ends with a ``return`` at its level."""
    try:
        body = ast.parse(textwrap.dedent("\n".join(block))).body
    except SyntaxError:
        return False
    return bool(body) and isinstance(body[-1], ast.Return)


def solution_source(source: str) -> str:
    """The instructors' version of a solution cell: each solution in a BEGIN/END block,
    with the stub of the book's lab copy around it (see the module docstring), so that
    nbgrader's ``# YOUR CODE HERE`` in place of the block gives the lab's lines."""
    lines, out, i = source.split("\n"), [], 0
    continuation = make_labs._continuation_lines(source)
    while i < len(lines):
        line = lines[i]
        indent = make_labs._indent(line)
        if line.strip() == BEGIN:
            j = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == END), None)
            if j is None:
                raise ExportError(f"{BEGIN} without {END}")
            block = lines[i + 1:j]
            if make_labs._in_function(lines, i, indent):
                if not _ends_in_return(block):
                    raise ExportError("a solution block inside a function must end with its "
                                      "return (the graded copy puts raise "
                                      "NotImplementedError() after it)")
                out += [line, *block, lines[j], indent + RAISE]
            else:
                try:
                    names = make_labs._assigned_names("\n".join(block))
                except (SyntaxError, make_labs.LabError) as exc:
                    raise ExportError(f"solution block: {exc}") from None
                out += [f"{indent}{name} = ..." for name in names] + [line, *block, lines[j]]
            i = j + 1
            continue
        m = LINE_MARK.match(line)
        if m and line.strip() != "# SOLUTION":
            if i in continuation:
                raise ExportError(f"'# SOLUTION' must end a whole statement: {line.strip()}")
            code = m.group("code").rstrip()
            stub = make_labs._line_stub(line, make_labs._in_function(lines, i, indent))
            stub = stub.replace(YOUR_CODE, "").rstrip()
            if stub.strip() == RAISE:
                if not code.strip().startswith("return"):
                    raise ExportError("a '# SOLUTION' line inside a function must be its "
                                      f"return: {line.strip()}")
                out += [indent + BEGIN, code, indent + END, stub]
            else:
                out += [stub, indent + BEGIN, code, indent + END]
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def factories(nb, exercises: dict) -> dict[str, str]:
    """``{"q5": "confusion_exercise(cm)"}``: the exercises the notebook makes itself, each
    with the call that makes it (the graded check makes it again, freshly)."""
    made = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = _python(cell.source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in exercises and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)):
                made[node.targets[0].id] = ast.get_source_segment(source, node.value)
    return made


def test_source(assignment: str, lab: str, exercise, points: float, answer: str,
                make: str | None, seed: int | None) -> str:
    """The autograded test cell of an exercise (see dlbook.exercises.grading)."""
    number = exercise.name[1:]
    args = [json.dumps(lab), json.dumps(exercise.name), json.dumps(answer)]
    if make:
        args.append(f"make={json.dumps(make)}")
    lines = [f"# Exercise {number} {points_text(points)}: {exercise.title}",
             "# (graded by a fresh copy of the checker: nothing the notebook changed counts)",
             "import importlib, dlbook.exercises.grading",
             "importlib.reload(dlbook.exercises.grading).check("]
    lines.append("    " + ", ".join(args) + ",")
    if seed is not None:
        lines += ["    ### BEGIN HIDDEN TESTS", f"    hidden={seed},", "    ### END HIDDEN TESTS"]
    lines.append(")")
    return "\n".join(lines)


def has_hidden_cases(exercise) -> bool:
    """Whether the exercise's kind draws hidden cases (a function exercise)."""
    from dlbook.exercises.core import Exercise

    return type(exercise).hidden_variant is not Exercise.hidden_variant


# ---- markdown ----------------------------------------------------------------------------


def chapter_titles() -> dict[str, str]:
    """MyST label -> the title of the section it names, from the chapters."""
    titles = {}
    for path in book.notebooks("chapters"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            lines = cell.source.split("\n")
            for k, line in enumerate(lines):
                m = re.fullmatch(r"\(([\w.:-]+)\)=\s*", line)
                heading = next((h for h in lines[k + 1:] if h.startswith("#")), None)
                if m and heading:
                    titles[m[1]] = heading.lstrip("#").strip()
    return titles


def glue_values(nb) -> dict[str, str]:
    """``{glue:}`` name -> the text the solution's run stored for it."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            text = out.get("data", {}).get(GLUE_MIME + "text/plain")
            if name and text is not None:
                values[name] = text.strip("'\"")
    return values


def graded_markdown(source: str, *, titles: dict, glued: dict, points: dict,
                    badge: str | None) -> str:
    """A markdown cell as the graded copy shows it (see the module docstring)."""
    if badge:
        source = source.replace(badge + "\n\n", "").replace(badge, "")
    source = LABEL.sub("", source)
    for pattern, instead in SOLUTION_SENTENCES:
        source = pattern.sub(instead, source)

    def reference(m):  # {ref}`text <label>` is its text; {ref}`label`, the section's title
        if m[2]:
            return m[1] or f"*{titles.get(m[2], m[2])}*"
        return f"the chapter's section *{titles.get(m[1], m[1])}*"

    source = REF.sub(reference, source)
    source = GLUE_ROLE.sub(lambda m: glued.get(m[1], m[0]), source)

    def admonition(m):
        body = "\n".join(f"> {line}" if line else ">" for line in m[3].rstrip().split("\n"))
        title = m[2].strip() or m[1].capitalize()
        return f"> **{title}**\n>\n{body}"

    source = FENCE.sub(admonition, source)

    def shown(m):
        q = f"q{m['n']}"
        if q not in points:
            return m[0]
        return f"**Exercise {m['n']} {points_text(points[q], bool(m['kind']))}.**"

    return POINTS.sub(shown, source)


# ---- the notebook ----------------------------------------------------------------------------


def meta(*, solution=False, grade=False, locked=False, points=None) -> dict:
    """nbgrader cell metadata; the grade id is set once the cell's exercise is known."""
    m = {"schema_version": SCHEMA_VERSION, "grade": grade, "locked": locked,
         "solution": solution, "task": False, "grade_id": ""}
    if grade:
        m["points"] = points
    return m


def rubric(exercise, points: float) -> str:
    """The instructors' side of a written answer's cell: the model answer and what a
    full answer says (nbgrader replaces it with YOUR ANSWER HERE for students)."""
    lines = [BEGIN, f"**Model answer.** {exercise.model_answer}", ""]
    if exercise.key_points:
        lines.append(f"**For the full {points_text(points)[1:-1]}, the answer says:**")
        lines += [f"- {p}" for p in exercise.key_points]
    lines.append(END)
    return "\n".join(lines)


def export_notebook(nb: nbformat.NotebookNode, assignment: str, *,
                    points: dict[str, float] | None = None, seed: int | None = None,
                    badge: str | None = None) -> nbformat.NotebookNode:
    """The nbgrader source version of a solution notebook (a copy).

    ``points`` overrides exercises' points (``{"q8": 6}``); ``seed`` is the hidden
    cases' (None: no hidden cases); ``badge`` is the Colab badge to take out.
    """
    glued = glue_values(nb)
    nb = copy.deepcopy(nb)
    module = lab_module(nb)
    lab = module.__name__.rsplit(".", 1)[1] if module else assignment
    exercises = {q.name: q for q in getattr(module, "EXERCISES", [])}
    worth = {q: (points or {}).get(q, getattr(e, "points", 1)) for q, e in exercises.items()}
    unknown = set(points or {}) - set(exercises)
    if unknown:
        raise ExportError(f"{assignment} has no exercise {', '.join(sorted(unknown))} "
                          f"(it has {', '.join(exercises)})")
    made = factories(nb, exercises)
    titles = chapter_titles()
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
    first_code = first_markdown = True
    for cell in nb.cells:
        if SOLUTION_ONLY in cell.metadata.get("tags", []):
            continue
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            alt = nbclean.alt_text(cell.source)
            if alt:
                cell.metadata["alt"] = alt  # nbconvert's <img alt=...> in the feedback
            cell.source = graded_code(cell.source, first=first_code)
            first_code = False
        if cell.cell_type == "code" and make_labs.has_solution(cell.source):
            try:
                cell.source = solution_source(cell.source)
            except ExportError as exc:
                raise ExportError(f"{assignment}, cell {cell.get('id', '?')}: {exc}") from None
            cell.metadata["nbgrader"] = meta(solution=True)
            pending.append(cell)
        elif (check := graded_check(cell)) is not None:
            q, answer = check
            exercise = exercises.get(q)
            if exercise is None:
                raise ExportError(f"{assignment}: {q} is checked but is not in "
                                  f"{module.__name__ if module else 'a lab module'}.EXERCISES")
            if exercise.kind == "written":
                if not pending:
                    raise ExportError(f"{assignment}: written exercise {q} has no solution "
                                      "cell (### BEGIN SOLUTION) before its check")
                code = pending.pop()
                answer_cell = new_markdown_cell(
                    rubric(exercise, worth[q]), id=code.id,
                    metadata={"nbgrader": meta(solution=True, grade=True, points=worth[q])})
                cells[next(k for k, c in enumerate(cells) if c is code)] = answer_cell
                name(answer_cell, q, "answer", what=f"the answer of {q}")
                continue  # the check cell goes: a written answer is marked by hand
            seed_q = seed if seed is not None and has_hidden_cases(exercise) else None
            cell.source = test_source(assignment, lab, exercise, worth[q], answer, made.get(q),
                                      seed_q)
            cell.metadata["nbgrader"] = meta(grade=True, locked=True, points=worth[q])
            name(cell, q, "check", what=f"the check of {q}")
            for k, solution in enumerate(pending, 1):
                suffix = "solution" if len(pending) == 1 else f"solution-{k}"
                name(solution, q, suffix, what=f"a solution cell of {q}")
            pending = []
        elif cell.cell_type == "markdown" and BEGIN in cell.source:
            cell.metadata["nbgrader"] = meta(solution=True, grade=True, points=1)
            by_cell_id(cell, "the markdown answer")
        else:
            cell.metadata["nbgrader"] = meta(locked=True)
            by_cell_id(cell, "the locked cell")
        if cell.cell_type == "markdown":
            cell.source = graded_markdown(cell.source, titles=titles, glued=glued,
                                          points=worth, badge=badge)
            if first_markdown:
                cell.source = cell.source.rstrip() + "\n\n" + GRADED_NOTE
                first_markdown = False
        cells.append(cell)
    for cell in pending:
        by_cell_id(cell, "the solution cell")
    nb.cells = cells
    return nb


# ---- the feedback template -------------------------------------------------------------------

# nbgrader's feedback page, whose index names each exercise (the first line of its test
# cell, "Exercise 4 (2 points): ...") instead of "Test cell"; the rest is nbgrader's.
FEEDBACK_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{% block body %}
<body>
  <a name="top"></a>
  <div class="container">
    <div class="panel panel-default">
      <div class="panel-heading">
        <h4>{{ resources.nbgrader.notebook }} (Score: {{ resources.nbgrader.score | float | round(2) }} / {{ resources.nbgrader.max_score | float | round(2) }})</h4>
        <div id="toc">
          <ol>
          {% for cell in nb.cells %}
            {% if cell.metadata.nbgrader and cell.metadata.nbgrader.grade %}
            {% set gid = cell.metadata.nbgrader.grade_id %}
            {% if cell.metadata.nbgrader.solution %}
            {% set title = "Exercise " ~ gid.split("-")[1][1:] ~ ", written answer (marked by hand)" %}
            {% else %}
            {% set title = cell.source.split("\\n")[0].lstrip("# ") %}
            {% endif %}
            <li><a href="#{{ gid }}">{{ title }}</a> (Score: {{ cell.metadata.nbgrader.score | float | round(2) }} / {{ cell.metadata.nbgrader.points | float | round(2) }})</li>
            {% endif %}
          {% endfor %}
          {% if resources.nbgrader.late_penalty > 0 %}
            <li class="late-penalty">Late submission penalty (Score: -{{ resources.nbgrader.late_penalty | float | round(2) }})</li>
          {% endif %}
          </ol>
        </div>
      </div>
      <div class="panel-body">
        <div id="notebook" class="border-box-sizing">
          <div class="container" id="notebook-container">
            {{ super.super() }}
          </div>
        </div>
      </div>
    </div>
  </div>
</body>
{%- endblock body %}
"""


def write_template(course: Path) -> None:
    """The feedback template, ``<course>/dlbook_templates/feedback/dlbook_feedback.html.j2``:
    the config names the file and its folder, which nbconvert searches before nbgrader's
    own ``feedback`` template (whose ``index.html.j2`` it extends)."""
    folder = course / TEMPLATE_DIR / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATE_FILE).write_text(FEEDBACK_TEMPLATE)


# ---- the instructors' table -----------------------------------------------------------------


def describe(exercise) -> str:
    """What an exercise checks, in a few words, from its kind and data."""
    from dlbook.exercises import DesignExercise, FunctionExercise, ModelExercise
    from dlbook.exercises import ProcedureExercise, ValueExercise, WrittenExercise

    n = len(getattr(exercise, "cases", []) or [])
    hidden = " (as many hidden)" if has_hidden_cases(exercise) else ""
    if isinstance(exercise, WrittenExercise):
        return "a written answer, marked by hand against the model answer"
    if isinstance(exercise, (FunctionExercise, ProcedureExercise)):
        return f"a function, run on {n} cases of the checker's{hidden}"
    if isinstance(exercise, DesignExercise):
        return "a model the student trains, scored on data the notebook never loads"
    if isinstance(exercise, ModelExercise):
        return "a Keras model, compared layer by layer with the description"
    if isinstance(exercise, ValueExercise):
        return "a value, with a tolerance"
    doc = (type(exercise).__doc__ or "").strip().split("\n")[0].rstrip(".")
    return f"{exercise.kind}: {doc[0].lower() + doc[1:]}" if doc else exercise.kind


def table() -> str:
    """The per-lab table of instructors.md, from the lab modules and the measured times."""
    from dlbook.labs import lab_modules

    times = json.loads(TIMES.read_text()) if TIMES.exists() else {"labs": {}}
    out = []
    for module in lab_modules():
        lab = module.__name__.rsplit(".", 1)[1]
        path = book.ROOT / "solutions" / module.NOTEBOOK
        title = next(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "markdown")
        title = next(line for line in title.split("\n") if line.startswith("# "))[2:]
        total = sum(q.points for q in module.EXERCISES)
        seconds = times["labs"].get(lab)
        took = f"{seconds:.0f} s" if seconds else "not measured"
        out += [f"**{title}** (`{lab}`, `solutions/{module.NOTEBOOK}`): {total:g} points; "
                f"autograde of one submission: {took}; GPU: not needed (the graded copy "
                "runs the quick configuration).", "",
                "| exercise | points | what it checks |", "|---|---|---|"]
        out += [f"| {q.name}, {q.title} | {q.points:g} | {describe(q)} |"
                for q in sorted(module.EXERCISES, key=lambda q: int(q.name[1:]))]
        out.append("")
    if times.get("machine"):
        out.append(f"Autograde times: {times['machine']}, measured with "
                   "`python -m tools.export_nbgrader --measure`.")
    return "\n".join(out).rstrip() + "\n"


def write_table(page: Path = PAGE) -> bool:
    """Put :func:`table` between the markers of ``page``; whether it changed."""
    text = page.read_text(encoding="utf-8")
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ExportError(f"{page}: no {TABLE_BEGIN!r} ... {TABLE_END!r} markers")
    head, rest = text.split(TABLE_BEGIN, 1)
    new = f"{head}{TABLE_BEGIN}\n\n{table()}\n{TABLE_END}{rest.split(TABLE_END, 1)[1]}"
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


def answered(release: nbformat.NotebookNode,
             source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student's version with every answer cell as in the instructors' (a copy): the
    submission of a student who answers everything as the book does."""
    answers = {c.metadata.nbgrader["grade_id"]: c.source
               for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution"):
            cell.source = answers[m["grade_id"]]
    return nb


def measure(paths=None) -> dict:
    """Seconds of one nbgrader autograde of each solved lab in ``paths`` (default: every
    one) (generate, then autograde), merged into the times on record for the others."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    labs, load = {}, os.getloadavg()[0]
    for path in paths or book.notebooks("solutions"):
        assignment = assignment_name(path)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            assert main(["--out", str(root), "--seed", "1", str(path)]) == 0
            config = Config()
            config.CourseDirectory.root = str(root)
            config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
            config.Execute.timeout = 600
            config.ClearSolutions.code_stub = {"python": YOUR_CODE}
            api = NbGraderAPI(config=config)
            assert api.generate_assignment(assignment)["success"]
            release = nbformat.read(root / "release" / assignment / path.name, as_version=4)
            source = nbformat.read(root / "source" / assignment / path.name, as_version=4)
            target = root / "submitted" / "solved" / assignment / path.name
            target.parent.mkdir(parents=True)
            nbformat.write(answered(release, source), target)
            start = time.perf_counter()
            assert api.autograde(assignment, "solved")["success"]
            labs[assignment] = round(time.perf_counter() - start, 1)
            print(f"export_nbgrader: {assignment} autograded in {labs[assignment]} s")
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at the "
               f"start, {time.strftime('%Y-%m-%d')}")
    if paths and TIMES.exists():  # some labs measured now: the others keep their times
        old = json.loads(TIMES.read_text())
        machine = f"{old['machine']}; {', '.join(sorted(labs))}: {machine}"
        labs = {**old["labs"], **labs}
    return {"machine": machine, "labs": dict(sorted(labs.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=book.ROOT / "_build" / "nbgrader",
                        help="course directory to write source/<assignment>/ into")
    parser.add_argument("--points", action="append", default=[], metavar="LAB.QN=N",
                        help="give exercise QN of LAB other points (e.g. lab03.q8=6)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the hidden cases (default: a random one)")
    parser.add_argument("--table", action="store_true",
                        help="write the per-lab table of instructors.md and stop")
    parser.add_argument("--measure", action="store_true",
                        help=f"time an autograde of each solved lab into {TIMES.name}")
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution notebooks (default: solutions/*.ipynb)")
    args = parser.parse_args(argv)
    if args.measure:
        TIMES.write_text(json.dumps(measure(args.solutions), indent=2) + "\n")
        args.table = True
    if args.table:
        changed = write_table()
        print(f"export_nbgrader: {PAGE.name} {'updated' if changed else 'is up to date'}")
        return 0
    try:
        overrides = parse_points(args.points)
    except ExportError as exc:
        print(f"export_nbgrader: {exc}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else secrets.randbelow(10**9)
    errors = 0
    for path in args.solutions or book.notebooks("solutions"):
        assignment = assignment_name(path)
        try:
            rel = path.resolve().relative_to(book.ROOT).as_posix()
        except ValueError:
            rel = None
        try:
            nb = export_notebook(nbformat.read(path, as_version=4), assignment,
                                 points=overrides.get(assignment), seed=seed,
                                 badge=book.colab_badge(rel) if rel else None)
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
        print(f"export_nbgrader: {target} ({sum(m['grade'] for m in graded)} graded cells, "
              f"{points:g} points)")
    write_template(args.out)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
