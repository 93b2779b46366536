"""The nbgrader export (tools/export_nbgrader.py), checked with real nbgrader.

For each lab, in a course directory of its own with an sqlite gradebook:

- nbgrader generates the student version from the export
  (``generate_assignment``), which also validates the cell metadata;
- the solution, typed into the student version, is autograded: every
  autograded exercise gets full marks, only the written answers wait for the
  instructor, and with those marked the total is the lab's maximum;
- the blank student version is autograded too: it runs to the end and scores
  zero.

Grade ids come from the exercise names, so that inserting an exercise leaves
every other id as it was. Autograding runs the notebooks (DLBOOK_MODE=quick).
"""

from __future__ import annotations

import copy
import os
import sys

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.nbgraderformat import SCHEMA_VERSION
from traitlets.config.loader import PyFileConfigLoader

from tools import book, conventions, export_nbgrader

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own

SOLUTIONS = book.notebooks("solutions")
SOLVED, BLANK = "solved", "blank"  # the two students
# Seconds per cell. The slowest, lab 1's training on the moons, takes about 20 s
# alone and 100 s on a busy 2-core machine.
CELL_TIMEOUT = 300
CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
c.Execute.timeout = {timeout}
"""


def load(path):
    return nbformat.read(path, as_version=4)


def run(result: dict, what: str) -> None:
    assert result["success"], f"nbgrader {what} failed:\n{result.get('error')}\n{result['log']}"


def solved(release, source):
    """The student version with every solution cell answered as in the source."""
    answers = {c.metadata.nbgrader["grade_id"]: c.source
               for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution"):
            cell.source = answers[m["grade_id"]]
    return nb


def grades(db_url, assignment, student) -> dict:
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: g.to_dict() for nb in submission.notebooks for g in nb.grades}


@pytest.fixture(scope="module", ids=lambda p: p.name, params=[
    # One worker (pytest -n) runs the three tests of a lab: the lab is autograded once.
    pytest.param(s, marks=pytest.mark.xdist_group(f"nbgrader-{s.stem}")) for s in SOLUTIONS])
def course(request, tmp_path_factory):
    """A course with one lab: exported, generated, and autograded for two students."""
    solution = request.param
    assignment = export_nbgrader.assignment_name(solution)
    root = tmp_path_factory.mktemp(assignment)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(root), db_url=db_url, timeout=CELL_TIMEOUT))
    assert export_nbgrader.main(["--out", str(root), str(solution)]) == 0
    with Gradebook(db_url) as gb:
        gb.add_assignment(assignment)
        for student in (SOLVED, BLANK):
            gb.add_student(student)

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(config=config)
    run(api.generate_assignment(assignment, create=False), "generate_assignment")
    release = load(root / "release" / assignment / solution.name)
    source = load(root / "source" / assignment / solution.name)
    for student, nb in [(SOLVED, solved(release, source)), (BLANK, release)]:
        target = root / "submitted" / student / assignment / solution.name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)

    with pytest.MonkeyPatch.context() as env:  # the kernels that nbgrader starts
        env.setenv("DLBOOK_MODE", "quick")
        env.setenv("PYTHONPATH", os.pathsep.join(filter(None, [
            str(book.ROOT), os.environ.get("PYTHONPATH")])))  # this checkout's dlbook
        for student in (SOLVED, BLANK):
            run(api.autograde(assignment, student, create=False), f"autograde of {student}")
    module = export_nbgrader.lab_module(load(solution))
    return dict(root=root, db_url=db_url, assignment=assignment, notebook=solution.stem,
                source=source, release=release, exercises=module.EXERCISES if module else [])


def expected_ids(course) -> dict:
    """Grade id -> points, from the lab module's exercises."""
    return {f"{course['assignment']}-{q.name}-{'answer' if q.kind == 'written' else 'check'}":
            q.points for q in course["exercises"]}


def test_nbgrader_runs_the_notebooks_on_this_python():
    for solution in SOLUTIONS:
        name = load(solution).metadata.kernelspec.name
        command = AsyncKernelManager(kernel_name=name).format_kernel_cmd()
        assert command[0] == sys.executable, (
            f"nbgrader would run {solution.name} (kernel {name!r}) with {command[0]}, "
            f"not {sys.executable}")


def test_generate_assignment(course):
    assert course["exercises"], "a lab without exercises: nothing to grade"
    with Gradebook(course["db_url"]) as gb:
        notebooks = gb.find_assignment(course["assignment"]).notebooks
        cells = {c.name: c.max_score for nb in notebooks for c in nb.grade_cells}
    assert cells == expected_ids(course)
    exported = [c.metadata["nbgrader"] for c in course["source"].cells if "nbgrader" in c.metadata]
    assert {m["schema_version"] for m in exported} == {SCHEMA_VERSION}  # nbgrader's own
    for cell in course["release"].cells:
        m = cell.metadata.get("nbgrader", {})
        assert conventions.BEGIN not in cell.source, f"solution left for students: {cell.source}"
        if m.get("solution"):
            assert "YOUR CODE HERE" in cell.source or "YOUR ANSWER HERE" in cell.source
        if m.get("grade") and not m.get("solution"):
            assert m["locked"] and m["checksum"] and ".assert_check(" in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == []


