"""The exercise checkers: every lab exercise self-tested, and the framework itself.

Part 1 runs over every exercise of every ``dlbook/labs/labNN.py`` module:
``q.self_test()`` (the reference passes, each recorded wrong answer fails
with its message, each recorded correct alternative passes, the blank stub
reads "Not attempted", a raising student function is reported in one line),
the one-line display, the displayed solution run in a fresh namespace and
found in the solution notebook, the hints and the prompt.

Part 2 tests the framework with bad input: wrong types and shapes, None,
NaN, booleans, strings, models of many layer types built in many ways, a
kind of exercise defined here, and the display.
"""

from __future__ import annotations

import sys

import nbformat
import numpy as np
import pytest

from dlbook import exercises as ex
from dlbook.exercises import Case, FunctionExercise, ModelExercise, Right, ValueExercise
from dlbook.exercises import Wrong, WrittenExercise, compare, variant
from dlbook.labs import lab_modules
from tools import book

MODULES = lab_modules()
ALL = [(m, q) for m in MODULES for q in m.EXERCISES]
GRADED = [item for item in ALL if item[1].kind != "written"]


def ids(item):
    module, q = item
    return f"{module.__name__.rsplit('.', 1)[-1]}.{q.name}"


def by_exercise(items) -> list:
    """The items as parameters, each in the xdist group of its exercise (see conftest.py):
    under `pytest -n`, one worker runs all the tests of an exercise, so that the models a
    design exercise trains (cached by the exercise) are trained once, not once per worker."""
    return [pytest.param(item, id=ids(item), marks=pytest.mark.xdist_group(ids(item)))
            for item in items]


def one_line_output(capsys) -> str:
    out = capsys.readouterr()
    assert out.err == ""
    lines = out.out.strip("\n").split("\n")
    assert len(lines) == 1, f"feedback must be one line, got: {out.out!r}"
    return lines[0]


# ---- part 1: every exercise of every lab --------------------------------------

def test_labs_found():
    assert MODULES, "no dlbook/labs/labNN.py modules found"
    assert GRADED, "the lab modules define no automatically checked exercises"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_lab_module_layout(module):
    names = [q.name for q in module.EXERCISES]
    assert len(names) == len(set(names)), f"{module.__name__}: duplicate exercise names"
    for q in module.EXERCISES:
        assert isinstance(q, ex.Exercise)
        assert getattr(module, q.name, None) is q, (
            f"{module.__name__}: exercise {q.name!r} must be bound to a variable of that name"
        )
        assert q.prompt.strip(), f"{module.__name__}.{q.name}: give it a prompt"
    assert (book.ROOT / "solutions" / module.NOTEBOOK).exists(), (
        f"{module.__name__}.NOTEBOOK = {module.NOTEBOOK!r} is not in solutions/"
    )


@pytest.mark.parametrize("item", by_exercise(ALL))
def test_self_test(item):
    _, q = item
    assert q.self_test() == []


@pytest.mark.parametrize("item", by_exercise(GRADED))
def test_every_exercise_records_a_correct_alternative(item):
    _, q = item
    assert q.right_answers, f"{q.name}: record at least one Right(answer, why)"


@pytest.mark.parametrize("item", by_exercise(GRADED))
def test_check_shows_one_line_and_assert_check_agrees(item, capsys):
    _, q = item
    assert q.check(q.recorded(q.reference_answer())).correct
    assert one_line_output(capsys).startswith("Correct: ")
    q.assert_check(q.recorded(q.reference_answer()))  # does not raise
    capsys.readouterr()
    wrong = q.wrong_answers[0]
    assert not q.check(q.recorded(wrong.answer))
    assert one_line_output(capsys).startswith("Incorrect: ")
    with pytest.raises(AssertionError, match="Incorrect"):
        q.assert_check(q.recorded(wrong.answer))
    capsys.readouterr()
    q.check(q.blank)
    line = one_line_output(capsys)
    assert line.startswith("Not attempted: ") and q.prompt in line  # the task, repeated
    with pytest.raises(AssertionError, match="Not attempted"):
        q.assert_check(q.blank)


HIDDEN = [item for item in GRADED if type(item[1]).hidden_variant
          is not ex.Exercise.hidden_variant]


def test_points_weigh_the_exercises():
    """Every exercise has whole points, 1 to 4, and no lab gives them all the same."""
    for module in MODULES:
        points = [q.points for q in module.EXERCISES]
        assert all(p in (1, 2, 3, 4) for p in points), (module.__name__, points)
        assert len(set(points)) > 1, f"{module.__name__}: every exercise weighs the same"


def test_every_function_exercise_has_hidden_cases():
    functions = [item for item in ALL
                 if isinstance(item[1], (FunctionExercise, ex.ProcedureExercise))]
    assert functions and all(item in HIDDEN for item in functions)


