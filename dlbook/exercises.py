"""Exercises that check themselves (the Kaggle learntools pattern).

A lab module (``dlbook/labs/labNN.py``) defines exercise objects; the
notebook imports them and the student calls three methods::

    from dlbook.labs.lab00 import q1, q2
    q1.check(y_in)      # Correct / Incorrect / Not attempted, with the reason
    q1.hint()           # hint 1; q1.hint(2) is the next, more direct one
    q1.solution()       # the reference answer

Everything is passed explicitly: nothing reads globals or the notebook file,
nothing needs a network, and the same code works in Jupyter, Colab and a
plain ``python`` session (where the feedback is printed as text).

Kinds of exercise
-----------------
``ValueExercise(name, title, expected, atol=1e-6, rtol=0.0, hints=..., solution=...)``
    A number, an array (shape and values checked; ``dtype="int"|"float"``
    optional) or a tuple such as an output shape (compared exactly, entry by
    entry). ``mistakes=[(value, "message"), ...]`` maps known wrong answers to
    specific feedback.
``FunctionExercise(name, title, cases=[Case(...), ...], reference=func, ...)``
    The student's function is run on each :class:`Case`
    (``Case(args=(0.0,), expected=0.5, message="sigmoid(0) should be 0.5; you
    returned {got}: ...", atol=1e-6, kwargs={}, mistakes=[(value, msg)])``).
    ``message`` may use ``{got}``, ``{expected}`` and ``{call}``.
``ModelExercise(name, title, reference=build_fn, ...)``
    A Keras model, compared with the model ``build_fn()`` returns: input
    shape, number and types of layers, units/filters/kernel size/strides/
    padding/activation/rate/pool size of each, output shape and parameter
    count. Keras is imported only when a model is checked. ``reference`` and
    the answers in ``wrong_answers`` are zero-argument *builders* (functions
    returning a fresh model); the student passes the model itself.
``WrittenExercise(name, title, model_answer="...", key_points=[...])``
    A written answer: ``check()`` says there is no automatic check and how to
    compare with the model answer; ``solution()`` shows it.

Every exercise takes ``hints=[...]`` (``hint(n)`` beyond the last one says
so), ``solution="code or text"`` (functions default to the reference's
source), ``points=1`` (for the nbgrader export) and, for the self-tests,
``wrong_answers=[Wrong(answer, "substring of the message it must produce")]``
(at least two; a value exercise adds each of its ``mistakes`` to them, so
list there only wrong answers without a message of their own). ``q.reference`` is the reference answer (a value, a
function, a model builder, or the model answer text) and ``q.blank`` the stub
a student starts from.

What ``check`` does
-------------------
It shows one line of feedback, starting with a text label: ``Correct:``,
``Incorrect:``, ``Not attempted:`` or ``No automatic check:``. In IPython it
displays an HTML version with a coloured label plus the same words in
``text/plain`` (what nbval compares); elsewhere it prints the text. It
returns a :class:`Result` (``bool(result)`` is True only when correct;
``result.status`` and ``result.message`` hold the details). It never raises.

* Blank answers are "Not attempted": ``...`` (the stub of a value), and a
  function that raises ``NotImplementedError`` or returns ``...`` or
  ``None``.
* An exception inside the student's function is reported in one line:
  ``Your function raised ZeroDivisionError: division by zero (line 3:
  return 1 / x)``; the checker's own traceback never shows.

Other methods
-------------
``q.assert_check(answer)``
    For autograding (nbgrader test cells): shows the same feedback and raises
    ``AssertionError(message)`` unless the answer is correct.
``q.answer_or_reference(answer)``
    Returns the answer when it is correct; otherwise prints why and returns
    the reference (for a function exercise the reference function, for a
    model exercise a freshly built reference model), so that the cells after
    an unanswered exercise still run.
``q.evaluate(answer)``
    The :class:`Result` without showing anything.

Writing a lab (see ``dlbook/labs/lab00.py`` for a complete example)
---------------------------------------------------------------------
* ``dlbook/labs/labNN.py`` defines the exercises, each bound to a variable
  of the same name as its ``name`` (``q1 = ValueExercise("q1", ...)``), and
  ends with ``NOTEBOOK = "NN_title.ipynb"`` and ``EXERCISES = [q1, q2, ...]``.
  ``tests/test_exercises.py`` finds it and self-tests every exercise:
  reference passes, each ``Wrong`` fails with its message, blank says "Not
  attempted", a raising function is reported in one line.
* The solution notebook ``solutions/NN_title.ipynb`` imports them with
  ``from dlbook.labs.labNN import q1, q2`` and calls ``qN.check(...)`` for
  every exercise of ``EXERCISES`` (a test checks this). Put each check in its
  own cell, as ``qN.check(answer)`` on one line (the nbgrader export turns
  that cell into an autograded test cell).
* Mark solution code with ``### BEGIN SOLUTION`` / ``### END SOLUTION``
  (whole statements; inside a ``def`` the student gets
  ``raise NotImplementedError()``, at top level ``name = ...`` for each name
  the block assigns) or end one line with ``# SOLUTION``
  (``x = 0.6295  # SOLUTION`` becomes ``x = ...  # YOUR CODE HERE``).
  ``tools/make_labs.py`` writes the student copy to ``labs/``.
* A cell after an exercise that needs the student's result uses
  ``y = qN.answer_or_reference(y)`` so the student copy runs top to bottom.
* Only ``qN.check(variable)`` is graded by the nbgrader export.
  Demonstrations that check anything else (``q1.check(...)``,
  ``q1.check(0.18)``, ``q1.check(lambda z: ...)``) are not; tag a cell
  ``not-graded`` when it demonstrates with a variable (e.g. a deliberately
  broken function). Every exercise needs one real ``qN.check(answer)``.
* Cells whose outputs the student copy keeps (data, plots, ``dlbook.glue``
  values that the prose shows) are tagged ``keep-output``; cells only for the
  solution are tagged ``solution-only``. MyST labels in a solution notebook
  end in ``-solution`` (``(lab1-start-solution)=``); the lab gets the plain
  label (``lab1-start``).
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import linecache
import math
import numbers
import os
import sysconfig
import textwrap
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

__all__ = [
    "Case",
    "Exercise",
    "FunctionExercise",
    "ModelExercise",
    "Result",
    "ValueExercise",
    "Wrong",
    "WrittenExercise",
    "exercises_in",
    "show",
]

CORRECT = "correct"
INCORRECT = "incorrect"
BLANK = "blank"
UNCHECKED = "unchecked"

LABELS = {
    CORRECT: "Correct",
    INCORRECT: "Incorrect",
    BLANK: "Not attempted",
    UNCHECKED: "No automatic check",
    "hint": "Hint",
    "solution": "Solution",
    "model-answer": "Model answer",
    "info": "Note",
}
# Colour-blind-safe pairs (white text); the words carry the meaning anyway.
COLOURS = {
    CORRECT: "#1a7f37",
    INCORRECT: "#b3261e",
    BLANK: "#5f6368",
    UNCHECKED: "#1f5fa8",
    "hint": "#8a5a00",
    "solution": "#1f5fa8",
    "model-answer": "#1f5fa8",
    "info": "#5f6368",
}

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_LIBRARY_DIRS = tuple(
    {str(Path(p).resolve()) for k, p in sysconfig.get_paths().items()
     if k in ("stdlib", "platstdlib", "purelib", "platlib") and p}
)


# ---- display ---------------------------------------------------------------

def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    return get_ipython() is not None


def show(kind: str, text: str, *, code: bool = False) -> None:
    """Show ``LABEL: text`` as HTML (in IPython) or as printed text.

    ``kind`` is a status (``correct``, ``incorrect``, ``blank``,
    ``unchecked``) or ``hint``, ``solution``, ``info``. With ``code=True``
    the text is shown as a code block under the label.
    """
    label = LABELS[kind]
    plain = f"{label}:\n{text}" if code else f"{label}: {text}"
    if not _in_ipython():
        print(plain)
        return
    from IPython.display import display

    badge = (
        f'<span style="background:{COLOURS[kind]};color:#fff;font-weight:bold;'
        f'padding:0 0.4em;border-radius:3px">{label}</span>'
    )
    if code:
        body = f'<pre style="margin:0.3em 0 0 0">{html.escape(text)}</pre>'
    else:
        body = " " + html.escape(text)
    display(
        {"text/plain": plain, "text/html": f'<div class="dlbook-feedback">{badge}{body}</div>'},
        raw=True,
    )


@dataclasses.dataclass
class Result:
    """The outcome of a check. ``bool(result)`` is True only when correct."""

    status: str  # correct | incorrect | blank | unchecked
    message: str
    exercise: str = ""

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def text(self) -> str:
        return f"{self.label}: {self.message}"

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Result({self.status!r}, {self.message!r})"

    def _ipython_display_(self) -> None:
        # check() has already shown the feedback; showing the returned
        # Result again when it ends a cell would print it twice.
        return None


@dataclasses.dataclass(frozen=True)
class Wrong:
    """A recorded wrong answer and a substring of the feedback it must produce."""

    answer: Any
    message: str


class _Blank(Exception):
    """Internal: the student's answer is a stub."""


