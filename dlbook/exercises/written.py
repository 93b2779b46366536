"""A written answer: no automatic check, a model answer to compare with."""

from __future__ import annotations

from typing import Any, Sequence

from dlbook.exercises.compare import type_name
from dlbook.exercises.core import (
    BLANK, UNCHECKED, CheckFailed, Exercise, Incorrect, Result, graded_copy, show,
)


class WrittenExercise(Exercise):
    """A written answer: ``check()`` says how to compare it with the model answer.

    ``by_hand=True`` makes the feedback say plainly that the answer is marked by hand
    (as nbgrader's export does), and that the checker judges nothing in it.
    """

    kind = "written"

    def __init__(self, name: str, title: str, *, model_answer: str,
                 key_points: Sequence[str] = (), by_hand: bool = False, **kwargs):
        if not model_answer.strip():
            raise ValueError(f"{name}: a written exercise needs a model answer")
        kwargs.setdefault("reference", model_answer)
        kwargs.setdefault("solution", model_answer)
        super().__init__(name, title, **kwargs)
        self.model_answer = model_answer
        self.key_points = list(key_points)
        self.by_hand = by_hand

    def blank_message(self) -> str:
        return ('replace the ... with your answer as text in quotes ("""like this"""), '
                "then run this cell again.")

    def is_blank(self, answer: Any) -> bool:
        return answer is Ellipsis or answer is None or (
            isinstance(answer, str) and answer.strip() in ("", "..."))

    def grade(self, answer: Any) -> str:
        if not isinstance(answer, str):
            raise Incorrect(f"write your answer as text in quotes, not as {type_name(answer)}.")
        return ""  # evaluate() turns an answer in words into "No automatic check"

    def evaluate(self, answer: Any) -> Result:
        result = super().evaluate(answer)
        if not result.correct:
            return result
        points = ""
        if self.key_points:
            points = " A good answer mentions: " + "; ".join(self.key_points) + "."
        if self.by_hand:
            return Result(UNCHECKED, "not graded here: your teacher marks this written answer "
                                     "by hand (it is a manually graded answer in the course's "
                                     "nbgrader copy), so whatever you write, the checker says "
                                     "nothing about whether it is right. Compare yours with "
                                     f"the model answer: run {self.name}.solution().{points}",
                          self.name)
        return Result(UNCHECKED, f"a written answer cannot be checked automatically. Compare "
                                 f"yours with the model answer: run {self.name}.solution().{points}",
                      self.name)

    def assert_check(self, answer: Any) -> None:
        """Written answers are graded by hand; this only fails on a blank."""
        result = self.evaluate(answer)
        if result.status == BLANK:
            raise CheckFailed(result.label, result.message)
        show(result.status, result.message)

    def solution(self) -> None:
        if graded_copy():  # switched off: the base class says so
            return super().solution()
        show("model-answer", self.solution_text())

    def self_test(self) -> list[str]:
        """A written exercise: only its blank and a text answer's status."""
        problems = []
        if self.evaluate(self.blank).status != BLANK:
            problems.append("the blank stub is not 'Not attempted'")
        if self.evaluate(self.model_answer).status != UNCHECKED:
            problems.append("the model answer is not 'No automatic check'")
        return [f"{self.name}: {p}" for p in problems]
