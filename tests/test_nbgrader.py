"""The nbgrader export (tools/export_nbgrader.py), checked with real nbgrader.

Once, on Lab 0 (the cheapest lab to autograde), **the instructors' recipe as the
page ``instructors.md`` writes it**: its shell blocks run one after the other,
from the clone's root, with a ``PATH`` that does not hold the environment's
``bin`` (the recipe adds it), a course and an exchange in temporary folders.
nbgrader releases the lab; a student fetches it and submits it partly right;
a second submission, blank, replaces the checker's ``Exercise.evaluate`` and
redefines an exercise; nbgrader collects, autogrades and releases feedback,
which the student fetches. The points of each exercise and the feedback's
lines are checked.

For every lab, in a course of its own with the recipe's ``nbgrader_config.py``:
nbgrader generates the student version from the export (which validates the
metadata); the solution, typed into it, is autograded to full marks (the
written answers wait for the instructor); the blank copy runs to the end and
every check reads "Not attempted". One autograde per copy. The blank copy's run is
also the TensorFlow run of the student lab (labs/), whose tagged outputs it must
print: ``make test`` runs labs/ again only on JAX. The solved copy's run is the strict
TensorFlow run of the solution (solutions/), whose stored outputs it must print:
``make test`` runs solutions/ again only on Colab's versions and on JAX.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.nbgraderformat import SCHEMA_VERSION
from traitlets.config.loader import PyFileConfigLoader

from tests import nbcompare
from tools import book, conventions, export_nbgrader, make_labs

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own

SOLUTIONS = book.notebooks("solutions")
RECIPE_LAB = book.ROOT / "solutions" / "00_getting_started.ipynb"
SOLVED, BLANK = "solved", "blank"  # the two students of each lab's course
PAGE = book.ROOT / "instructors.md"
BLOCK = re.compile(r"```\{code-block\} bash\n:name: ([\w-]+)\n(.*?)```", re.DOTALL)
HEREDOC = re.compile(r"cat > nbgrader_config.py <<EOF\n(.*?)\nEOF\n", re.DOTALL)
SEED = 20261207  # the hidden cases' seed of the per-lab courses
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def load(path):
    return nbformat.read(path, as_version=4)


def recipe() -> dict[str, str]:
    """The shell blocks of the instructors' page, by name."""
    return dict(BLOCK.findall(PAGE.read_text(encoding="utf-8")))


def course_config(root, exchange) -> str:
    """The page's nbgrader_config.py for a course in ``root``, with its gradebook there."""
    text = HEREDOC.search(recipe()["recipe-release"])[1]
    text = text.replace("$COURSE_ID", "dl-course").replace("$EXCHANGE", str(exchange))
    assert "$" not in text, f"a shell variable the test does not fill in: {text}"
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    return (text + f"\nc.CourseDirectory.root = {str(root)!r}\n"
            f"c.CourseDirectory.db_url = {db_url!r}\n")


def run(result: dict, what: str) -> None:
    assert result["success"], f"nbgrader {what} failed:\n{result.get('error')}\n{result['log']}"


def grades(db_url, assignment, student) -> dict:
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: g.to_dict() for nb in submission.notebooks for g in nb.grades}