@pytest.mark.parametrize("item", by_exercise(HIDDEN))
def test_hidden_cases(item):
    """The graded copies' hidden cases: other inputs than the public ones, as many, drawn
    the same from the same seed; the reference and every recorded correct alternative pass
    them, the blank is blank, and a recorded slip still fails."""
    _, q = item
    for seed in (1, 2):
        variant = q.hidden_variant(seed)
        assert len(variant.cases) == len(q.cases)
        public = [repr(c) for c in q.cases]
        assert any(repr(c) not in public for c in variant.cases), "no case was redrawn"
        assert [repr(c) for c in q.hidden_variant(seed).cases] == [
            repr(c) for c in variant.cases]
        assert variant.evaluate(variant.recorded(variant.reference_answer())).correct
        for right in q.right_answers:
            result = variant.evaluate(variant.recorded(right.answer))
            assert result.correct, f"{right.why}: {result.text}"
        assert variant.evaluate(variant.blank).status == ex.BLANK
        wrong = variant.evaluate(variant.recorded(q.wrong_answers[0].answer))
        assert wrong.status == ex.INCORRECT, wrong.text
    assert q.evaluate(q.recorded(q.reference_answer())).correct  # the public cases are kept


def test_a_graded_copy_gives_no_solution_and_one_hint(monkeypatch, capsys):
    q = ValueExercise("q1", "t", 1.0, hints=["Think.", "It is 1.0."], solution="x = 1.0")
    monkeypatch.setenv(ex.core.GRADED_VARIABLE, "1")
    q.solution()
    assert "switched off" in capsys.readouterr().out
    q.hint(2)
    out = capsys.readouterr().out
    assert "first hint only" in out and "1.0" not in out
    q.hint()
    assert "Think." in capsys.readouterr().out
    w = WrittenExercise("q2", "why", model_answer="Because.")
    w.solution()
    assert "Because." not in capsys.readouterr().out
    monkeypatch.delenv(ex.core.GRADED_VARIABLE)
    q.solution()
    assert "x = 1.0" in capsys.readouterr().out


def test_a_failed_assert_check_shows_one_wrapped_line():
    q = ValueExercise("q1", "t", 1.0, prompt="Give a number " + "very " * 30 + "carefully.")
    with pytest.raises(AssertionError) as failed:
        q.assert_check(...)
    lines = failed.value._render_traceback_()  # what Jupyter shows instead of a traceback
    assert lines[0].startswith("\x1b[1;31mNot attempted:\x1b[0m ")
    assert len(lines) > 1 and all(len(line) <= 90 for line in lines)
    assert "Traceback" not in "".join(lines)


@pytest.mark.parametrize("item", by_exercise(ALL))
def test_blank_falls_back_to_the_reference(item, capsys):
    _, q = item
    fallback = q.answer_or_reference(q.blank)
    assert "is not answered yet" in capsys.readouterr().out
    assert q.evaluate(fallback).status in (ex.CORRECT, ex.UNCHECKED)


FUNCTIONS = [i for i in GRADED if i[1].kind == "function"]


@pytest.mark.parametrize("item", by_exercise(FUNCTIONS))
@pytest.mark.parametrize("error, name", [
    (ZeroDivisionError("division by zero"), "ZeroDivisionError: division by zero"),
    (SystemExit(), "SystemExit"),
    (SystemExit(3), "SystemExit: 3"),
    (KeyboardInterrupt(), "KeyboardInterrupt"),
])
def test_raising_student_function_reported_in_one_line(item, error, name, capsys):
    _, q = item

    def student(*args, **kwargs):
        raise error

    result = q.check(student)  # nothing escapes the checker
    line = one_line_output(capsys)
    assert result.status == ex.INCORRECT
    assert "Traceback" not in line
    assert f"Your function raised {name} (test_exercises.py, line" in line
    assert "raise error" in line  # the student's own line


@pytest.mark.parametrize("item", by_exercise(FUNCTIONS))
def test_student_calling_sys_exit_is_reported(item, capsys):
    _, q = item

    def student(*args, **kwargs):
        sys.exit()

    assert q.check(student).status == ex.INCORRECT
    assert "Your function raised SystemExit" in one_line_output(capsys)


@pytest.mark.parametrize("item", by_exercise(GRADED))
def test_solution_text_runs_and_passes(item):
    """The code solution() shows, run with only the names the notebook provides."""
    _, q = item
    if isinstance(q, ex.DesignExercise):
        # It trains a model: q.run executes it in q.solution_namespace() as below, once
        # per seed, and its model is the reference answer the self-test checks too.
        namespace = q.run(q.solution_text())
    elif hasattr(q, "run"):  # TrainedCodeExercise, lab06.RingDesignExercise
        # The same for an answer that notebook code trains (or a recipe the checker
        # trains, lab06.q6): q.run executes the code in q.solution_namespace() and keeps
        # what it assigns to answer_name (a KeyError if nothing), once per code (and
        # backend and seed), and the reference answer is that of the displayed code.
        answer = q.run(q.solution_text())
        assert q.reference_answer() is answer
        namespace = {q.answer_name: answer}
    else:
        namespace = q.run_in_notebook_names(q.solution_text(), "solution")
    assert q.answer_name in namespace, f"{q.name}: the solution does not assign {q.answer_name}"
    result = q.evaluate(namespace[q.answer_name])
    assert result.correct, f"{q.name}: the displayed solution fails: {result.text}"


