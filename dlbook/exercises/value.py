"""A value answer: a number, an array, or a tuple such as an output shape."""

from __future__ import annotations

import ast
from typing import Any, Sequence

import numpy as np

from dlbook.exercises.compare import compare, fmt, matches, sentence
from dlbook.exercises.core import Exercise, Incorrect, Wrong


class ValueExercise(Exercise):
    """A number, an array or a tuple, compared with a tolerance.

    ``mistakes=[(value, "message"), ...]`` maps known wrong answers to their
    own feedback (each is also a recorded wrong answer of the self-test).
    A list, a tuple and an array with the same numbers are the same answer,
    and so are shapes ``(6, 1)`` and ``(6,)``; pass ``exact_shape=True``
    where the shape is part of the question (the prompt then says so).
    """

    kind = "value"

    def __init__(self, name: str, title: str, expected: Any, *, atol: float = 1e-6,
                 rtol: float = 0.0, dtype: str | None = None, exact_shape: bool = False,
                 mistakes: Sequence[tuple[Any, str]] = (), correct_message: str = "",
                 **kwargs):
        kwargs.setdefault("reference", expected)
        super().__init__(name, title, **kwargs)
        self.expected = expected
        self.options = dict(atol=atol, rtol=rtol, dtype=dtype, exact_shape=exact_shape)
        self.exact_shape = exact_shape
        if exact_shape:
            shape = tuple(np.shape(expected))
            self.prompt = f"{self.prompt} The answer must have shape {fmt(shape)} exactly.".strip()
        self.mistakes = list(mistakes)
        self.correct_message = correct_message
        # Every known mistake is also a recorded wrong answer: the self-tests
        # check that it fails with exactly its message. List in `wrong_answers`
        # only the wrong answers that have no message of their own.
        self.wrong_answers += [Wrong(value, message) for value, message in self.mistakes]

    @property
    def answer_name(self) -> str | None:
        """The name the solution assigns last (``y_in = ...`` gives ``y_in``)."""
        if self._answer_name or not self._solution:
            return self._answer_name
        for stmt in reversed(ast.parse(self.solution_text()).body):
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                return stmt.targets[0].id
        return None

    def grade(self, answer: Any) -> str:
        loose = {k: v for k, v in self.options.items() if k != "dtype"}
        for value, message in self.mistakes:
            if matches(answer, value, **loose):
                raise Incorrect(message)
        mismatch = compare(answer, self.expected, **self.options)
        if mismatch is not None:
            raise Incorrect(sentence(mismatch.text))
        return self.correct_message or f"{fmt(answer)} is right."
