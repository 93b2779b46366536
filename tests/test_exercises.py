"""The exercise checkers: every lab exercise self-tested, and the framework itself.

Part 1 runs over every exercise of every ``dlbook/labs/labNN.py`` module:
the reference passes, each recorded wrong answer fails with its message, the
blank stub reads "Not attempted", and a student function that raises is
reported in one line without a traceback.

Part 2 tests the framework with bad input: wrong types and shapes, None,
NaN, booleans, strings, models with the wrong layers, and the display.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlbook import exercises as ex
from dlbook.exercises import Case, FunctionExercise, ModelExercise, ValueExercise
from dlbook.exercises import WrittenExercise
from dlbook.labs import lab_modules
from tools import book

MODULES = lab_modules()
ALL = [(m, q) for m in MODULES for q in m.EXERCISES]


def ids(item):
    module, q = item
    return f"{module.__name__.rsplit('.', 1)[-1]}.{q.name}"


def answer_of(q, answer):
    """Model exercises record builders; everything else the answer itself."""
    return answer() if isinstance(q, ModelExercise) else answer


def one_line_output(capsys) -> str:
    out = capsys.readouterr()
    assert out.err == ""
    lines = out.out.strip("\n").split("\n")
    assert len(lines) == 1, f"feedback must be one line, got: {out.out!r}"
    return lines[0]


# ---- part 1: every exercise of every lab --------------------------------------

def test_labs_found():
    assert MODULES, "no dlbook/labs/labNN.py modules found"
    assert ALL, "the lab modules define no exercises"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_lab_module_layout(module):
    names = [q.name for q in module.EXERCISES]
    assert len(names) == len(set(names)), f"{module.__name__}: duplicate exercise names"
    for q in module.EXERCISES:
        assert isinstance(q, ex.Exercise)
        assert getattr(module, q.name, None) is q, (
            f"{module.__name__}: exercise {q.name!r} must be bound to a variable of that name"
        )
    assert (book.ROOT / "solutions" / module.NOTEBOOK).exists(), (
        f"{module.__name__}.NOTEBOOK = {module.NOTEBOOK!r} is not in solutions/"
    )


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_reference_passes(item, capsys):
    _, q = item
    result = q.check(answer_of(q, q.reference))
    line = one_line_output(capsys) if q.kind != "written" else capsys.readouterr().out
    if q.kind == "written":
        assert result.status == ex.UNCHECKED and "No automatic check" in line
        assert q.model_answer.strip()
    else:
        assert result.correct, f"{q.name}: the reference fails: {result.text}"
        assert bool(result) is True
        assert line.startswith("Correct: ")
        q.assert_check(answer_of(q, q.reference))  # does not raise


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_wrong_answers_fail_with_their_message(item, capsys):
    _, q = item
    if q.kind == "written":
        pytest.skip("a written answer has no automatic check")
    assert len(q.wrong_answers) >= 2, f"{q.name}: record at least two wrong answers"
    for wrong in q.wrong_answers:
        result = q.check(answer_of(q, wrong.answer))
        line = one_line_output(capsys)
        assert result.status == ex.INCORRECT, f"{q.name}: wrong answer accepted: {result.text}"
        assert not result
        assert line.startswith("Incorrect: ")
        assert wrong.message in result.message, (
            f"{q.name}: expected {wrong.message!r} in the feedback, got {result.message!r}"
        )
        with pytest.raises(AssertionError, match="Incorrect"):
            q.assert_check(answer_of(q, wrong.answer))
        capsys.readouterr()


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_blank_reads_not_attempted(item, capsys):
    _, q = item
    result = q.check(q.blank)
    line = one_line_output(capsys)
    assert result.status == ex.BLANK and not result
    assert line.startswith("Not attempted: ")
    if q.kind != "written":
        with pytest.raises(AssertionError, match="Not attempted"):
            q.assert_check(q.blank)
    capsys.readouterr()
    # the cells after an unanswered exercise get the reference, with a note
    fallback = q.answer_or_reference(q.blank)
    assert "is not answered yet" in capsys.readouterr().out
    if q.kind == "model":
        assert q.evaluate(fallback).correct
    else:
        assert fallback is q.reference


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_raising_student_function_reported_in_one_line(item, capsys):
    _, q = item
    if q.kind != "function":
        pytest.skip("only function exercises run student code")

    def student(*args, **kwargs):
        total = 0
        return sum(args) / total

    result = q.check(student)
    line = one_line_output(capsys)
    assert result.status == ex.INCORRECT
    assert "Traceback" not in line
    assert "Your function raised ZeroDivisionError: " in line
    assert "return sum(args) / total" in line  # the student's own line


@pytest.mark.parametrize("item", ALL, ids=ids)
def test_hints_and_solution(item, capsys):
    _, q = item
    assert q.hints, f"{q.name}: give at least one hint"
    q.hint()
    assert capsys.readouterr().out.startswith(f"Hint: (1 of {len(q.hints)})")
    q.hint(len(q.hints) + 1)
    assert "only" in capsys.readouterr().out
    q.solution()
    shown = capsys.readouterr().out
    assert shown.startswith(("Solution:", "Model answer:")) and len(shown) > 20


# ---- part 2: the framework with bad input ---------------------------------------

@pytest.fixture
def scalar():
    return ValueExercise("qs", "scalar", 0.5, atol=1e-6,
                         mistakes=[(0.25, "that is half the answer")])


@pytest.mark.parametrize("answer, status, words", [
    (0.5, ex.CORRECT, "0.5 is right"),
    (np.float32(0.5), ex.CORRECT, "right"),
    (np.array(0.5), ex.CORRECT, "right"),
    (np.array([0.5]), ex.CORRECT, "right"),  # a one-element array is a number
    (0.25, ex.INCORRECT, "that is half the answer"),
    (0.6, ex.INCORRECT, "not the expected value"),
    (..., ex.BLANK, "replace the ..."),
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


def test_value_array_dtype():
    q = ValueExercise("q", "int array", np.array([1, 2]), dtype="int")
    assert q.evaluate(np.array([1, 2])).correct
    assert "integers are expected" in q.evaluate(np.array([1.0, 2.0])).message


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
    (lambda n, f, p, s: [18], ex.INCORRECT, "should return 18; you returned [18]"),
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
    assert "NaN" in q.evaluate(lambda z: float("nan")).message
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


def test_result_object():
    r = ex.Result(ex.CORRECT, "fine.", "q1")
    assert bool(r) and r.correct and str(r) == "Correct: fine." and r.label == "Correct"
    assert r._ipython_display_() is None  # not shown twice when it ends a cell
    assert not ex.Result(ex.INCORRECT, "no.", "q1")


def test_html_and_text_display_in_ipython(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(ex, "_in_ipython", lambda: True)
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


def test_exercises_in_requires_a_list():
    import types

    with pytest.raises(AttributeError):
        ex.exercises_in(types.ModuleType("empty"))


# ---- Keras models ------------------------------------------------------------------

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


@pytest.mark.parametrize("build, words", [
    (lambda L: _mlp(L.Dense(16, activation="relu"), L.Dense(3, activation="softmax")),
     "Dense layer 1 has 16 units; the exercise asks for 8."),
    (lambda L: _mlp(L.Dense(8, activation="sigmoid"), L.Dense(3, activation="softmax")),
     "Dense layer 1 has activation 'sigmoid'; the exercise asks for 'relu'."),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3)),
     "activation 'linear'"),
    (lambda L: _mlp(L.Dense(8, activation="relu")), "has 1 layer, but the exercise asks for 2"),
    (lambda L: _mlp(L.Dropout(0.5), L.Dense(3, activation="softmax")),
     "layer 1 is a Dropout layer; the exercise asks for Dense"),
    (lambda L: _mlp(L.Dense(8, activation="relu"), L.Dense(3, activation="softmax"), shape=(5,)),
     "inputs of shape (None, 5)"),
    (lambda L: __import__("keras").Sequential([L.Dense(8, activation="relu"),
                                               L.Dense(3, activation="softmax")]),
     "not built yet"),
    (lambda L: _mlp(L.Dense(8, activation="relu", use_bias=False), L.Dense(3, activation="softmax")),
     "use_bias False"),
    (lambda L: small_mlp, "Pass the model object itself"),
    (lambda L: "model", "expected a Keras model"),
    (lambda L: None, "your model is None"),
])
def test_model_exercise_wrong(model_q, build, words):
    import keras

    result = model_q.evaluate(build(keras.layers))
    assert result.status == ex.INCORRECT, result.text
    assert words in result.message, result.message


def test_value_accepts_backend_tensors():
    import keras

    assert ValueExercise("q", "t", 0.5).evaluate(keras.ops.convert_to_tensor(0.5)).correct
    q = ValueExercise("q", "t", np.array([1.0, 2.0]))
    assert q.evaluate(keras.ops.convert_to_tensor([1.0, 2.0])).correct
    assert "shape (3,)" in q.evaluate(keras.ops.convert_to_tensor([1.0, 2.0, 3.0])).message


def test_model_output_shape_and_params():
    import keras

    def conv():
        return _mlp(keras.layers.Conv2D(4, 3), shape=(8, 8, 1))

    q = ModelExercise("qc", "conv", reference=conv, keys=())  # layer settings not compared
    r = q.evaluate(_mlp(keras.layers.Conv2D(4, 3, padding="same"), shape=(8, 8, 1)))
    assert "your output has shape (None, 8, 8, 4) but the model should give (None, 6, 6, 4)" in r.message
    r = ModelExercise("qc", "conv", reference=conv, keys=("filters",)).evaluate(
        _mlp(keras.layers.Conv2D(4, 3, use_bias=False), shape=(8, 8, 1)))
    assert "36 parameters; the reference has 40" in r.message