@pytest.mark.parametrize("item", by_exercise(GRADED))
def test_solution_text_is_the_notebooks(item):
    """Every line solution() shows is in the solution notebook: one source, not two."""
    module, q = item
    nb = nbformat.read(book.ROOT / "solutions" / module.NOTEBOOK, as_version=4)
    lines = {line.strip() for c in nb.cells if c.cell_type == "code"
             for line in c.source.split("\n")}
    missing = [line for line in q.solution_text().split("\n")
               if line.strip() and line.replace("  # SOLUTION", "").strip() not in
               {s.replace("  # SOLUTION", "") for s in lines}]
    assert not missing, f"{q.name}: solution lines not in {module.NOTEBOOK}: {missing}"


@pytest.mark.parametrize("item", by_exercise([i for i in GRADED if i[1].kind == "model"]))
def test_model_hints_do_not_repeat_the_solution(item):
    _, q = item
    code = [line.strip().rstrip(",") for line in q.solution_text().split("\n")]
    for hint in q.hints:
        copied = [line for line in code if len(line) > 12 and line in hint]
        assert len(copied) < 2, f"{q.name}: a hint copies the solution: {copied}"


@pytest.mark.parametrize("item", by_exercise(ALL))
def test_hints_solution_and_show(item, capsys):
    _, q = item
    assert q.hints, f"{q.name}: give at least one hint"
    q.hint()
    assert capsys.readouterr().out.startswith(f"Hint: (1 of {len(q.hints)})")
    q.hint(len(q.hints) + 1)
    assert f"{q.name} has only" in capsys.readouterr().out
    q.solution()
    shown = capsys.readouterr().out
    assert shown.startswith(("Solution:", "Model answer:"))
    assert q.solution_text() in shown
    q.show()
    assert capsys.readouterr().out == f"Exercise: {q.name}, {q.title}. {q.prompt}\n"


# ---- part 2: a kind of exercise defined outside the package ----------------------

class SetExercise(ex.Exercise):
    """Items in any order (a kind the package does not have)."""

    kind = "set"

    def grade(self, answer):
        if not isinstance(answer, (set, list, tuple)):
            raise ex.Incorrect(f"give a collection of items, not {answer!r}.")
        missing = set(self.reference) - set(answer)
        extra = set(answer) - set(self.reference)
        if missing:
            raise ex.Incorrect(f"{sorted(missing)} missing.")
        if extra:
            raise ex.Incorrect(f"{sorted(extra)} should not be there.")
        return "all the items are there."


def test_a_custom_kind_self_tests_and_displays(capsys):
    q = SetExercise("qx", "primes below 10", prompt="The primes below 10.",
                    hints=["2 is one."], solution="primes = {2, 3, 5, 7}",
                    reference={2, 3, 5, 7},
                    wrong_answers=[Wrong({2, 3, 5}, "[7] missing"),
                                   Wrong({1, 2, 3, 5, 7}, "[1] should not")],
                    right_answers=[Right([7, 5, 3, 2], "a list, in another order")])
    assert q.self_test() == []
    assert q.check(...).status == ex.BLANK
    assert capsys.readouterr().out.startswith("Not attempted: replace the ...")
    assert q.check(5).status == ex.INCORRECT
    assert "give a collection" in capsys.readouterr().out
    # a custom kind whose own data is wrong is caught by its self-test
    broken = SetExercise("qy", "t", reference={1}, wrong_answers=[Wrong({1}, "x")],
                         right_answers=[Right({2}, "not equivalent")])
    problems = " ".join(broken.self_test())
    assert "at least two wrong answers" in problems
    assert "wrong answer 'x'" in problems and "not equivalent" in problems


def test_a_kind_without_grade_is_reported_not_raised():
    class NoGrade(ex.Exercise):
        kind = "nothing"

    r = NoGrade("qn", "t").evaluate(1)
    assert r.status == ex.INCORRECT and "must implement grade" in r.message


# ---- part 2: values -----------------------------------------------------------------

@pytest.fixture
def scalar():
    return ValueExercise("qs", "scalar", 0.5, atol=1e-6, prompt="A half.",
                         mistakes=[(0.25, "that is half the answer")])


@pytest.mark.parametrize("answer, status, words", [
    (0.5, ex.CORRECT, "0.5 is right"),
    (np.float32(0.5), ex.CORRECT, "right"),
    (np.array(0.5), ex.CORRECT, "right"),
    (np.array([0.5]), ex.CORRECT, "right"),  # a one-element array is a number
    ([0.5], ex.CORRECT, "right"),
    (np.array([[0.5]]), ex.CORRECT, "right"),
    (0.25, ex.INCORRECT, "that is half the answer"),
    (0.6, ex.INCORRECT, "not the expected value"),
    (..., ex.BLANK, "replace the ... with your answer, then run this cell again. "
                    "The task: A half."),
    (None, ex.INCORRECT, "is None"),
    ("0.5", ex.INCORRECT, "remove the quotes"),
    (float("nan"), ex.INCORRECT, "NaN"),
    (True, ex.INCORRECT, "bool"),
    ([0.5, 0.5], ex.INCORRECT, "single number"),
    (np.array([0.5, 0.5]), ex.INCORRECT, "single number"),
    ({"a": 0.5}, ex.INCORRECT, "single number"),
    (float("inf"), ex.INCORRECT, "not the expected value"),
])
def test_value_scalar(scalar, answer, status, words):
    result = scalar.evaluate(answer)
    assert result.status == status, result.text
    assert words in result.message