def check_outputs(nb) -> dict[str, list]:
    """Grade id -> the outputs of each autograded test cell."""
    return {c.metadata.nbgrader["grade_id"]: c.outputs for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


def feedback_line(outputs) -> str:
    """The one line of feedback a test cell shows (its display, or its error)."""
    lines = []
    for out in outputs:
        if out.output_type == "error":
            assert out.ename == "CheckFailed", f"not the checker's one line: {out.traceback}"
            lines.append(" ".join(ANSI.sub("", t) for t in out.traceback))
        elif out.output_type in ("display_data", "stream"):
            lines.append(out.get("text") or out.data["text/plain"])
    assert len(lines) == 1, f"expected one line of feedback, got {lines}"
    assert "Traceback" not in lines[0] and 'File "' not in lines[0], lines[0]
    return lines[0].strip()


# ---- every lab: generated, autograded solved and blank ---------------------------------------

@pytest.fixture(scope="module", ids=lambda p: p.name, params=[
    # One worker (pytest -n) runs the tests of a lab: the lab is autograded once.
    pytest.param(s, marks=pytest.mark.xdist_group(f"nbgrader-{s.stem}")) for s in SOLUTIONS])
def course(request, tmp_path_factory):
    """A course with one lab: exported, generated, and autograded for two students."""
    solution = request.param
    assignment = export_nbgrader.assignment_name(solution)
    root = tmp_path_factory.mktemp(assignment)
    (root / "nbgrader_config.py").write_text(course_config(root, root / "exchange"))
    assert export_nbgrader.main(["--out", str(root), "--seed", str(SEED), str(solution)]) == 0
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    db_url = config.CourseDirectory.db_url
    api = NbGraderAPI(config=config)
    run(api.generate_assignment(assignment), "generate_assignment")
    release = load(root / "release" / assignment / solution.name)
    source = load(root / "source" / assignment / solution.name)
    for student, nb in [(SOLVED, export_nbgrader.answered(release, source)), (BLANK, release)]:
        target = root / "submitted" / student / assignment / solution.name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
    with pytest.MonkeyPatch.context() as env:  # the kernels that nbgrader starts
        env.setenv("PYTHONPATH", os.pathsep.join(filter(None, [
            str(book.ROOT), os.environ.get("PYTHONPATH")])))  # this checkout's dlbook
        env.delenv("DLBOOK_MODE", raising=False)  # the graded copy sets it itself
        for student in (SOLVED, BLANK):
            run(api.autograde(assignment, student), f"autograde of {student}")
    module = export_nbgrader.lab_module(load(solution))
    autograded = {s: load(root / "autograded" / s / assignment / solution.name)
                  for s in (SOLVED, BLANK)}
    return dict(root=root, db_url=db_url, assignment=assignment, notebook=solution.stem,
                solution=solution, source=source, release=release, autograded=autograded,
                exercises=module.EXERCISES if module else [])


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
    assert cells == expected_ids(course)  # the points come from the exercises
    exported = [c.metadata["nbgrader"] for c in course["source"].cells if "nbgrader" in c.metadata]
    assert {m["schema_version"] for m in exported} == {SCHEMA_VERSION}  # nbgrader's own
    hidden = {f"{course['assignment']}-{q.name}-check" for q in course["exercises"]
              if export_nbgrader.has_hidden_cases(q)}
    for cell in course["source"].cells:
        if cell.metadata["nbgrader"]["grade_id"] in hidden:
            assert f"hidden={SEED}," in cell.source
    for cell in course["release"].cells:
        m = cell.metadata.get("nbgrader", {})
        assert m, f"a cell the export did not mark: {cell.source[:80]!r}"
        assert conventions.BEGIN not in cell.source, f"solution left for students: {cell.source}"
        assert "hidden=" not in cell.source and "HIDDEN" not in cell.source, cell.source
        assert "MARK SCHEME" not in cell.source and "Model answer" not in cell.source
        if m.get("solution"):
            assert "YOUR CODE HERE" in cell.source or cell.source == "YOUR ANSWER HERE"
            assert not m["locked"]
        else:
            assert m["locked"], f"an unlocked cell that is not an answer: {cell.source[:80]!r}"
        if m.get("grade") and not m.get("solution"):
            assert m["checksum"] and "grading).check(" in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == []


def _stub_lines(source: str) -> list[str]:
    """A solution cell's lines without the YOUR CODE HERE marks."""
    lines = [line.replace(make_labs.YOUR_CODE, "").rstrip() for line in source.split("\n")]
    return [line for line in lines if line.strip()]


def test_release_keeps_the_labs_starting_lines(course):
    lab = {c.id: c for c in load(book.ROOT / "labs" / course["solution"].name).cells}
    for cell in course["release"].cells:
        m = cell.metadata["nbgrader"]
        if m.get("solution") and cell.cell_type == "code":
            assert _stub_lines(cell.source) == _stub_lines(lab[cell.id].source), (
                f"{m['grade_id']}: the graded copy's stub differs from the lab's")


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
    for grade_id, outputs in check_outputs(course["autograded"][SOLVED]).items():
        assert feedback_line(outputs).startswith("Correct: "), grade_id
    with Gradebook(course["db_url"]) as gb:  # the instructor gives the written answers full marks
        for grade_id in written:
            grade = gb.find_grade(grade_id, course["notebook"], course["assignment"], SOLVED)
            grade.manual_score = grade.max_score
        gb.db.commit()
    with Gradebook(course["db_url"]) as gb:
        submission = gb.find_submission(course["assignment"], SOLVED)
        assert submission.max_score == sum(expected.values())
        assert submission.score == submission.max_score


def test_blank_lab_scores_zero_and_reads_not_attempted(course):
    got = grades(course["db_url"], course["assignment"], BLANK)
    assert set(got) == set(expected_ids(course))
    for g in got.values():
        assert g["auto_score"] == 0 and not g["needs_manual_grade"], g
    nb = course["autograded"][BLANK]
    for grade_id, outputs in check_outputs(nb).items():
        line = feedback_line(outputs)
        assert line.startswith("Not attempted: "), f"{grade_id}: {line}"
        assert all(len(ANSI.sub("", t)) <= 83 for o in outputs for t in o.get("traceback", [])), (
            "a line that nbgrader validate would cut (at 90 characters, with its indent of 4)")
    unrun = [c.source for c in nb.cells if c.cell_type == "code" and c.source.strip()
             and not c.execution_count]
    assert not unrun, f"autograde stopped before these cells: {unrun}"
    errors = [o for c in nb.cells if c.cell_type == "code"
              and not c.metadata.get("nbgrader", {}).get("grade") for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"a cell that is not a check failed: {errors}"


def graded_pairs(nb, autograded):
    """``(cell, expected, other, mark)`` for each code cell of ``nb`` (a lab or a
    solution) that the graded copy ``autograded`` has: the source the graded copy should
    run for it (export_nbgrader.graded_code), the graded copy's cell and its nbgrader
    metadata. A cell it lacks must be a written answer's check (graded by hand)."""
    graded = {c.id: c for c in autograded.cells}
    first = True
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        expected, first = export_nbgrader.graded_code(cell.source, first), False
        other = graded.get(cell.id)
        if other is None:  # a written answer's check: graded by hand
            assert re.fullmatch(r"q\d+\.check\(answer_q\d+\)\s*", cell.source), cell.source
            continue
        yield cell, expected, other, other.metadata.get("nbgrader", {})


def test_blank_copy_is_the_student_lab_run_on_tensorflow(course):
    """The blank copy's autograde is the TensorFlow run of the student lab: ``make
    test`` runs labs/ again only on JAX. Each code cell of the lab is the graded
    copy's, but for the graded setup lines, the answer and check cells and the
    switched-off ``qN.solution()``; and each cell the lab tags
    ``nbval-check-output`` printed here what the lab stores, by nbval's comparison."""
    lab = load(book.ROOT / "labs" / course["solution"].name)
    compared = 0
    for cell, expected, other, mark in graded_pairs(lab, course["autograded"][BLANK]):
        if mark.get("solution") or mark.get("grade"):
            continue  # an answer or a check: test_blank_lab_scores_zero_and_reads_not_attempted
        assert other.source == expected, f"cell {cell.id}: the graded copy runs other code"
        if conventions.NBVAL_CHECK_OUTPUT in cell.metadata.get("tags", []):
            diff = nbcompare.differences(other.outputs, cell.outputs)
            assert not diff, f"{course['solution'].name}, cell {cell.id}:\n{cell.source}\n{diff}"
            compared += 1
    tagged = sum(conventions.NBVAL_CHECK_OUTPUT in c.metadata.get("tags", []) for c in lab.cells)
    assert compared == tagged > 0


#: A call whose output a graded copy changes by design (DLBOOK_GRADED): a hint, a solution.
WITHHELD = re.compile(r"\bq\d+\.(hint|solution)\(")


def test_solved_copy_is_the_solution_run_on_tensorflow(course):
    """The solved copy's autograde is the strict TensorFlow run of the solution notebook:
    ``make test`` runs solutions/ again only on Colab's versions (strict, on the simulated
    other processor) and on JAX. Each code cell of the solution is the graded copy's, but
    for the graded set-up lines, the checks and the switched-off ``qN.solution()``; and
    each cell that strict nbval compares (not tagged nbval-ignore-output or nbval-skip)
    printed here what the solution stores, by nbval's comparison. Not compared here (by
    design the graded copy prints otherwise; step 3 compares them): the hints after the
    first and the solutions a graded copy withholds, and a check with hidden cases (its
    line adds "passes N hidden cases too"; test_solution_gets_full_marks reads it)."""
    solution = load(course["solution"])
    compared, differ = 0, []
    for cell, expected, other, mark in graded_pairs(solution, course["autograded"][SOLVED]):
        tags = cell.metadata.get("tags", [])
        if other.cell_type != "code":  # a written answer: the graded copy's is markdown
            assert mark.get("solution") and mark.get("grade"), mark
            continue
        check = mark.get("grade") and not mark.get("solution")
        if not check and not mark.get("solution"):
            assert other.source == expected, f"cell {cell.id}: the graded copy runs other code"
        if ("nbval-skip" in tags or conventions.NBVAL_IGNORE_OUTPUT in tags
                or WITHHELD.search(cell.source) or (check and "hidden=" in other.source)):
            continue
        diff = nbcompare.differences(other.outputs, cell.outputs)
        if diff:
            differ.append(f"cell {cell.id}:\n{cell.source[:300]}\n{diff}")
        compared += 1
    assert not differ, f"{course['solution'].name}:\n" + "\n\n".join(differ)
    assert compared > 0


# ---- the recipe, once, on Lab 0 ---------------------------------------------------------------

PARTIAL = {  # the partly right student's answers, by grade id; the others stay blank
    "lab00-q1-solution": "y_in = b + np.dot(x, w)",
    "lab00-q2-solution": "y_binary = 0.625  # the value the notes print",
    "lab00-q4-answer": "Because 2 x 0.625 - 1 is 0.25, not the 0.259 the notes print.",
    "lab00-q5-solution": ("def conv_output_size(n, f, p, s):\n"
                          "    return (n - f + 2 * p) // s + 1"),
    "lab00-q6-solution": ("import keras\nfrom keras import layers\n\n"
                          "model = keras.Sequential([keras.Input(shape=(16, 16, 1)), "
                          "layers.Conv2D(1, 3)])"),
}
PARTIAL_SCORES = {"lab00-q1-check": 1, "lab00-q2-check": 0, "lab00-q3-check": 0,
                  "lab00-q5-check": 2, "lab00-q6-check": 0}
PARTIAL_LINES = {"lab00-q1-check": "Correct: ",
                 "lab00-q2-check": "Incorrect: 0.625 is the value the VESIT notes print",
                 "lab00-q3-check": "Not attempted: ",
                 "lab00-q5-check": "Correct: conv_output_size passes all 5 test cases. "
                                   "conv_output_size passes 5 hidden cases too.",
                 "lab00-q6-check": "Incorrect: your model has 1 layer"}
GAMING = {  # a blank copy whose first answer cell fools the notebook's checker
    "lab00-q1-solution": ("from dlbook.exercises.core import Exercise, Result\n"
                          "Exercise.evaluate = lambda self, answer: Result('correct', 'Yes.', "
                          "self.name)\n"
                          "y_in = ..."),
    "lab00-q3-solution": ("class Always:\n"
                          "    def check(self, answer): pass\n"
                          "q5 = Always()\n"
                          "y_bipolar = ..."),
}


def _edit(path, answers: dict) -> None:
    nb = load(path)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    nbformat.write(nb, path)


@pytest.mark.xdist_group("nbgrader-recipe")
def test_the_instructors_recipe_runs_as_written(tmp_path):
    blocks = recipe()
    assert list(blocks) == ["recipe-clone", "recipe-env", "recipe-release", "recipe-fetch",
                            "recipe-submit", "recipe-autograde", "recipe-feedback",
                            "recipe-fetch-feedback"]
    assert "release_assignment lab00" in blocks["recipe-release"]
    venv_bin = str(book.ROOT / ".venv" / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLBOOK_", "PYTHON"))}
    env.update(DLBOOK=str(book.ROOT), COURSE=str(tmp_path / "course"),
               EXCHANGE=str(tmp_path / "exchange"), HOME=str(tmp_path / "home"),
               PATH=os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                    if os.path.realpath(p) != os.path.realpath(venv_bin)))
    (tmp_path / "home").mkdir()
    course = tmp_path / "course"

    def shell(name: str) -> str:
        """Run a block of the page after the variables' block, as a reader would."""
        done = subprocess.run(["bash", "-e", "-c", blocks["recipe-env"] + blocks[name]],
                              env=env, cwd=book.ROOT, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    shell("recipe-release")
    shell("recipe-fetch")
    fetched = tmp_path / "home" / "lab00" / RECIPE_LAB.name
    released = load(course / "release" / "lab00" / RECIPE_LAB.name)
    assert [c.source for c in load(fetched).cells] == [c.source for c in released.cells]
    gaming = course / "submitted" / "gaming" / "lab00" / RECIPE_LAB.name
    gaming.parent.mkdir(parents=True)
    nbformat.write(released, gaming)
    (gaming.parent / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
    (gaming.parent / "submission_secret.txt").write_text("0123456789abcdef")  # as submit writes
    _edit(gaming, GAMING)
    _edit(fetched, PARTIAL)
    shell("recipe-submit")
    log = shell("recipe-autograde")
    assert re.search(r"autograded/gaming/lab00/\S+\.ipynb", log), "the gaming copy not listed"

    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        student = next(s.id for s in gb.students if s.id != "gaming")
    partial = grades(db_url, "lab00", student)
    assert {k: g["auto_score"] for k, g in partial.items() if k in PARTIAL_SCORES} == (
        PARTIAL_SCORES)
    assert partial["lab00-q4-answer"]["needs_manual_grade"]
    nb = load(course / "autograded" / student / "lab00" / RECIPE_LAB.name)
    for grade_id, outputs in check_outputs(nb).items():
        assert feedback_line(outputs).startswith(PARTIAL_LINES[grade_id]), grade_id

    scores = grades(db_url, "lab00", "gaming")
    assert all(g["auto_score"] == 0 for g in scores.values()), scores
    nb = load(course / "autograded" / "gaming" / "lab00" / RECIPE_LAB.name)
    for grade_id, outputs in check_outputs(nb).items():
        line = feedback_line(outputs)
        assert line.startswith("Flagged: ") and "Exercise.evaluate" in line, line
        if grade_id >= "lab00-q3":  # after the cell that redefines q5
            assert "q5, which is not the lab's exercise" in line, line

    with Gradebook(db_url) as gb:  # step 6: the written answer, marked by hand
        grade = gb.find_grade("lab00-q4-answer", RECIPE_LAB.stem, "lab00", student)
        grade.manual_score = 1
        gb.db.commit()
    shell("recipe-feedback")
    shell("recipe-fetch-feedback")
    [page] = (tmp_path / "home" / "lab00" / "feedback").glob("*/" + RECIPE_LAB.stem + ".html")
    html = page.read_text(encoding="utf-8")
    assert "Score: 4.0 / 9.0" in html
    index = re.findall(r'<li><a href="#(lab00-q\d+-\w+)">([^<]+)</a>', html)
    assert index[0] == ("lab00-q1-check", "Exercise 1 (1 point): Net input of the neuron")
    assert ("lab00-q4-answer", "Exercise 4, written answer (marked by hand)") in index
    assert len(index) == 6 and "Test cell" not in html
    body = re.sub(r"<style.*?</style>", "", html, flags=re.DOTALL)
    assert "Traceback" not in body and "grading.py" not in body
    assert "0.625 is the value the VESIT notes print" in html


# ---- the export, without running nbgrader -----------------------------------------------------

def _ids(nb) -> dict:
    return {c.id: c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_grade_ids_survive_an_inserted_exercise(solution, monkeypatch):
    from dlbook.exercises import ValueExercise

    nb = load(solution)
    assignment = export_nbgrader.assignment_name(solution)
    before = _ids(export_notebook(nb, assignment))
    first_check = next(i for i, c in enumerate(nb.cells) if export_nbgrader.graded_check(c))
    new = [new_markdown_cell("**Exercise 0 (1 point).** A new first exercise."),
           new_code_cell("answer_new = 42  # SOLUTION"),
           new_code_cell("q0.check(answer_new)")]
    module = export_nbgrader.lab_module(nb)
    q0 = ValueExercise("q0", "A new first exercise", 42)
    monkeypatch.setattr(module, "EXERCISES", [q0, *module.EXERCISES])
    changed = copy.deepcopy(nb)
    changed.cells[first_check - 1:first_check - 1] = new
    after = _ids(export_notebook(changed, assignment))
    assert {k: v for k, v in after.items() if k in before} == before
    assert after[new[1].id] == f"{assignment}-q0-solution"
    assert after[new[2].id] == f"{assignment}-q0-check"


def export_notebook(nb, assignment, **kwargs):
    out = export_nbgrader.export_notebook(nb, assignment, **kwargs)
    nbformat.validate(out)
    return out


def test_export_refuses_an_exercise_graded_twice():
    nb = new_notebook(cells=[new_code_cell("from dlbook.labs.lab00 import q1"),
                             new_code_cell("x = 1  # SOLUTION"), new_code_cell("q1.check(x)"),
                             new_code_cell("q1.check(x)")])
    with pytest.raises(export_nbgrader.ExportError, match="not-graded"):
        export_nbgrader.export_notebook(nb, "lab99")
    nb.cells[0].source = "import numpy as np"
    with pytest.raises(export_nbgrader.ExportError, match="q1 is checked but is not in"):
        export_nbgrader.export_notebook(nb, "lab99")


def test_export_names_other_cells_by_cell_id_and_locks_them():
    only = new_code_cell("q1.solution()", metadata={"tags": [conventions.SOLUTION_ONLY]})
    nb = new_notebook(cells=[new_markdown_cell("### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
                             new_code_cell("y = 2  # SOLUTION"), new_code_cell("print(y)"),
                             only])
    out = export_notebook(nb, "lab99")
    assert len(out.cells) == 3, "a solution-only cell was exported"
    assert list(_ids(out).values()) == [f"lab99-cell-{c.id}" for c in nb.cells[:3]]
    answer, solution, other = (c.metadata.nbgrader for c in out.cells)
    assert answer["grade"] and answer["solution"] and answer["points"] == 1
    assert solution["solution"] and not solution["locked"]
    assert other["locked"] and not other["grade"]


def test_solution_source_keeps_the_stub_around_each_block():
    source = ('def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    y = x + 1\n'
              '    return y\n    ### END SOLUTION\n\n'
              '### BEGIN SOLUTION\nmodel, n = 1, 2\n### END SOLUTION\n'
              'size = 18  # SOLUTION')
    out = export_nbgrader.solution_source(source)
    assert out.split("\n")[6] == "    raise NotImplementedError()"  # after the block's return
    assert "model = ...\nn = ...\n### BEGIN SOLUTION" in out
    assert out.endswith("size = ...\n### BEGIN SOLUTION\nsize = 18\n### END SOLUTION")
    with pytest.raises(export_nbgrader.ExportError, match="must end with its return"):
        export_nbgrader.solution_source(
            "def f(x):\n    ### BEGIN SOLUTION\n    x += 1\n    ### END SOLUTION\n    return x")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_the_graded_copy_reads_right_outside_the_web_book(solution):
    rel = solution.relative_to(book.ROOT).as_posix()
    nb = load(solution)
    module = export_nbgrader.lab_module(nb)
    out = export_notebook(nb, export_nbgrader.assignment_name(solution), seed=1,
                          badge=book.colab_badge(rel))
    markdown = "\n".join(c.source for c in out.cells if c.cell_type == "markdown")
    assert "Open in Colab" not in markdown and "solutions/" + solution.name not in markdown
    assert not re.search(r"^\([\w.:-]+\)=", markdown, re.MULTILINE), "a MyST label"
    assert not re.search(r"\{(ref|glue|doc|numref)[:}]", markdown), "a MyST role"
    assert "```{" not in markdown and ":class:" not in markdown, "a MyST directive"
    glued = export_nbgrader.glue_values(nb)
    for name in {n for c in nb.cells if c.cell_type == "markdown"
                 for n in conventions.GLUE_ROLE.findall(c.source)}:
        assert glued[name] and glued[name] in markdown, f"{{glue:}}`{name}` not shown"
    for match in re.finditer(r"solution\(\)", markdown):
        assert "switched off" in markdown[match.start():match.start() + 60], markdown[
            match.start() - 80:match.start() + 60]
    assert export_nbgrader.GRADED_NOTE in out.cells[0].source
    for q in module.EXERCISES:  # the prompt shows the exercise's points
        shown = export_nbgrader.points_text(q.points, q.kind == "written")
        assert f"**Exercise {q.name[1:]} {shown}.**" in markdown, (
            f"{q.name}: its prompt does not show its points")
    setup = next(c for c in out.cells if c.cell_type == "code")
    assert 'os.environ["DLBOOK_MODE"] = "quick"' in setup.source
    assert 'os.environ["DLBOOK_GRADED"] = "1"' in setup.source
    figures = [c for c in out.cells if c.cell_type == "code"
               and c.source.lstrip().startswith(conventions.ALT_PREFIX)]
    assert all(c.metadata.get("alt") for c in figures)
    for cell in out.cells:
        if cell.cell_type == "code":
            assert not conventions.SOLUTION_CALL.search(cell.source), cell.source


def test_points_can_be_overridden(tmp_path, capsys):
    solution = book.ROOT / "solutions" / "03_cnn_lab.ipynb"
    assert export_nbgrader.main(["--out", str(tmp_path), "--points", "lab03.q8=6",
                                 "--seed", "1", str(solution)]) == 0
    nb = load(tmp_path / "source" / "lab03" / solution.name)
    check = next(c for c in nb.cells if c.metadata.nbgrader["grade_id"] == "lab03-q8-check")
    assert check.metadata.nbgrader["points"] == 6 and "(6 points)" in check.source
    assert any("**Exercise 8 (6 points).**" in c.source for c in nb.cells)
    assert "20 points" in capsys.readouterr().out  # 18, and 2 more for q8
    assert export_nbgrader.main(["--out", str(tmp_path), "--points", "lab03.q99=1",
                                 str(solution)]) == 1
    assert "no exercise q99" in capsys.readouterr().err
    assert export_nbgrader.main(["--points", "q8=6"]) == 2


def test_export_cli_reports_bad_input(tmp_path, capsys):
    not_json = tmp_path / "00_notes.ipynb"
    not_json.write_text("not a notebook")
    code = export_nbgrader.main(["--out", str(tmp_path), str(tmp_path / "01_gone.ipynb"),
                                 str(not_json)])
    err = capsys.readouterr().err
    assert code == 1 and "01_gone.ipynb: cannot read it" in err and "00_notes.ipynb" in err


def test_export_cli_writes_every_lab_and_the_feedback_template(tmp_path, capsys):
    assert export_nbgrader.main(["--out", str(tmp_path)]) == 0
    for solution in SOLUTIONS:
        out = tmp_path / "source" / export_nbgrader.assignment_name(solution) / solution.name
        nb = load(out)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and not cell.execution_count
    assert capsys.readouterr().out.count("export_nbgrader: ") == len(SOLUTIONS)
    template = (tmp_path / export_nbgrader.TEMPLATE_DIR / "feedback"
                / export_nbgrader.TEMPLATE_FILE)
    assert template.read_text() == export_nbgrader.FEEDBACK_TEMPLATE


def test_feedback_images_have_their_alt_text():
    """nbconvert's feedback page takes an image's alt text from the cell's metadata."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU"
           "5ErkJggg==")
    cell = new_code_cell("# alt: one red pixel\nplt.show()", metadata={"alt": "one red pixel"},
                         outputs=[new_output("display_data", data={"image/png": png})])
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(new_notebook(cells=[cell]))
    assert 'alt="one red pixel"' in html and "No description" not in html


def test_graded_check_detection():
    assert export_nbgrader.graded_check(new_code_cell("q1.check(y_in)")) == ("q1", "y_in")
    assert export_nbgrader.graded_check(new_code_cell("q1.check(...)")) is None
    assert export_nbgrader.graded_check(new_code_cell("q1.check(0.18)")) is None
    assert export_nbgrader.graded_check(new_code_cell("q1.check(lambda z: -z)")) is None
    assert export_nbgrader.graded_check(new_code_cell("x = 1\nq2.check(x)  # ok")) == ("q2", "x")
    tagged = new_code_cell("q5.check(f)", metadata={"tags": ["not-graded"]})
    assert export_nbgrader.graded_check(tagged) is None


def test_factories_are_found():
    nb = load(book.ROOT / "solutions" / "03_cnn_lab.ipynb")
    module = export_nbgrader.lab_module(nb)
    made = export_nbgrader.factories(nb, {q.name: q for q in module.EXERCISES})
    assert made == {"q5": "confusion_exercise(cm)", "q8": "design_exercise(seed)"}


def test_the_page_lists_the_labs_as_the_exercises_define_them():
    text = PAGE.read_text(encoding="utf-8")
    block = text.split(export_nbgrader.TABLE_BEGIN)[1].split(export_nbgrader.TABLE_END)[0]
    assert block.strip() == export_nbgrader.table().strip(), (
        "instructors.md is stale: run python -m tools.export_nbgrader --table")
    times = json.loads(export_nbgrader.TIMES.read_text())
    assert set(times["labs"]) == {export_nbgrader.assignment_name(s) for s in SOLUTIONS}


def test_the_page_is_in_the_book():
    toc = (book.ROOT / "_toc.yml").read_text()
    assert "- file: instructors" in toc.split("caption: Unit 1")[0]  # under "Start here"
    assert "{doc}`instructors`" in (book.ROOT / "how-to-use.md").read_text()


# ---- the grading module, in this process -----------------------------------------------------

def _check(namespace: dict, *args, **kwargs):
    """grading.check called from a cell whose globals are ``namespace``."""
    namespace["_args"], namespace["_kwargs"] = args, kwargs
    exec("import dlbook.exercises.grading as g\ng.check(*_args, **_kwargs)", namespace)


def test_grading_uses_a_fresh_checker_and_flags_a_changed_one(capsys):
    from dlbook.exercises import core, grading
    from dlbook.labs import lab00

    namespace = {"y_in": lab00.NET_INPUT, "q1": lab00.q1, "__name__": "__main__"}
    _check(namespace, "lab00", "q1", "y_in")
    assert capsys.readouterr().out.startswith("Correct: ")
    module, fresh_core = grading.fresh_lab("lab00")
    assert module is not lab00 and fresh_core is not core
    assert sys.modules["dlbook.labs.lab00"] is lab00  # the notebook's copy, put back
    with pytest.raises(AssertionError) as failed:
        _check(namespace, "lab00", "q1", "missing")
    assert str(failed.value).startswith("Not attempted: the notebook has no missing")

    fake = type("Fake", (), {"check": lambda self, answer: None})()
    namespace["q1"] = fake
    with pytest.raises(AssertionError, match="Flagged: .*q1, which is not the lab's exercise"):
        _check(namespace, "lab00", "q1", "y_in")
    namespace["q1"] = lab00.q1
    original = core.Exercise.evaluate
    try:
        exec("from dlbook.exercises.core import Exercise, Result\n"
             "Exercise.evaluate = lambda self, a: Result('correct', 'Yes.', self.name)",
             namespace)
        assert lab00.q1.evaluate(...).correct  # the notebook's checker is fooled...
        with pytest.raises(AssertionError, match=r"Flagged: .*Exercise\.evaluate") as failed:
            _check(namespace, "lab00", "q1", "y_in")  # ...the grade is not
        assert len(failed.value._render_traceback_()) <= 4
    finally:
        core.Exercise.evaluate = original
    assert grading.tampering("lab00", namespace, ["q1"]) == []