def test_solution_gets_full_marks(course):
    got = grades(course["db_url"], course["assignment"], SOLVED)
    expected = expected_ids(course)
    assert set(got) == set(expected)
    written = {f"{course['assignment']}-{q.name}-answer" for q in course["exercises"]
               if q.kind == "written"}
    for grade_id, g in got.items():
        if grade_id in written:  # graded by hand: nbgrader marks it for the instructor
            assert g["needs_manual_grade"] and g["auto_score"] is None, g
        else:
            assert g["auto_score"] == g["max_score"] == expected[grade_id], g
    with Gradebook(course["db_url"]) as gb:  # the instructor gives the written answers full marks
        for grade_id in written:
            grade = gb.find_grade(grade_id, course["notebook"], course["assignment"], SOLVED)
            grade.manual_score = grade.max_score
        gb.db.commit()
    with Gradebook(course["db_url"]) as gb:
        submission = gb.find_submission(course["assignment"], SOLVED)
        assert submission.max_score == sum(expected.values())
        assert submission.score == submission.max_score


def test_blank_lab_scores_zero(course):
    got = grades(course["db_url"], course["assignment"], BLANK)
    assert set(got) == set(expected_ids(course))
    for g in got.values():
        assert g["auto_score"] == 0 and not g["needs_manual_grade"], g
    autograded = course["root"] / "autograded" / BLANK / course["assignment"]
    nb = load(next(autograded.glob("*.ipynb")))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors, "the blank lab ran without a single failed check"
    unrun = [c.source for c in nb.cells if c.cell_type == "code" and c.source.strip()
             and not c.execution_count]
    assert not unrun, f"autograde stopped before these cells: {unrun}"


# ---- grade ids --------------------------------------------------------------------------

def _ids(nb) -> dict:
    return {c.id: c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_grade_ids_survive_an_inserted_exercise(solution):
    nb = load(solution)
    assignment = export_nbgrader.assignment_name(solution)
    before = _ids(export_notebook(nb, assignment))
    first_check = next(i for i, c in enumerate(nb.cells) if export_nbgrader.graded_check(c))
    new = [new_markdown_cell("**Exercise 0.** A new first exercise."),
           new_code_cell("answer_new = 42  # SOLUTION"),
           new_code_cell("q0.check(answer_new)")]
    changed = copy.deepcopy(nb)
    changed.cells[first_check - 1:first_check - 1] = new
    after = _ids(export_notebook(changed, assignment))
    assert {k: v for k, v in after.items() if k in before} == before
    assert after[new[1].id] == f"{assignment}-q0-solution"
    assert after[new[2].id] == f"{assignment}-q0-check"


def export_notebook(nb, assignment):
    out = export_nbgrader.export_notebook(nb, assignment)
    nbformat.validate(out)
    return out


def test_export_refuses_an_exercise_graded_twice():
    nb = new_notebook(cells=[new_code_cell("x = 1  # SOLUTION"), new_code_cell("q1.check(x)"),
                             new_code_cell("q1.check(x)")])
    with pytest.raises(export_nbgrader.ExportError, match="not-graded"):
        export_nbgrader.export_notebook(nb, "lab99")


def test_export_leftover_solution_and_markdown_answers_are_named_by_cell_id():
    only = new_code_cell("q1.solution()", metadata={"tags": [conventions.SOLUTION_ONLY]})
    nb = new_notebook(cells=[new_markdown_cell("### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
                             new_code_cell("y = 2  # SOLUTION"), only])
    out = export_notebook(nb, "lab99")
    assert len(out.cells) == 2, "a solution-only cell was exported"
    assert list(_ids(out).values()) == [f"lab99-cell-{c.id}" for c in nb.cells[:2]]
    answer = out.cells[0].metadata.nbgrader
    assert answer["grade"] and answer["solution"] and answer["points"] == 1


def test_export_cli_reports_bad_input(tmp_path, capsys):
    not_json = tmp_path / "00_notes.ipynb"
    not_json.write_text("not a notebook")
    code = export_nbgrader.main(["--out", str(tmp_path), str(tmp_path / "01_gone.ipynb"),
                                 str(not_json)])
    err = capsys.readouterr().err
    assert code == 1 and "01_gone.ipynb: cannot read it" in err and "00_notes.ipynb" in err


def test_export_cli_writes_every_lab(tmp_path, capsys):
    assert export_nbgrader.main(["--out", str(tmp_path)]) == 0
    for solution in SOLUTIONS:
        out = tmp_path / "source" / export_nbgrader.assignment_name(solution) / solution.name
        nb = load(out)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and not cell.execution_count
                assert not conventions.SOLUTION_CALL.search(cell.source), cell.source
    assert capsys.readouterr().out.count("export_nbgrader: ") == len(SOLUTIONS)


def test_graded_check_detection():
    assert export_nbgrader.graded_check(new_code_cell("q1.check(y_in)")) == ("q1", "y_in")
    assert export_nbgrader.graded_check(new_code_cell("q1.check(...)")) is None
    assert export_nbgrader.graded_check(new_code_cell("q1.check(0.18)")) is None
    assert export_nbgrader.graded_check(new_code_cell("q1.check(lambda z: -z)")) is None
    assert export_nbgrader.graded_check(new_code_cell("x = 1\nq2.check(x)  # ok")) == ("q2", "x")
    tagged = new_code_cell("q5.check(f)", metadata={"tags": ["not-graded"]})
    assert export_nbgrader.graded_check(tagged) is None
    assert export_nbgrader.solution_blocks("    x = 1  # SOLUTION") == (
        "    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION"
    )