def test_value_tolerance_is_respected():
    q = ValueExercise("q", "t", 0.6294831, atol=1e-4)
    assert q.evaluate(0.6295).correct
    assert not q.evaluate(0.629).correct
    assert not q.evaluate(0.625).correct
    assert ValueExercise("q", "t", 100.0, rtol=0.01).evaluate(100.9).correct


@pytest.mark.parametrize("answer, status, words", [
    ((18, 18), ex.CORRECT, "right"),
    ([18, 18], ex.CORRECT, "right"),
    (np.array([18, 18]), ex.CORRECT, "right"),
    (np.array([[18], [18]]), ex.CORRECT, "right"),
    ((21, 21), ex.INCORRECT, "expected value is (18, 18)"),
    ((18,), ex.INCORRECT, "1 entry"),
    ((18, 18, 1), ex.INCORRECT, "3 entries"),
    (18, ex.INCORRECT, "a tuple such as"),
    (("18", 18), ex.INCORRECT, "not a number"),
    (None, ex.INCORRECT, "None"),
])
def test_value_tuple(answer, status, words):
    q = ValueExercise("q", "shape", (18, 18))
    result = q.evaluate(answer)
    assert result.status == status, result.text
    assert words in result.message


def test_value_tuple_with_batch_dimension():
    q = ValueExercise("q", "shape", (None, 6, 6, 8))
    assert q.evaluate((None, 6, 6, 8)).correct
    r = q.evaluate((32, 6, 6, 8))
    assert not r and "batch size" in r.message
    r = q.evaluate((None, 8, 8, 8))
    assert not r and "(None, 8, 8, 8)" in r.message


