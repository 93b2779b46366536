"""A function answer, run on test cases."""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from dlbook.exercises.compare import compare, fmt, matches, require_callable, sentence
from dlbook.exercises.core import INCORRECT, Exercise, Incorrect, NotAttempted, call_student


@dataclasses.dataclass
class Case:
    """One test case of a function exercise.

    ``message`` (may use ``{got}``, ``{expected}``, ``{call}``) is the
    feedback when the function returns the right kind of value with the wrong
    numbers; ``mistakes=[(value, message)]`` gives known wrong results their
    own feedback.
    """

    args: tuple = ()
    expected: Any = None
    message: str | None = None
    atol: float = 1e-6
    kwargs: dict = dataclasses.field(default_factory=dict)
    mistakes: Sequence[tuple[Any, str]] = ()

    def call_text(self, func_name: str) -> str:
        parts = [fmt(a) for a in self.args] + [f"{k}={fmt(v)}" for k, v in self.kwargs.items()]
        return f"{func_name}({', '.join(parts)})"


def _stub_function(*args, **kwargs):
    raise NotImplementedError()


def source_of(func: Callable) -> str:
    """The dedented source of a function (what ``solution()`` shows)."""
    try:
        return textwrap.dedent(inspect.getsource(func)).strip()
    except (OSError, TypeError):
        return f"(no source available for {func!r})"


class FunctionExercise(Exercise):
    """A function, run against test cases; the solution is the reference's source."""

    kind = "function"
    blank = staticmethod(_stub_function)

    def __init__(self, name: str, title: str, cases: Sequence[Case], *,
                 reference: Callable, func_name: str | None = None,
                 correct_message: str = "", **kwargs):
        if "solution" in kwargs:
            raise TypeError(f"{name}: a function exercise's solution is its reference's "
                            "code; do not pass solution=")
        super().__init__(name, title, reference=reference, **kwargs)
        self.cases = list(cases)
        self.func_name = func_name or reference.__name__
        self.correct_message = correct_message

    @property
    def answer_name(self) -> str:
        return self._answer_name or self.func_name

    def solution_text(self) -> str:
        return source_of(self.reference)

    def blank_message(self) -> str:
        return f"write the body of {self.func_name}, then run this cell again."

    def grade(self, answer: Any) -> str:
        require_callable(answer, self.func_name)
        for case in self.cases:
            self._run_case(answer, case)
        n = len(self.cases)
        return self.correct_message or f"{self.func_name} passes all {n} test cases."

    def _run_case(self, answer: Callable, case: Case) -> None:
        call = case.call_text(self.func_name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # NaN/inf results get their own message
            got = call_student(answer, *case.args, when=f", when called as {call}",
                               blank_message=self.blank_message(), **case.kwargs)
        if got is Ellipsis:
            raise NotAttempted(self.blank_message())
        if got is None and case.expected is not None:
            raise NotAttempted(f"{call} returned None. Write the body of {self.func_name} "
                               "and make sure it ends with `return ...`.")
        words = dict(got=fmt(got), expected=fmt(case.expected), call=call)
        for value, message in case.mistakes:
            if matches(got, value, atol=case.atol):
                raise Incorrect(message.format(**words))
        mismatch = compare(got, case.expected, atol=case.atol, what="the result")
        if mismatch is None:
            return
        if mismatch.kind == "nan":
            raise Incorrect(f"{call} returned NaN (not a number): look for 0/0, "
                            "log(0) or an overflow.")
        # A plain wrong value gets the case's own message; a wrong type or
        # shape gets what is wrong with it.
        if mismatch.kind == "value" and case.message:
            raise Incorrect(case.message.format(**words))
        detail = "" if mismatch.kind == "value" else f" ({mismatch.text})"
        raise Incorrect(sentence(f"{call} should return {words['expected']}; "
                                 f"you returned {words['got']}{detail}"))

    def self_test(self) -> list[str]:
        """Also: a student function that raises is reported in one line."""
        problems = super().self_test()

        def raising(*args, **kwargs):
            raise ZeroDivisionError("division by zero")

        result = self.evaluate(raising)
        if result.status != INCORRECT or "Your function raised ZeroDivisionError" not in result.message:
            problems.append(f"{self.name}: a raising function is not reported: {result.text}")
        return problems
