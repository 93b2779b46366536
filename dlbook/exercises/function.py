"""A function answer, run on test cases."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
import textwrap
from typing import Any, Callable, Sequence

import numpy as np

from dlbook.exercises.compare import compare, fmt, matches, require_callable, sentence
from dlbook.exercises.core import (
    INCORRECT, Exercise, Incorrect, NotAttempted, Wrong, call_student,
)
from dlbook.exercises.running import all_finite, call_on_copies, changed_argument, copies, quiet
from dlbook.exercises.running import draw_cases, redrawn
from dlbook.exercises.running import slip_on_every_case


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


def _does_work(func: Callable) -> bool:
    """Whether ``func``'s body does more than a stub's (``...``, ``pass``, ``return None``):
    it names something or assigns a local variable."""
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    n_args = (code.co_argcount + code.co_kwonlyargcount
              + bool(code.co_flags & inspect.CO_VARARGS)
              + bool(code.co_flags & inspect.CO_VARKEYWORDS))
    return bool(code.co_names) or len(code.co_varnames) > n_args or any(
        hasattr(c, "co_code") for c in code.co_consts)


def _literal_part(message: str) -> str:
    """The longest part of a message template outside its ``{placeholders}``."""
    return max(re.split(r"\{[^}]*\}", message), key=len).strip()


def _stub_function(*args, **kwargs):
    raise NotImplementedError()


def source_of(func: Callable) -> str:
    """The dedented source of a function (what ``solution()`` shows)."""
    try:
        return textwrap.dedent(inspect.getsource(func)).strip()
    except (OSError, TypeError):
        return f"(no source available for {func!r})"


class FunctionAnswer(Exercise):
    """What the kinds whose answer is a function share: the stub a student starts
    from raises NotImplementedError, and the solution is the reference's source."""

    blank = staticmethod(_stub_function)

    def solution_text(self) -> str:
        return source_of(self.reference)

    def blank_message(self) -> str:
        return f"write the body of {self.func_name}, then run this cell again."