@pytest.mark.parametrize("answer, words", [
    (np.ones((3, 2)), "shape (3, 2), but the expected shape is (2, 3)"),
    (np.array([[1, 2, 3], [4, 5, 7]]), "1 of 6 entries"),
    (np.array([["a", "b", "c"]] * 2), "not an array of numbers"),
    (np.array([[1, 2, 3], [4, 5, np.nan]]), "NaN"),
    ([[1, 2], [3]], "cannot be read as an array"),
    ("abc", "remove the quotes"),
])
def test_value_array_bad_input(answer, words):
    q = ValueExercise("q", "array", np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert q.evaluate(np.array([[1, 2, 3], [4, 5, 6]])).correct
    result = q.evaluate(answer)
    assert result.status == ex.INCORRECT, result.text
    assert words in result.message


@pytest.mark.parametrize("answer", [
    np.arange(6.0).reshape(6, 1), list(range(6)), tuple(range(6)), np.arange(6),
    np.arange(6.0).reshape(6, 1, 1),
])
def test_value_array_accepts_trailing_axis_and_any_sequence(answer):
    assert ValueExercise("q", "six", np.arange(6.0)).evaluate(answer).correct
    column = ValueExercise("q", "column", np.arange(6.0).reshape(6, 1))
    assert column.evaluate(answer).correct


def test_value_exact_shape_is_said_in_prompt_and_feedback():
    q = ValueExercise("q", "six", np.arange(6.0), exact_shape=True, prompt="Six numbers.")
    assert q.prompt == "Six numbers. The answer must have shape (6,) exactly."
    assert q.evaluate(np.arange(6.0)).correct and q.evaluate(list(range(6))).correct
    r = q.evaluate(np.arange(6.0).reshape(6, 1))
    assert not r and "this exercise asks for exactly that shape" in r.message
    assert "(1, 6)" in ValueExercise("q", "t", np.arange(6.0)).evaluate(
        np.arange(6.0).reshape(1, 6)).message  # only trailing axes are let through


def test_value_array_dtype():
    q = ValueExercise("q", "int array", np.array([1, 2]), dtype="int")
    assert q.evaluate(np.array([1, 2])).correct
    assert "integers are expected" in q.evaluate(np.array([1.0, 2.0])).message


@pytest.mark.parametrize("got, expected, kind, where", [
    (None, 1.0, "none", None),
    ("1", 1.0, "text", None),
    (True, 1.0, "bool", None),
    ([1, 2], 1.0, "type", None),
    ((1,), (1, 2), "length", None),
    ((None, 2), (1, 2), "entry", (0,)),
    ([[1, 2]], np.ones((2, 2)), "shape", None),
    (np.array([1.0, 2.0]), np.array([1, 2]), None, None),
    (np.array([1.0, np.nan]), np.array([1.0, 2.0]), "nan", None),
    (np.array([1.0, 3.0]), np.array([1.0, 2.0]), "value", (1,)),
    ([[1], [2, 3]], np.ones(2), "unreadable", None),
])
def test_compare_returns_structured_mismatches(got, expected, kind, where):
    m = compare(got, expected)
    if kind is None:
        assert m is None
        return
    assert isinstance(m, ex.Mismatch) and m.kind == kind and m.where == where
    assert kind in ex.MISMATCH_KINDS and str(m) == m.text and m.text
    with pytest.raises(ValueError, match="unknown mismatch kind"):
        ex.Mismatch("wrongish", 1, 2, "text")


def test_value_accepts_backend_tensors():
    import keras

    assert ValueExercise("q", "t", 0.5).evaluate(keras.ops.convert_to_tensor(0.5)).correct
    q = ValueExercise("q", "t", np.array([1.0, 2.0]))
    assert q.evaluate(keras.ops.convert_to_tensor([1.0, 2.0])).correct
    assert "shape (3,)" in q.evaluate(keras.ops.convert_to_tensor([1.0, 2.0, 3.0])).message


def test_value_answer_name_and_namespace():
    q = ValueExercise("q", "t", 1.0, solution="a = 0\nb = a + 1",
                      solution_context={"np": np})
    assert q.answer_name == "b" and q.solution_namespace() == {"np": np}


# ---- part 2: functions ---------------------------------------------------------------

def conv_size(n, f, p, s):
    return (n - f + 2 * p) // s + 1


@pytest.fixture
def func():
    return FunctionExercise(
        "qf", "conv", reference=conv_size,
        cases=[Case((16, 3, 2, 1), 18, mistakes=[(21, "{call} gave {got}: padding twice")]),
               Case((16, 3, 0, 2), 7, message="{call} should be {expected}; got {got}: use //")],
    )


def _helper(x):
    return 1 / x


@pytest.mark.parametrize("student, status, words", [
    (conv_size, ex.CORRECT, "passes all 2 test cases"),
    (lambda n, f, p, s: 21, ex.INCORRECT, "conv_size(16, 3, 2, 1) gave 21: padding twice"),
    (lambda n, f, p, s: (n - f + 2 * p) / s + 1, ex.INCORRECT, "should be 7; got 7.5: use //"),
    (lambda n, f, p, s: 17, ex.INCORRECT, "should return 18; you returned 17."),
    (lambda n, f, p, s: "18", ex.INCORRECT, "remove the quotes"),
    (lambda n, f, p, s: [18, 18], ex.INCORRECT, "should return 18; you returned [18, 18] "
                                                "(the result is [18, 18] (list), but a single"),
    (lambda n, f, p, s: None, ex.BLANK, "returned None"),
    (lambda n, f, p, s: ..., ex.BLANK, "write the body of conv_size"),
    (FunctionExercise.blank, ex.BLANK, "write the body"),
    (42, ex.INCORRECT, "expected a function, but you passed 42 (int)"),
    (None, ex.INCORRECT, "expected a function"),
    (lambda n: n, ex.INCORRECT, "Your function raised TypeError"),
])
def test_function_exercise(func, student, status, words):
    result = func.evaluate(student)
    assert result.status == status, result.text
    assert words in result.message, result.message
    assert "\n" not in result.message


def test_function_error_names_the_students_deepest_line(func):
    def student(n, f, p, s):
        return _helper(s - 1)

    msg = func.evaluate(student).message
    assert msg.startswith("Your function raised ZeroDivisionError: division by zero")
    assert "test_exercises.py, line" in msg and "return 1 / x" in msg
    assert "exercises.py, line" not in msg.replace("test_exercises.py, line", "")


def test_function_error_inside_a_library_points_at_the_students_call(func):
    def student(n, f, p, s):
        return int(np.asarray([1, 2]).reshape(3))

    msg = func.evaluate(student).message
    assert "Your function raised ValueError" in msg
    assert "np.asarray([1, 2]).reshape(3)" in msg


def test_function_nan_and_bool_results():
    q = FunctionExercise("q", "sigmoid", reference=lambda z: 1 / (1 + np.exp(-z)),
                         func_name="sigmoid",
                         cases=[Case((0.0,), 0.5, message="sigmoid(0) should be 0.5; you "
                                     "returned {got}: did you forget the minus sign?")])
    assert "sigmoid(0.0) returned NaN" in q.evaluate(lambda z: float("nan")).message
    assert "sigmoid(0.0) should return 0.5; you returned True" in q.evaluate(lambda z: True).message
    r = q.evaluate(lambda z: 0.0)
    assert r.message == "sigmoid(0) should be 0.5; you returned 0.0: did you forget the minus sign?"


def test_checker_never_raises_and_hides_its_traceback(capsys):
    class Weird:
        def __float__(self):
            raise RuntimeError("boom")

    q = ValueExercise("q", "t", 1.0)
    result = q.check(Weird())
    out = capsys.readouterr().out
    assert result.status == ex.INCORRECT and "Traceback" not in out


def test_hint_levels_and_out_of_range(capsys):
    q = ValueExercise("q9", "t", 1.0, hints=["first", "second"])
    q.hint()
    assert capsys.readouterr().out == "Hint: (1 of 2) first (q9.hint(2) is more direct.)\n"
    q.hint(2)
    assert capsys.readouterr().out == "Hint: (2 of 2) second\n"
    q.hint(3)
    assert "only 2 hints" in capsys.readouterr().out
    q.hint(0)
    assert "numbered from 1 to 2" in capsys.readouterr().out
    ValueExercise("q8", "t", 1.0).hint()
    assert "has no hints" in capsys.readouterr().out


def test_written_exercise(capsys):
    q = WrittenExercise("qw", "why", model_answer="Because of 2 x binary - 1.",
                        key_points=["bipolar = 2 x binary - 1"])
    for blank in (..., None, "", "   ", "..."):
        assert q.evaluate(blank).status == ex.BLANK
    r = q.check("my answer")
    assert r.status == ex.UNCHECKED and not r
    assert capsys.readouterr().out.startswith("No automatic check: ")
    assert "qw.solution()" in r.message
    assert "write your answer as text" in q.evaluate(42).message
    q.solution()
    assert capsys.readouterr().out == "Model answer: Because of 2 x binary - 1.\n"
    q.assert_check("anything")  # graded by hand: only a blank fails
    with pytest.raises(AssertionError):
        q.assert_check(...)
    with pytest.raises(ValueError, match="model answer"):
        WrittenExercise("qe", "t", model_answer="  ")


def test_result_object():
    r = ex.Result(ex.CORRECT, "fine.", "q1")
    assert bool(r) and r.correct and str(r) == "Correct: fine." and r.label == "Correct"
    assert not ex.Result(ex.INCORRECT, "no.", "q1")


def test_result_ending_a_cell_is_not_shown_twice():
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()  # what IPython uses for the value that ends a cell
    data, _ = formatter.format(ex.Result(ex.CORRECT, "fine.", "q1"))
    assert data == {}  # check() showed it already
    data, _ = formatter.format(ex.Mismatch("value", 1, 2, "one"))  # a plain object is shown
    assert "text/plain" in data


def test_html_and_text_display_in_ipython(monkeypatch):
    shown = []
    import IPython.display

    from dlbook.exercises import core

    monkeypatch.setattr(core, "_in_ipython", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    q = ValueExercise("q", "t", 0.5, mistakes=[(0.25, "<half> & more")])
    q.check(0.25)
    bundle = shown[-1]
    assert bundle["text/plain"] == "Incorrect: <half> & more"
    html = bundle["text/html"]
    assert ">Incorrect</span>" in html and "&lt;half&gt; &amp; more" in html
    q.check(0.5)
    assert ">Correct</span>" in shown[-1]["text/html"]
    q.check(...)
    assert shown[-1]["text/plain"].startswith("Not attempted: ")


# ---- part 2: Keras models ---------------------------------------------------------

def small_mlp():
    import keras

    return keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def _mlp(*stack, shape=(4,)):
    import keras

    return keras.Sequential([keras.Input(shape=shape), *stack])


@pytest.fixture(scope="module")
def model_q():
    return ModelExercise("qm", "mlp", reference=small_mlp)


def test_model_exercise_reference(model_q):
    r = model_q.evaluate(small_mlp())
    assert r.correct and "2 layers (Dense, Dense)" in r.message and "67 parameters" in r.message


def test_reference_model_is_built_once():
    calls = []

    def counted():
        calls.append(1)
        return small_mlp()

    q = ModelExercise("qm", "mlp", reference=counted)
    for _ in range(3):
        assert q.evaluate(small_mlp()).correct
    assert len(calls) == 1
    q.answer_or_reference(...)  # a fresh model for the student's cells
    assert len(calls) == 2


def _functional_mlp(L):
    import keras

    inputs = keras.Input(shape=(4,))
    hidden = L.Activation(keras.activations.relu)(L.Dense(8)(inputs))
    return keras.Model(inputs, L.Dense(3, activation=keras.activations.softmax)(hidden))


def _nested_mlp(L):
    import keras

    encoder = keras.Sequential([keras.Input(shape=(4,)), L.Dense(8), L.ReLU()])
    inputs = keras.Input(shape=(4,))
    return keras.Model(inputs, L.Softmax()(L.Dense(3)(encoder(inputs))))


@pytest.mark.parametrize("build", [
    lambda L: _mlp(L.Dense(8), L.Activation("relu"), L.Dense(3), L.Activation("softmax")),
    lambda L: _mlp(L.Dense(8, activation=__import__("keras").activations.relu),
                   L.Dense(3, activation="softmax")),
    lambda L: _mlp(L.Dense(8), L.ReLU(), L.Dense(3), L.Softmax()),
    _functional_mlp,
    _nested_mlp,
], ids=["activation-layers", "activation-function", "relu-softmax-layers", "functional",
        "nested"])
def test_model_exercise_accepts_equivalent_models(model_q, build):
    import keras

    r = model_q.evaluate(build(keras.layers))
    assert r.correct, r.text


@pytest.mark.parametrize("build, words", [
    (lambda L: _mlp(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax")),
     "Dense layer 1 has 16 units; the exercise asks for 8."),
    (lambda L: _mlp(L.Dense(8, activation="sigmoid"), L.Dense(3, activation="softmax")),
     "Dense layer 1 has activation 'sigmoid'; the exercise asks for 'relu'."),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3)),
     "activation 'linear'"),
    (lambda L: _mlp(L.Dense(8, activation="relu")),
     "has 1 layer (Dense), but the exercise asks for 2 (Dense, Dense)"),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Activation("relu"),
                    L.Dense(3, activation="softmax")),
     "has 3 layers (Dense, Activation, Dense)"),  # a second activation does not fold
    (lambda L: _mlp(L.Dropout(0.5), L.Dense(3, activation="softmax")),
     "layer 1 is a Dropout layer; the exercise asks for Dense"),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3, activation="softmax"), shape=(5,)),
     "inputs of shape (None, 5)"),
    (lambda L: __import__("keras").Sequential([L.Dense(8, activation="relu"),
                                               L.Dense(3, activation="softmax")]),
     "not built yet"),
    (lambda L: _mlp(L.Dense(8, activation="relu", use_bias=False), L.Dense(3, activation="softmax")),
     "use_bias False"),
    (lambda L: _mlp(L.Dense(8, activation=lambda x: x), L.Dense(3, activation="softmax")),
     "activation '<lambda> (a function of your own)'"),
    (lambda L: small_mlp, "Pass the model object itself"),
    (lambda L: L.Dense(3), "expected a Keras model"),
    (lambda L: "model", "expected a Keras model"),
    (lambda L: None, "your model is None"),
])
def test_model_exercise_wrong(model_q, build, words):
    import keras

    result = model_q.evaluate(build(keras.layers))
    assert result.status == ex.INCORRECT, result.text
    assert words in result.message, result.message


