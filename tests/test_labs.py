"""Student labs generated from the solutions.

- labs/ is not stale (``tools/make_labs.py --check``);
- every line of a lab's stub cell, apart from the generated stub lines,
  appears in its solution cell; no solution code or marker is left;
- a lab keeps the outputs of the cells that read no answer (the solution's,
  of the same code, with nothing an answered check, a hint or a solution
  prints; ``make_labs.kept_outputs`` on small cases) and clears the others,
  except in cells tagged keep-output; labels are unique;
- every exercise of a lab module is checked (and so graded) in its solution;
- the generator's stubs, on small cases, and its errors.

The nbgrader export is tested with nbgrader itself in test_nbgrader.py.
CI runs the labs themselves under ``pytest --nbval-lax labs`` on JAX, which
compares the kept outputs tagged ``nbval-check-output`` with the blank lab's own
run; on TensorFlow, nbgrader's blank copy is that run (test_nbgrader.py).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dlbook.labs import lab_modules
from tools import book, conventions, export_nbgrader, make_labs

SOLUTIONS = book.notebooks("solutions")
MODULES = lab_modules()


def rel(path) -> str:
    return path.relative_to(book.ROOT).as_posix()


def load(path):
    return nbformat.read(path, as_version=4)


def pairs():
    return [(s, make_labs.lab_path_for(s)) for s in SOLUTIONS]


def load_lab(path):
    if not path.exists():
        pytest.fail(f"{rel(path)} does not exist: run `make labs`")
    return load(path)


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "no solution notebooks under solutions/"


def test_labs_are_not_stale(capsys):
    code = make_labs.main(["--check"])
    assert code == 0, capsys.readouterr().err + "\nRun `make labs`."


@pytest.mark.parametrize("solution, lab", pairs(), ids=lambda p: p.name)
def test_lab_stub_lines_come_from_the_solution(solution, lab):
    sol_cells = {c.id: c for c in load(solution).cells}
    for cell in load_lab(lab).cells:
        assert cell.id in sol_cells, f"{rel(lab)}: cell {cell.id} is not in {rel(solution)}"
        source = sol_cells[cell.id].source
        assert conventions.BEGIN not in cell.source and conventions.END not in cell.source
        if cell.cell_type != "code":
            continue
        assert not make_labs.has_solution(cell.source), f"{rel(lab)}: solution marker left"
        sol_lines = {line.strip() for line in source.split("\n")}
        for line in cell.source.split("\n"):
            if not line.strip() or make_labs.is_generated_line(line):
                continue
            assert line.strip() in sol_lines, (
                f"{rel(lab)} cell {cell.id}: {line!r} is not in the solution cell"
            )


#: Words that only an answered check, a hint or a solution prints.
REVEALING = re.compile(r"^(Correct|Hint|Solution|Model answer):|Note: q\d+ is not (answered|correct)",
                       re.MULTILINE)


def _text(out) -> str:
    return str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("solution, lab", pairs(), ids=lambda p: p.name)
def test_lab_hides_solutions_and_answer_outputs(solution, lab):
    nb = load_lab(lab)
    sol = load(solution)
    sol_cells = {c.id: c for c in sol.cells}
    sol_text = "\n".join(c.source for c in sol.cells if c.cell_type == "code")
    solution_lines = [
        line.strip() for line in sol_text.split("\n")
        if conventions.LINE_MARK.match(line) and line.strip() != "# SOLUTION"
    ]
    lab_text = "\n".join(c.source for c in nb.cells)
    for line in solution_lines:
        assert conventions.LINE_MARK.match(line).group("code").strip() not in lab_text
    code = [c for c in sol.cells if c.cell_type == "code"]
    verdict = {c.id: v for c, v in zip(code, make_labs.kept_outputs(code))}
    shown = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if cell.outputs:
            assert cell.execution_count is not None  # nbval: no outputs without a count
        if conventions.KEEP_OUTPUT in tags:
            continue
        if verdict[cell.id] == make_labs.CLEAR:
            assert cell.outputs == [], f"{rel(lab)} cell {cell.id}: outputs not cleared"
            assert cell.execution_count is None
            continue
        # a kept output is the solution's, of the same code, and reveals nothing
        assert cell.source == sol_cells[cell.id].source
        assert cell.outputs == sol_cells[cell.id].outputs
        for out in cell.outputs:
            assert not REVEALING.search(_text(out)), f"{rel(lab)} cell {cell.id}: {_text(out)[:200]}"
        checked = make_labs.NBVAL_CHECK_OUTPUT in tags
        assert checked == (verdict[cell.id] == make_labs.CHECK and bool(cell.outputs)), cell.id
        shown += bool(cell.outputs)
    assert shown >= 3, f"{rel(lab)}: only {shown} cells show their outputs"


def test_the_student_note_links_the_solved_notebook_in_the_book():
    note = make_labs.student_note("labs/02_x.ipynb", "solutions/02_x.ipynb")
    assert "](../solutions/02_x.ipynb)" in note and "github.com" not in note
    assert "Colab" in note


def _code(*sources, outputs=None):
    from nbformat.v4 import new_code_cell

    cells = [new_code_cell(src) for src in sources]
    for cell, out in zip(cells, outputs or []):
        if out:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=out)]
    return cells


def test_kept_outputs_follow_answers_from_cell_to_cell():
    C, S, K = make_labs.CLEAR, make_labs.SHOW, make_labs.CHECK
    cells = _code(
        "import numpy as np\nx = np.arange(3)\nprint(x.shape)",         # data: checked
        "def f(v):\n    ### BEGIN SOLUTION\n    return v + 1\n    ### END SOLUTION",
        "q1.check(f)",                                                    # reads the answer
        "q1.check(...)",                                                  # the blank check
        "y = f(x)\nprint(y)",                                             # computed from it
        "z = y * 2",                                                      # and from that
        "print(x.sum())",                                                 # x is still clean
        "f = q1.answer_or_reference(f)",                                  # the reference
        "q1.hint()",                                                      # reveals
        "y = np.ones(2)\nprint(y)",                                       # y is clean again
        "w = 3  # SOLUTION",
        "print([w for _ in range(2)])",                                   # read in a comprehension
        "g = lambda: w\nh = 1",                                           # read in a lambda
        "print(h)",
        "model = fit(x)\nprint('loss')",                                  # trained (measured)
        "print(model.predict(x))",                                        # from the trained model
        outputs=[None] * 14 + ["loss \u22480.1 (the book's runs: 0.1 ± 0.1)\n"],
    )
    assert make_labs.kept_outputs(cells) == [K, C, C, K, C, C, K, C, C, K, C, C, C, C, S, S]


def test_kept_outputs_of_a_def_and_a_rebinding_cell():
    C, K = make_labs.CLEAR, make_labs.CHECK
    cells = _code(
        "def helper(a):\n    b = a + 1  # a local, not an answer\n    return b",
        "answer = 2  # SOLUTION",
        "b = 5\nprint(helper(b))",                         # 'b' was only helper's local
        "answer = answer + 1",                             # reads the answer first
        "data = load()\ndata = data[:5]\nprint(data)",     # binds before it reads
    )
    assert make_labs.kept_outputs(cells) == [K, C, K, C, K]


@pytest.mark.parametrize("solution, lab", pairs(), ids=lambda p: p.name)
def test_lab_code_compiles(solution, lab):
    for cell in load_lab(lab).cells:
        if cell.cell_type == "code":
            code = "\n".join(
                line[: len(line) - len(line.lstrip())] + "pass"
                if line.lstrip().startswith(("%", "!")) else line
                for line in cell.source.split("\n")
            )
            ast.parse(code)  # a stub never breaks the syntax


@pytest.mark.parametrize("solution, lab", pairs(), ids=lambda p: p.name)
def test_labels_are_unique_between_lab_and_solution(solution, lab):
    target = re.compile(r"^\(([^)]+)\)=\s*$", re.MULTILINE)
    sol = {t for c in load(solution).cells for t in target.findall(c.source)}
    lab_labels = {t for c in load_lab(lab).cells for t in target.findall(c.source)}
    assert not sol & lab_labels, f"labels in both copies: {sorted(sol & lab_labels)}"
    for label in sol:
        assert label.endswith("-solution"), (
            f"{rel(solution)}: label {label!r} should end in -solution (the lab gets the plain one)"
        )


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_exercise_is_checked_in_its_solution(module):
    path = book.ROOT / "solutions" / module.NOTEBOOK  # exists: test_exercises checks it
    nb = load(path)
    checked = {c[0] for c in map(export_nbgrader.graded_check, nb.cells) if c}
    names = {q.name for q in module.EXERCISES}
    missing = names - checked
    assert not missing, (
        f"{rel(path)} never checks {sorted(missing)} with qN.check(answer) "
        "(a check of a constant or a cell tagged not-graded does not count)"
    )
    imported = set()
    for cell in nb.cells:
        for m in conventions.LAB_IMPORT.finditer(cell.source):
            imported |= {n.strip(" ()") for n in m.group("names").split(",")}
    unknown = {n for n in imported if re.fullmatch(r"q\d+\w*", n)} - names
    assert not unknown, f"{rel(path)} imports {sorted(unknown)}, not in EXERCISES"
    assert export_nbgrader.lab_module(nb) is module


@pytest.fixture(scope="module")
def lab_imports() -> dict:
    """Each lab module imported in turn, in one fresh Python, with every data set's
    loader replaced by one that raises: {module: the traceback of its import, or ""}.

    One process for all the labs (one import of Keras and its backend, not one per
    lab): a lab that imports another (lab03 imports lab01) finds it imported already,
    and that import was checked first, when its own turn came.
    """
    names = [m.__name__ for m in MODULES]
    code = ("import importlib, json, traceback\n"
            "import keras, sklearn.datasets\n"
            "def loaded(*args, **kwargs):\n"
            "    raise AssertionError('a data set was loaded at import time')\n"
            "sklearn.datasets.load_digits = loaded\n"
            "for name in ('mnist', 'fashion_mnist', 'cifar10', 'imdb'):\n"
            "    getattr(keras.datasets, name).load_data = loaded\n"
            "errors = {}\n"
            f"for name in {names!r}:\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "        errors[name] = ''\n"
            "    except BaseException:\n"
            "        errors[name] = traceback.format_exc()\n"
            "print(json.dumps(errors))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=book.ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.splitlines()[-1])


@pytest.mark.xdist_group("lab-imports")  # one worker, one process (see lab_imports)
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_importing_a_lab_module_loads_no_data(module, lab_imports):
    # Importing a lab (``from dlbook.labs.labNN import q1``) must be instant: data sets
    # load at an exercise's first use, not at import.
    assert lab_imports[module.__name__] == "", lab_imports[module.__name__][-2000:]


# ---- the generator on small cases ----------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("x = 0.6295  # SOLUTION", "x = ...  # YOUR CODE HERE"),
    ("a = b = f(x)  # SOLUTION", "a = b = ...  # YOUR CODE HERE"),
    ("y: float = 1.0  # SOLUTION", "y: float = ...  # YOUR CODE HERE"),
    ("model.fit(X, y)  # SOLUTION", "...  # YOUR CODE HERE"),
    ("def f(x):\n    return 1 / x  # SOLUTION",
     "def f(x):\n    raise NotImplementedError()  # YOUR CODE HERE"),
    ("def f(x):\n    z = 2 * x  # SOLUTION\n    return z",
     "def f(x):\n    z = ...  # YOUR CODE HERE\n    return z"),
    ("def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    z = x\n    return z\n"
     "    ### END SOLUTION",
     "def f(x):\n    \"\"\"Doc.\"\"\"\n    # YOUR CODE HERE\n    raise NotImplementedError()"),
    ("import keras\n### BEGIN SOLUTION\nmodel = keras.Sequential()\nmodel.add(1)\n"
     "h, w = 3, 4\n### END SOLUTION\nprint(1)",
     "import keras\n# YOUR CODE HERE\nmodel = ...\nh = ...\nw = ...\nprint(1)"),
    ("### BEGIN SOLUTION\nprint('hi')\n### END SOLUTION", "# YOUR CODE HERE"),
    ("class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        return 1\n"
     "        ### END SOLUTION",
     "class A:\n    def f(self):\n        # YOUR CODE HERE\n        raise NotImplementedError()"),
    ("# SOLUTION\nx = 1", "# SOLUTION\nx = 1"),  # a lone comment is not a marker
    ("print('no markers')", "print('no markers')"),
])
def test_stub_code(source, expected):
    assert make_labs.stub_code(source) == expected


@pytest.mark.parametrize("source, words", [
    ("### BEGIN SOLUTION\nx = 1", "without"),
    ("x = 1\n### END SOLUTION", "without"),
    ("for i in range(3):\n    ### BEGIN SOLUTION\n    x = i\n    ### END SOLUTION", "inside a def"),
    ("### BEGIN SOLUTION\ndef f():\n    return 1\n### END SOLUTION", "inside the function"),
    ("model = keras.Sequential([\n    layers.Dense(3),  # SOLUTION\n])", "whole statement"),
    ("x = f(1,\n      2)  # SOLUTION", "whole statement"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx=1\n### END SOLUTION", "nested"),
])
def test_stub_code_errors(source, words):
    with pytest.raises(make_labs.LabError, match=words):
        make_labs.stub_code(source)


def test_stub_markdown_and_labels():
    src = ("(lab9-start-solution)=\n# T\nSee {ref}`lab9-x-solution`.\n### BEGIN SOLUTION\n"
           "The answer.\n### END SOLUTION")
    assert make_labs.stub_markdown(src) == "(lab9-start)=\n# T\nSee {ref}`lab9-x`.\nYOUR ANSWER HERE"


def _tiny_solution():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    sol = "solutions/99_tiny.ipynb"
    nb = new_notebook(cells=[
        new_markdown_cell(f"(lab99-solution)=\n# Tiny\n\n{book.colab_badge(sol)}"),
        new_code_cell(book.setup_cell_source()),
        new_code_cell("x = 1  # SOLUTION", outputs=[], execution_count=2),
        new_code_cell("print(2)", execution_count=3, metadata={"tags": ["keep-output"]}),
        new_code_cell("secret = 3", metadata={"tags": ["solution-only"]}),
    ])
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    return nb, sol


def test_make_lab_on_a_tiny_notebook():
    nb, sol = _tiny_solution()
    lab = make_labs.make_lab(nb, sol, "labs/99_tiny.ipynb")
    first = lab.cells[0].source
    assert book.colab_badge("labs/99_tiny.ipynb") in first
    assert book.colab_url(sol) not in first  # the lab's badge, not the solution's
    assert "solutions/99_tiny.ipynb" in first and "student copy" in first
    assert first.startswith("(lab99)=")
    assert [c.source for c in lab.cells[2:]] == ["x = ...  # YOUR CODE HERE", "print(2)"]
    assert lab.cells[3].outputs[0]["text"] == "2\n" and lab.cells[3].execution_count == 3
    assert lab.cells[2].execution_count is None
    assert nb.cells[2].source == "x = 1  # SOLUTION"  # the solution is not modified


def test_make_lab_refuses_missing_badge_and_unkept_glue():
    nb, sol = _tiny_solution()
    nb.cells[0].source = "# Tiny"
    with pytest.raises(make_labs.LabError, match="Colab badge"):
        make_labs.make_lab(nb, sol, "labs/99_tiny.ipynb")
    nb, sol = _tiny_solution()
    nb.cells.append(nbformat.v4.new_markdown_cell("Value: {glue:}`lab99_x`."))
    with pytest.raises(make_labs.LabError, match="lab99_x"):
        make_labs.make_lab(nb, sol, "labs/99_tiny.ipynb")


def test_a_unit_with_two_labs_names_them_by_letter():
    """Unit 7 has two labs, 07a and 07b: each is an nbgrader assignment, a lab module
    with its own part modules, and a title the solved page rewrites."""
    from tools import sphinx_labs

    assert export_nbgrader.assignment_name(Path("07a_vision_lab.ipynb")) == "lab07a"
    assert export_nbgrader.assignment_name(Path("06_gans_lab.ipynb")) == "lab06"
    assert sphinx_labs.solved_title("Lab 7b: Language applications") == \
        "Lab 7b solutions: Language applications"
    assert sphinx_labs.solved_title("Lab 6: GANs") == "Lab 6 solutions: GANs"
    names = [m.__name__.rsplit(".", 1)[1] for m in lab_modules()]
    assert "lab06" in names and "lab06_digits" not in names  # a part is not a lab