class _Problem(Exception):
    """Internal: the answer is wrong; the message says why."""


# ---- formatting helpers -------------------------------------------------------

def _fmt(value: Any) -> str:
    """Short, stable text for a value in a message."""
    if value is Ellipsis:
        return "..."
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x) or math.isinf(x):
            return str(x)
        return f"{x:.6g}" if x != int(x) or abs(x) >= 1e15 else f"{x:.1f}"
    if hasattr(value, "shape") and hasattr(value, "tolist"):
        shape = tuple(value.shape)
        if len(shape) == 0:
            return _fmt(value.item())
        if int(_prod(shape)) <= 8:
            return "array(" + _fmt(value.tolist()) + ")"
        return f"an array of shape {shape}"
    if isinstance(value, tuple):
        inner = ", ".join(_fmt(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


def _is_number(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, numbers.Real):
        return True
    return hasattr(x, "shape") and getattr(x, "shape", None) == () and hasattr(x, "item") and (
        _is_number(x.item())
    )


def _student_line(exc: BaseException) -> str:
    """'(line N: code)' of the deepest frame that is the student's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    own = [f for f in mine if not str(Path(f.filename).resolve()).startswith(_LIBRARY_DIRS)
           and not f.filename.startswith("<frozen")]
    frame = (own or mine or [None])[-1]
    if frame is None:
        return ""
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    name = os.path.basename(frame.filename)
    cell = "ipykernel" in frame.filename or name.startswith("<ipython-input")
    where = f"line {frame.lineno}" if cell or not os.path.exists(frame.filename) else (
        f"{name}, line {frame.lineno}"
    )
    return f" ({where}: {code})" if code else f" ({where})"


def _describe_exception(exc: BaseException, what: str = "Your function") -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(msg) > 160:
        msg = msg[:157] + "..."
    name = type(exc).__name__
    return f"{what} raised {name}{': ' + msg if msg else ''}{_student_line(exc)}"


# ---- comparing values -----------------------------------------------------------

def _as_array(value: Any):
    import numpy as np

    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()  # a tensor
    return np.asarray(value)


def compare_values(got: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 0.0,
                   dtype: str | None = None, what: str = "your answer") -> str | None:
    """None when ``got`` matches ``expected``; otherwise why not, in words.

    ``expected`` is a number, a tuple (compared exactly, e.g. a shape), or
    an array-like (shape, then values within ``atol + rtol*|expected|``).
    """
    import numpy as np

    if not isinstance(got, np.ndarray) and callable(getattr(got, "numpy", None)):
        try:
            got = got.numpy()  # a TensorFlow or torch tensor
        except Exception:  # noqa: BLE001
            pass
    if got is None:
        return f"{what} is None, not a value: did a function forget to `return` its result?"
    if isinstance(got, str):
        return f"{what} is the text {got!r}, not a number: remove the quotes"
    if isinstance(expected, bool) or isinstance(got, bool):
        if isinstance(expected, bool) and isinstance(got, (bool, np.bool_)):
            return None if bool(got) == expected else f"{what} is {got}, not {expected}"
        if isinstance(expected, bool):
            return f"{what} should be True or False, not {_type_name(got)}"
        return f"{what} is {got} (a bool), but a number is expected"
    if isinstance(expected, tuple):
        if hasattr(got, "as_list"):  # a TensorShape
            got = tuple(got.as_list())
        if not isinstance(got, (tuple, list, np.ndarray)):
            return f"{what} is {_fmt(got)}, but a tuple such as {_fmt(expected)} is expected"
        got_t = tuple(got.tolist() if isinstance(got, np.ndarray) else got)
        if len(got_t) != len(expected):
            n = len(got_t)
            return (f"{what} {_fmt(got_t)} has {n} {'entry' if n == 1 else 'entries'}, "
                    f"but {len(expected)} are expected, like {_fmt(expected)}")
        for i, (g, e) in enumerate(zip(got_t, expected)):
            if e is None:
                if g is not None:
                    return f"entry {i} of {what} is {_fmt(g)}; it should be None (the batch size)"
                continue
            if not (_is_number(g) or g is None):
                return f"entry {i} of {what} is {_fmt(g)}, not a number"
            if g is None or not math.isclose(float(g), float(e), rel_tol=rtol, abs_tol=atol):
                return f"{what} is {_fmt(got_t)}, but the expected value is {_fmt(expected)}"
        return None
    if _is_number(expected):
        if hasattr(got, "shape") and hasattr(got, "tolist") and _prod(got.shape) == 1:
            got_x = _as_array(got).reshape(()).item()
        else:
            got_x = got
        if not _is_number(got_x):
            return f"{what} is {_fmt(got)} ({_type_name(got)}), but a single number is expected"
        g, e = float(got_x), float(expected)
        if math.isnan(g):
            return f"{what} is NaN (not a number): look for 0/0, log(0) or an overflow"
        if math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
            return None
        return f"{what} is {_fmt(got_x)}, which is not the expected value"
    # arrays
    exp = _as_array(expected)
    try:
        arr = _as_array(got)
    except Exception:  # noqa: BLE001 - anything that numpy cannot read
        return f"{what} ({_type_name(got)}) cannot be read as an array"
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return f"{what} ({_type_name(got)}) is not an array of numbers"
    if arr.shape != exp.shape:
        return f"{what} has shape {_fmt(tuple(arr.shape))}, but the expected shape is {_fmt(tuple(exp.shape))}"
    if dtype == "int" and not np.issubdtype(arr.dtype, np.integer):
        return f"{what} has dtype {arr.dtype}, but integers are expected"
    if dtype == "float" and not np.issubdtype(arr.dtype, np.floating):
        return f"{what} has dtype {arr.dtype}, but floating-point numbers are expected"
    if np.isnan(arr.astype(float)).any() and not np.isnan(exp.astype(float)).any():
        return f"{what} contains NaN: look for 0/0, log(0) or an overflow"
    close = np.isclose(arr.astype(float), exp.astype(float), rtol=rtol, atol=atol)
    if close.all():
        return None
    bad = int((~close).sum())
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    return (f"{bad} of {exp.size} entries of {what} differ from the expected values; "
            f"the first is at index {idx}: {_fmt(arr[idx])} instead of {_fmt(exp[idx])}")


def _sentence(text: str) -> str:
    """End ``text`` with a full stop unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def _matches(got: Any, value: Any, atol: float) -> bool:
    try:
        return compare_values(got, value, atol=atol) is None
    except Exception:  # noqa: BLE001
        return False


# ---- the exercise base class --------------------------------------------------------

class Exercise:
    """What every exercise has: a name, hints, a solution and the self-test data."""

    kind = "exercise"

    def __init__(self, name: str, title: str, *, hints: Sequence[str] = (),
                 solution: str | None = None, reference: Any = None,
                 wrong_answers: Sequence[Wrong] = (), points: int = 1,
                 prompt: str = ""):
        self.name = name
        self.title = title
        self.prompt = prompt
        self.hints = list(hints)
        self._solution = solution
        self.reference = reference
        self.wrong_answers = [w if isinstance(w, Wrong) else Wrong(*w) for w in wrong_answers]
        self.points = points

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {self.title}>"

    # -- what subclasses define
    blank: Any = Ellipsis

    def _grade(self, answer: Any) -> str:
        """Return the 'Correct' message, or raise _Blank / _Problem."""
        raise NotImplementedError

    def solution_text(self) -> str:
        return textwrap.dedent(self._solution or "").strip()

    def _solution_or_source(self) -> str:
        if self._solution:
            return textwrap.dedent(self._solution).strip()
        try:
            return textwrap.dedent(inspect.getsource(self.reference)).strip()
        except (OSError, TypeError):
            return f"(no source available for {self.reference!r})"

    # -- the student's calls
    def evaluate(self, answer: Any) -> Result:
        """The :class:`Result` of checking ``answer``, without showing it."""
        if answer is Ellipsis:
            return Result(BLANK, self._blank_message(), self.name)
        try:
            message = self._grade(answer)
        except _Blank as why:
            return Result(BLANK, str(why) or self._blank_message(), self.name)
        except _Problem as why:
            return Result(INCORRECT, str(why), self.name)
        except Exception as exc:  # noqa: BLE001 - never show the checker's traceback
            return Result(INCORRECT, _describe_exception(exc, "Checking your answer"), self.name)
        return Result(CORRECT, message, self.name)

    def check(self, answer: Any) -> Result:
        """Check ``answer``, show one line of feedback, return the Result."""
        result = self.evaluate(answer)
        show(result.status, result.message)
        return result

    def assert_check(self, answer: Any) -> None:
        """Like check(), but raise AssertionError unless the answer is correct."""
        result = self.check(answer)
        if not result.correct:
            raise AssertionError(f"{self.name}: {result.text}")

    def hint(self, n: int = 1) -> None:
        """Show hint ``n`` (1 is the gentlest)."""
        total = len(self.hints)
        if total == 0:
            show("hint", f"{self.name} has no hints. See {self.name}.solution() if you are stuck.")
        elif not isinstance(n, int) or n < 1:
            show("hint", f"Hints are numbered from 1 to {total}: try {self.name}.hint(1).")
        elif n > total:
            only = "only one hint" if total == 1 else f"only {total} hints"
            show("hint", f"{self.name} has {only}. If you are still stuck, "
                         f"{self.name}.solution() shows the answer.")
        else:
            more = f" ({self.name}.hint({n + 1}) is more direct.)" if n < total else ""
            show("hint", f"({n} of {total}) {self.hints[n - 1]}{more}")

    def solution(self) -> None:
        """Show the reference answer."""
        show("solution", self.solution_text(), code=True)

    def answer_or_reference(self, answer: Any) -> Any:
        """The answer if it is correct; otherwise, with a printed note, the reference."""
        result = self.evaluate(answer)
        if result.correct:
            return answer
        why = "is not answered yet" if result.status == BLANK else "is not correct yet"
        print(f"Note: {self.name} {why}, so the cells below use the reference answer.")
        return self._reference_value()

    def _reference_value(self) -> Any:
        return self.reference

    def _blank_message(self) -> str:
        return f"replace the ... with your answer, then run this cell again."

    def _known_mistake(self, got: Any, mistakes, atol: float) -> str | None:
        for value, message in mistakes:
            if _matches(got, value, atol):
                return message
        return None


# ---- values ------------------------------------------------------------------------------

class ValueExercise(Exercise):
    """A number, an array or a tuple, compared with a tolerance."""

    kind = "value"

    def __init__(self, name: str, title: str, expected: Any, *, atol: float = 1e-6,
                 rtol: float = 0.0, dtype: str | None = None,
                 mistakes: Sequence[tuple[Any, str]] = (), correct_message: str = "",
                 **kwargs):
        kwargs.setdefault("reference", expected)
        super().__init__(name, title, **kwargs)
        self.expected = expected
        self.atol = atol
        self.rtol = rtol
        self.dtype = dtype
        self.mistakes = list(mistakes)
        self.correct_message = correct_message
        # Every known mistake is also a recorded wrong answer: the self-tests
        # check that it fails with exactly its message. List in `wrong_answers`
        # only the wrong answers that have no message of their own.
        self.wrong_answers += [Wrong(value, message) for value, message in self.mistakes]

    def _grade(self, answer: Any) -> str:
        known = self._known_mistake(answer, self.mistakes, self.atol)
        if known:
            raise _Problem(known)
        problem = compare_values(answer, self.expected, atol=self.atol, rtol=self.rtol,
                                 dtype=self.dtype)
        if problem:
            raise _Problem(_sentence(problem))
        return self.correct_message or f"{_fmt(answer)} is right."


# ---- functions -----------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    """One test case of a function exercise."""

    args: tuple = ()
    expected: Any = None
    message: str | None = None  # may use {got}, {expected}, {call}
    atol: float = 1e-6
    kwargs: dict = dataclasses.field(default_factory=dict)
    mistakes: Sequence[tuple[Any, str]] = ()  # (wrong value, message) for this case

    def call_text(self, func_name: str) -> str:
        parts = [_fmt(a) for a in self.args] + [f"{k}={_fmt(v)}" for k, v in self.kwargs.items()]
        return f"{func_name}({', '.join(parts)})"


def _quiet_numpy():
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()
    return np.errstate(all="ignore")


def _stub_function(*args, **kwargs):
    raise NotImplementedError()


class FunctionExercise(Exercise):
    """A function, run against test cases."""

    kind = "function"
    blank = staticmethod(_stub_function)

    def __init__(self, name: str, title: str, cases: Sequence[Case], *,
                 reference: Callable, func_name: str | None = None,
                 correct_message: str = "", **kwargs):
        super().__init__(name, title, reference=reference, **kwargs)
        self.cases = list(cases)
        self.func_name = func_name or reference.__name__
        self.correct_message = correct_message

    def solution_text(self) -> str:
        return self._solution_or_source()

    def _blank_message(self) -> str:
        return f"write the body of {self.func_name}, then run this cell again."

    def _grade(self, answer: Any) -> str:
        if not callable(answer):
            raise _Problem(
                f"expected a function, but you passed {_fmt(answer)} ({_type_name(answer)}). "
                f"Pass the function itself, {self.func_name}, without calling it."
            )
        for case in self.cases:
            call = case.call_text(self.func_name)
            try:
                with warnings.catch_warnings(), _quiet_numpy():
                    warnings.simplefilter("ignore")  # NaN/inf results get their own message
                    got = answer(*case.args, **case.kwargs)
            except NotImplementedError:
                raise _Blank(self._blank_message()) from None
            except Exception as exc:  # noqa: BLE001
                raise _Problem(f"{_describe_exception(exc)}, when called as {call}.") from None
            if got is Ellipsis:
                raise _Blank(self._blank_message())
            if got is None and case.expected is not None:
                raise _Blank(
                    f"{call} returned None. Write the body of {self.func_name} "
                    "and make sure it ends with `return ...`."
                )
            known = self._known_mistake(got, case.mistakes, case.atol)
            if known:
                raise _Problem(known.format(got=_fmt(got), expected=_fmt(case.expected), call=call))
            problem = compare_values(got, case.expected, atol=case.atol, what="the result")
            if not problem:
                continue
            if "NaN" in problem:
                raise _Problem(f"{call} returned NaN (not a number): look for 0/0, "
                               "log(0) or an overflow.")
            # a plain wrong value gets the case's own message; a wrong type or
            # shape gets what is wrong with it
            plain = (_is_number(got) and _is_number(case.expected)) or (
                isinstance(case.expected, tuple) and "expected value is" in problem
            ) or "differ from the expected values" in problem
            if plain and case.message:
                raise _Problem(case.message.format(
                    got=_fmt(got), expected=_fmt(case.expected), call=call))
            detail = "" if plain else f" ({problem})"
            raise _Problem(_sentence(f"{call} should return {_fmt(case.expected)}; "
                                     f"you returned {_fmt(got)}{detail}"))
        n = len(self.cases)
        return self.correct_message or f"{self.func_name} passes all {n} test cases."


# ---- Keras models ---------------------------------------------------------------------------

LAYER_KEYS = ("units", "filters", "kernel_size", "strides", "padding", "activation",
              "rate", "pool_size", "use_bias")
KEY_WORDS = {
    "units": "units", "filters": "filters", "kernel_size": "kernel size",
    "strides": "strides", "padding": "padding", "activation": "activation",
    "rate": "dropout rate", "pool_size": "pool size", "use_bias": "use_bias",
}


def _layer_config(layer) -> dict:
    try:
        cfg = layer.get_config()
    except Exception:  # noqa: BLE001
        return {}
    out = {}
    for key in LAYER_KEYS:
        if key in cfg:
            value = cfg[key]
            if isinstance(value, dict):  # a serialised activation object
                value = value.get("config", {}).get("name", value.get("class_name"))
            if isinstance(value, list):
                value = tuple(value)
            out[key] = value
    return out


class ModelExercise(Exercise):
    """A Keras model, compared layer by layer with a reference model."""

    kind = "model"

    def __init__(self, name: str, title: str, *, reference: Callable[[], Any],
                 keys: Sequence[str] = LAYER_KEYS, check_params: bool = True,
                 correct_message: str = "", **kwargs):
        super().__init__(name, title, reference=reference, **kwargs)
        self.keys = tuple(keys)
        self.check_params = check_params
        self.correct_message = correct_message

    def solution_text(self) -> str:
        return self._solution_or_source()

    def _reference_value(self) -> Any:
        return self.reference()

    def _blank_message(self) -> str:
        return "build the model in place of the ..., then run this cell again."

    def _grade(self, answer: Any) -> str:
        import keras

        if answer is None:
            raise _Problem("your model is None: did a function forget to `return model`?")
        if not isinstance(answer, keras.Model):
            hint = " Pass the model object itself." if callable(answer) else ""
            raise _Problem(f"expected a Keras model, but you passed {_fmt(answer)} "
                           f"({_type_name(answer)}).{hint}")
        ref = self.reference()
        try:
            got_out = tuple(answer.output_shape) if answer.built else None
        except Exception:  # noqa: BLE001
            got_out = None
        if got_out is None:
            raise _Problem("your model is not built yet, so it has no shapes: start it "
                           "with keras.Input(shape=...).")
        if tuple(answer.input_shape) != tuple(ref.input_shape):
            raise _Problem(f"your model takes inputs of shape {_fmt(tuple(answer.input_shape))}, "
                           f"but the data has shape {_fmt(tuple(ref.input_shape))}: check keras.Input.")
        got_layers, ref_layers = list(answer.layers), list(ref.layers)
        ref_names = ", ".join(type(l).__name__ for l in ref_layers)
        if len(got_layers) != len(ref_layers):
            n = len(got_layers)
            raise _Problem(f"your model has {n} layer{'' if n == 1 else 's'}, but the exercise "
                           f"asks for {len(ref_layers)}: {ref_names}.")
        for i, (g, r) in enumerate(zip(got_layers, ref_layers), start=1):
            gt, rt = type(g).__name__, type(r).__name__
            if gt != rt:
                raise _Problem(f"layer {i} is a {gt} layer; the exercise asks for {rt} "
                               f"(the layers should be {ref_names}).")
            gc, rc = _layer_config(g), _layer_config(r)
            for key in self.keys:
                if key in rc and gc.get(key) != rc[key]:
                    word = KEY_WORDS[key]
                    if key in ("units", "filters"):
                        n = gc.get(key)
                        noun = word[:-1] if n == 1 else word
                        raise _Problem(f"{rt} layer {i} has {_fmt(n)} {noun}; "
                                       f"the exercise asks for {_fmt(rc[key])}.")
                    raise _Problem(f"{rt} layer {i} has {word} {_fmt(gc.get(key))}; "
                                   f"the exercise asks for {_fmt(rc[key])}.")
        ref_out = tuple(ref.output_shape)
        if got_out != ref_out:
            raise _Problem(f"your output has shape {_fmt(got_out)} but the model should give "
                           f"{_fmt(ref_out)}.")
        n_got, n_ref = answer.count_params(), ref.count_params()
        if self.check_params and n_got != n_ref:
            raise _Problem(f"your model has {n_got:,} parameters; the reference has {n_ref:,}.")
        return self.correct_message or (
            f"{len(ref_layers)} layers ({ref_names}), output shape {_fmt(ref_out)}, "
            f"{n_ref:,} parameters."
        )


# ---- written answers ---------------------------------------------------------------------------

class WrittenExercise(Exercise):
    """A written answer: no automatic check, a model answer to compare with."""

    kind = "written"

    def __init__(self, name: str, title: str, *, model_answer: str,
                 key_points: Sequence[str] = (), **kwargs):
        kwargs.setdefault("reference", model_answer)
        kwargs.setdefault("solution", model_answer)
        super().__init__(name, title, **kwargs)
        self.model_answer = model_answer
        self.key_points = list(key_points)

    def _blank_message(self) -> str:
        return ('replace the ... with your answer as text in quotes ("""like this"""), '
                "then run this cell again.")

    def evaluate(self, answer: Any) -> Result:
        if answer is Ellipsis or answer is None or (
                isinstance(answer, str) and answer.strip() in ("", "...")):
            return Result(BLANK, self._blank_message(), self.name)
        if not isinstance(answer, str):
            return Result(INCORRECT, f"write your answer as text in quotes, not as "
                                     f"{_type_name(answer)}.", self.name)
        points = ""
        if self.key_points:
            points = " A good answer mentions: " + "; ".join(self.key_points) + "."
        return Result(UNCHECKED, f"a written answer cannot be checked automatically. Compare "
                                 f"yours with the model answer: run {self.name}.solution().{points}",
                      self.name)

    def assert_check(self, answer: Any) -> None:
        """Written answers are graded by hand; this only fails on a blank."""
        result = self.check(answer)
        if result.status == BLANK:
            raise AssertionError(f"{self.name}: {result.text}")

    def solution(self) -> None:
        show("model-answer", self.solution_text())


# ---- discovery ---------------------------------------------------------------------------------

def exercises_in(module) -> list[Exercise]:
    """The exercises of a lab module: its ``EXERCISES`` list."""
    found = getattr(module, "EXERCISES", None)
    if found is None:
        raise AttributeError(f"{module.__name__} has no EXERCISES list")
    return list(found)