def _conv_net(L, **conv):
    return _mlp(L.Conv2D(4, 3, **conv), L.MaxPooling2D(2), L.BatchNormalization(),
                L.Flatten(), L.Dropout(0.25), L.Dense(2), shape=(8, 8, 1))


def _sequence_net(L, rnn="LSTM", **kw):
    return _mlp(L.Embedding(50, 8), getattr(L, rnn)(6, return_sequences=True, **kw),
                L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid"), shape=(10,))


@pytest.mark.parametrize("reference, answer, words", [
    (_conv_net, lambda L: _conv_net(L, padding="same"),
     "Conv2D layer 1 has padding 'same'; the exercise asks for 'valid'."),
    (_conv_net, lambda L: _conv_net(L, strides=2), "Conv2D layer 1 has strides (2, 2)"),
    (_conv_net, lambda L: _mlp(L.Conv2D(4, 3), L.MaxPooling2D(3), L.BatchNormalization(),
                               L.Flatten(), L.Dropout(0.25), L.Dense(2), shape=(8, 8, 1)),
     "MaxPooling2D layer 2 has pool size (3, 3)"),
    (_conv_net, lambda L: _mlp(L.Conv2D(4, 3), L.MaxPooling2D(2),
                               L.BatchNormalization(momentum=0.9), L.Flatten(),
                               L.Dropout(0.25), L.Dense(2), shape=(8, 8, 1)),
     "BatchNormalization layer 3 has momentum 0.9; the exercise asks for 0.99."),
    (_conv_net, lambda L: _mlp(L.Conv2D(4, 3), L.MaxPooling2D(2), L.BatchNormalization(),
                               L.Flatten(), L.Dropout(0.5), L.Dense(2), shape=(8, 8, 1)),
     "Dropout layer 5 has dropout rate 0.5; the exercise asks for 0.25."),
    (lambda L: _mlp(L.Embedding(50, 8), L.LSTM(6, return_sequences=True), L.Dense(1),
                    shape=(10,)),
     lambda L: _mlp(L.Embedding(50, 8), L.LSTM(6), L.Dense(1), shape=(10,)),
     "LSTM layer 2 has return_sequences False; the exercise asks for True."),
    (_sequence_net, lambda L: _mlp(L.Embedding(40, 8), L.LSTM(6, return_sequences=True),
                                   L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid"),
                                   shape=(10,)),
     "Embedding layer 1 has vocabulary size (input_dim) 40; the exercise asks for 50."),
    (lambda L: _sequence_net(L, "GRU"), lambda L: _sequence_net(L, "GRU", dropout=0.2),
     "GRU layer 2 has input dropout 0.2"),
    (_sequence_net, lambda L: _sequence_net(L, "GRU"),
     "layer 2 is a GRU layer; the exercise asks for LSTM"),
])
def test_model_keys_come_from_the_reference_config(reference, answer, words):
    import keras

    L = keras.layers
    q = ModelExercise("q", "t", reference=lambda: reference(L))
    assert q.evaluate(reference(L)).correct
    # initializers, names and seeds do not count
    assert q.evaluate(reference(L)).correct
    result = q.evaluate(answer(L))
    assert result.status == ex.INCORRECT, result.text
    assert words in result.message, result.message


def test_model_ignores_non_semantic_settings():
    import keras

    L = keras.layers

    def ref():
        return _mlp(L.Dense(8, activation="relu"), L.Dense(3, activation="softmax"))

    other = _mlp(L.Dense(8, activation="relu", kernel_initializer="he_normal", name="hidden",
                         kernel_regularizer="l2"),
                 L.Dense(3, activation="softmax", dtype="float64"))
    assert ModelExercise("q", "t", reference=ref).evaluate(other).correct
    q = ModelExercise("q", "t", reference=ref, ignore=("activation",))
    assert q.evaluate(_mlp(L.Dense(8), L.Dense(3, activation="softmax"))).correct


def test_model_output_shape_and_params():
    import keras

    def conv():
        return _mlp(keras.layers.Conv2D(4, 3), shape=(8, 8, 1))

    q = ModelExercise("qc", "conv", reference=conv, ignore=("padding",))
    r = q.evaluate(_mlp(keras.layers.Conv2D(4, 3, padding="same"), shape=(8, 8, 1)))
    assert "your output has shape (None, 8, 8, 4) but the model should give (None, 6, 6, 4)" in r.message
    q = ModelExercise("qc", "conv", reference=conv, ignore=("use_bias",))
    r = q.evaluate(_mlp(keras.layers.Conv2D(4, 3, use_bias=False), shape=(8, 8, 1)))
    assert "36 parameters; the reference has 40" in r.message


def test_variant_and_builder_source():
    import keras

    q = ModelExercise("qm", "mlp", reference=small_mlp, answer_name="net")
    assert q.solution_text().startswith("net = keras.Sequential([\n    keras.Input(shape=(4,)),")
    assert "import" not in q.solution_text()
    assert "Dense layer 2 has 5 units" in q.evaluate(variant(small_mlp, 2, units=5)()).message
    assert "has 1 layer" in q.evaluate(variant(small_mlp, drop=2)()).message
    assert "(None, 7)" in q.evaluate(variant(small_mlp, input_shape=(7,))()).message
    with pytest.raises(ValueError, match="has no"):
        variant(small_mlp, 1, pool_size=2)()
    with pytest.raises(TypeError, match="Sequential"):
        variant(lambda: _functional_mlp(keras.layers), 1, units=2)()


def test_code_solutions_are_written_once():
    with pytest.raises(TypeError, match="builder's code"):
        ModelExercise("qm", "mlp", reference=small_mlp, solution="model = ...")
    with pytest.raises(TypeError, match="reference's code"):
        FunctionExercise("qf", "conv", [Case((1, 1, 0, 1), 1)], reference=conv_size,
                         solution="def conv_size(): ...")
    q = FunctionExercise("qf", "conv", [Case((1, 1, 0, 1), 1)], reference=conv_size)
    assert q.solution_text().startswith("def conv_size(n, f, p, s):\n    return")


@pytest.mark.parametrize("build, kind, where", [
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3, activation="softmax")), None, None),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3, activation="softmax"),
                    shape=(5,)), "input_shape", None),
    (lambda L: _mlp(L.Dense(8, activation="relu")), "layer_count", None),
    (lambda L: _mlp(L.Dropout(0.1), L.Dense(3, activation="softmax")), "layer_type", (1,)),
    (lambda L: _mlp(L.Dense(8, activation="tanh"), L.Dense(3, activation="softmax")),
     "setting", (1, "activation")),
])
def test_compare_models_returns_structured_mismatches(build, kind, where):
    import keras

    from dlbook.exercises.model import compare_models, signature

    m = compare_models(signature(build(keras.layers)), signature(small_mlp()))
    if kind is None:
        assert m is None
    else:
        assert (m.kind, m.where) == (kind, where) and m.text