class FunctionExercise(FunctionAnswer):
    """A function, run against test cases; the solution is the reference's source.

    ``slips=[(function, message)]`` are functions with one known slip each: a
    student function that returns what a slip returns on *every* case gets the
    slip's message (which may use ``{got}``, ``{expected}`` and ``{call}`` of the
    first failing case). A ``Case``'s own ``mistakes`` are matched on that case
    alone.

    ``draw(rng)`` gives the arguments of one hidden case (None: draw again) for the
    graded copies (:meth:`hidden_variant`); without it the hidden cases are the
    public ones with their numbers redrawn (:func:`~dlbook.exercises.running.redrawn`).
    """

    kind = "function"

    def __init__(self, name: str, title: str, cases: Sequence[Case], *,
                 reference: Callable, func_name: str | None = None,
                 correct_message: str = "", slips: Sequence[tuple[Callable, str]] = (),
                 draw: Callable | None = None, **kwargs):
        if "solution" in kwargs:
            raise TypeError(f"{name}: a function exercise's solution is its reference's "
                            "code; do not pass solution=")
        # Each slip is also a recorded wrong answer: the self-test checks its message.
        kwargs["wrong_answers"] = list(kwargs.get("wrong_answers", ())) + [
            Wrong(func, _literal_part(message)) for func, message in slips]
        super().__init__(name, title, reference=reference, **kwargs)
        self.cases = list(cases)
        self.func_name = func_name or reference.__name__
        self.correct_message = correct_message
        self._every_case_slips = list(slips)
        self.draw = draw

    def hidden_variant(self, seed: int) -> "FunctionExercise":
        """This exercise on as many cases of the grader's own, drawn from ``seed``."""
        rng = np.random.default_rng(seed)

        def one(attempt: int) -> Case | None:
            like = self.cases[attempt % len(self.cases)]
            if self.draw is not None:
                args, kwargs = self.draw(rng), {}
                if args is None:
                    return None
            else:
                args, kwargs = redrawn(like.args, rng), redrawn(like.kwargs, rng)
            try:
                expected = call_on_copies(self.reference, args, kwargs)
            except Exception:  # noqa: BLE001 - the draw left the reference's domain
                return None
            return Case(tuple(args), expected, atol=like.atol, kwargs=kwargs) if all_finite(
                expected) else None

        cases = draw_cases(len(self.cases), one)
        variant = copy.copy(self)
        variant.cases = cases
        variant.__dict__.pop("_answers", None)
        variant.correct_message = f"{self.func_name} passes {len(cases)} hidden cases too."
        return variant

    @property
    def answer_name(self) -> str:
        return self._answer_name or self.func_name

    def grade(self, answer: Any) -> str:
        require_callable(answer, self.func_name)
        self._answers = {}  # the answer's result on each case, computed once per check
        try:
            for case in self.cases:
                self._run_case(answer, case)
        finally:
            self._answers = {}
        n = len(self.cases)
        return self.correct_message or f"{self.func_name} passes all {n} test cases."

    def _run_case(self, answer: Callable, case: Case) -> None:
        call = case.call_text(self.func_name)
        # The student's function gets copies: one that writes into its input (h[...] = ...)
        # cannot change the stored case, and is told what it did.
        args, kwargs = copies(case.args, case.kwargs)
        with quiet():  # NaN/inf results get their own message
            got = call_student(answer, *args, when=f", when called as {call}",
                               blank_message=self.blank_message(), **kwargs)
        self.__dict__.setdefault("_answers", {})[id(case)] = got
        changed = changed_argument(case.args, args) or changed_argument(
            tuple(case.kwargs.values()), tuple(kwargs.values()))
        if changed is not None:
            raise Incorrect(f"{call} changed its {changed} argument in place (it wrote into "
                            f"an input array): {self.func_name} must leave its inputs as they "
                            "were. Compute the result in a new array, or work on a copy.")
        if got is Ellipsis:
            raise NotAttempted(self.blank_message())
        if got is None and case.expected is not None:
            if _does_work(answer):  # a body that computes, then forgets to return
                raise Incorrect(f"{call} returned None: your {self.func_name} computes "
                                "something but returns nothing. End it with `return ...`.")
            raise NotAttempted(f"{call} returned None. Write the body of {self.func_name} "
                               "and make sure it ends with `return ...`.")
        words = dict(got=fmt(got), expected=fmt(case.expected), call=call)
        if self._every_case_slips and not matches(got, case.expected, atol=case.atol):
            for slip, message in self._every_case_slips:
                if self._same_on_every_case(answer, slip):
                    raise Incorrect(message.format(**words))
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
        if mismatch.kind == "value" and mismatch.where is not None and np.size(case.expected) > 8:
            # fmt() shows a large array by its shape only: say where it differs.
            detail = f" ({mismatch.text})"
        raise Incorrect(sentence(f"{call} should return {words['expected']}; "
                                 f"you returned {words['got']}{detail}"))

    def _same_on_every_case(self, answer: Callable, slip: Callable) -> bool:
        """Whether ``answer`` returns what the function ``slip`` returns on every case
        (a slip's message is given only then, never for one case that happens to agree)."""
        return slip_on_every_case(
            lambda case: call_on_copies(answer, case.args, case.kwargs),
            lambda case: call_on_copies(slip, case.args, case.kwargs), self.cases,
            lambda case, got, want: matches(got, want, atol=case.atol),
            answers=self.__dict__.setdefault("_answers", {}))

    def self_test(self) -> list[str]:
        """Also: a student function that raises is reported in one line."""
        problems = super().self_test()

        def raising(*args, **kwargs):
            raise ZeroDivisionError("division by zero")

        result = self.evaluate(raising)
        if result.status != INCORRECT or "Your function raised ZeroDivisionError" not in result.message:
            problems.append(f"{self.name}: a raising function is not reported: {result.text}")
        return problems
