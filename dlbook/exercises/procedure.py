"""A procedure answer: a function checked on inputs the student has not seen."""

from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import numpy as np

from dlbook.exercises.compare import compare, fmt, require_callable, sentence, type_name
from dlbook.exercises.core import Incorrect, NotAttempted, Wrong, call_student
from dlbook.exercises.function import FunctionAnswer
from dlbook.exercises.running import all_finite, changed_argument, copies, draw_cases
from dlbook.exercises.running import redrawn, slip_on_every_case


class ProcedureExercise(FunctionAnswer):
    """A function checked by what it returns on cases of the checker's own.

    ``reference(*args)`` returns the results named in ``outputs`` (a tuple of
    them, or one value when there is one name). Each case is ``(args,
    words)``; ``words`` describes the inputs in the feedback. ``slips=[(function,
    message)]`` are functions with one known slip each: when the student's
    results match a slip's results on a case, that slip's message is the
    feedback (and each slip is a recorded wrong answer of the self-test). A
    function that changes an array argument in place is told so.
    """

    kind = "procedure"

    def __init__(self, name: str, title: str, *, reference: Callable,
                 cases: Sequence[tuple[tuple, str]], outputs: Sequence[str],
                 slips: Sequence[tuple[Callable, str]] = (), atol: float = 1e-6,
                 correct_message: str = "", slips_on_every_case: bool = False, **kwargs):
        kwargs["wrong_answers"] = list(kwargs.get("wrong_answers", ())) + [
            Wrong(f, message) for f, message in slips]
        super().__init__(name, title, reference=reference, **kwargs)
        self.cases = list(cases)
        self.outputs = tuple(outputs)
        self.slips = list(slips)
        # True: a slip's message only for an answer that matches the slip on every case
        # (the lab rule); False, the default: on the first case that fails.
        self.slips_on_every_case = slips_on_every_case
        self.atol = atol
        self.func_name = reference.__name__
        self.correct_message = correct_message

    @property
    def answer_name(self) -> str:
        return self.func_name

    def _results(self, func: Callable, args: tuple, call: str) -> tuple:
        given, _ = copies(args, dtype=float)
        got = call_student(func, *given, when=f", when called on {call}",
                           blank_message=self.blank_message())
        if changed_argument(args, given, tol=1e-12) is not None:
            raise Incorrect(f"on {call}, {self.func_name} changed one of its input arrays "
                            "in place: put every entry back (or work on a copy) before "
                            "returning.")
        if got is None or got is Ellipsis:
            raise NotAttempted(f"{self.func_name} returned {fmt(got)} on {call}: write its "
                               "body and end it with `return ...`.")
        if len(self.outputs) == 1:
            return (got,)
        if not isinstance(got, (tuple, list)) or len(got) != len(self.outputs):
            raise Incorrect(f"{self.func_name} should return {len(self.outputs)} values, "
                            f"{', '.join(self.outputs)}; on {call} it returned {fmt(got)} "
                            f"({type_name(got)}).")
        return tuple(got)

    def _hidden_args(self, args: tuple, rng: np.random.Generator) -> tuple:
        """The arguments of a hidden case like the public case ``args``: its numbers
        redrawn. A kind whose cases hold no numbers to redraw (a seed, say) overrides it."""
        return redrawn(args, rng)

    def hidden_variant(self, seed: int) -> "ProcedureExercise":
        """This exercise on hidden cases like its own, their numbers drawn from ``seed``."""
        rng = np.random.default_rng(seed)

        def one(attempt: int) -> tuple | None:
            args, words = self.cases[attempt % len(self.cases)]
            hidden = self._hidden_args(args, rng)
            call = f"a hidden case ({words}, with other numbers)"
            try:
                finite = all_finite(self._results(self.reference, hidden, call))
            except Exception:  # noqa: BLE001 - the draw left the reference's domain
                return None
            return (hidden, call) if finite else None

        cases = draw_cases(len(self.cases), one)
        variant = copy.copy(self)
        variant.cases = cases
        variant.__dict__.pop("_expected_results", None)  # CheckedProcedure's cache
        variant.correct_message = f"{self.func_name} passes {len(cases)} hidden cases too."
        return variant

    def _mismatch(self, got: tuple, want: tuple) -> str | None:
        for name, g, w in zip(self.outputs, got, want):
            mismatch = compare(g, w, atol=self.atol, what=name)
            if mismatch is not None:
                return mismatch.text
        return None

    def _same_as_slip_everywhere(self, answer: Callable, slip: Callable) -> bool:
        """Whether ``answer`` returns what ``slip`` returns on every case: a slip's message
        is given only then, never for one case that happens to agree."""
        return slip_on_every_case(
            lambda case: self._results(answer, *case), lambda case: self._results(slip, *case),
            self.cases, lambda case, got, want: self._mismatch(got, want) is None,
            errors=(Incorrect, NotAttempted))  # the answer or the slip fails on a case

    def grade(self, answer: Any) -> str:
        require_callable(answer, self.func_name)
        for args, call in self.cases:
            got = self._results(answer, args, call)
            problem = self._mismatch(got, self._results(self.reference, args, call))
            if problem is None:
                continue
            for slip, message in self.slips:
                if self._mismatch(got, self._results(slip, args, call)) is None and (
                        not self.slips_on_every_case
                        or self._same_as_slip_everywhere(answer, slip)):
                    raise Incorrect(f"on {call}: {message}")
            raise Incorrect(sentence(f"on {call}, {problem}"))
        return self.correct_message or f"{self.func_name} passes all {len(self.cases)} cases."