def test_trained_on_logits_reads_every_form_of_the_compiled_loss():
    import keras

    from dlbook.exercises.model import trained_on_logits

    def compiled(loss):
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
        model.compile(loss=loss)
        return model

    logits = keras.losses.BinaryCrossentropy(from_logits=True)
    probabilities = keras.losses.BinaryCrossentropy()
    assert trained_on_logits(compiled(logits))
    assert trained_on_logits(compiled([logits]))
    assert not trained_on_logits(compiled("binary_crossentropy"))
    assert not trained_on_logits(compiled(probabilities))
    assert not trained_on_logits(keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)]))


def test_margin_rule_finds_each_way_a_target_lacks_its_margin():
    from dlbook.exercises.design import Margin

    def margin(reference, baseline, *, higher=True, target=0.5, base="code", backends=None):
        measured = {b: (reference, baseline) for b in (backends or ("tensorflow", "jax"))}
        return Margin("q1", "accuracy", target, higher, "code", base, measured)

    assert margin((0.9, 0.91, 0.92), (0.1, 0.12, 0.11)).violations() == []
    # lower is better: a loss target of 0.5
    assert margin((0.1, 0.12, 0.11), (0.9, 0.91, 0.92), higher=False).violations() == []
    # the reference passes, but by less than twice its spread (0.55 - 0.5 < 2 x 0.2)
    (line, _) = margin((0.55, 0.75, 0.6), (0.1, 0.12, 0.11)).violations()
    assert "reference" in line and "tensorflow" in line
    # the baseline passes the target
    assert all("baseline" in v for v in margin((0.9, 0.91, 0.92), (0.6, 0.1, 0.1)).violations())
    # two seeds only; one backend only; baseline values without a baseline
    assert "2 reference values, not 3" in margin((0.9, 0.91), (0.1, 0.1, 0.1)).violations()[0]
    assert "measured on" in margin((0.9,) * 3, (0.1,) * 3, backends=("jax",)).violations()[0]
    assert "no baseline" in margin((0.9,) * 3, (0.1,) * 3, base=None).violations()[0]
    assert margin((0.9,) * 3, (), base=None).violations() == []
