"""The core of the checker: statuses, :class:`Result`, display, and :class:`Exercise`.

A kind of exercise is a subclass of :class:`Exercise` that sets ``kind`` and
implements one method, :meth:`Exercise.grade` (see the package docstring).
"""

from __future__ import annotations

import dataclasses
import html
import linecache
import os
import sysconfig
import textwrap
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from dlbook.exercises.compare import sentence

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
    "exercise": "Exercise",
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
    "exercise": "#1f5fa8",
    "info": "#5f6368",
}

# Student code is anything outside this package and outside the installed libraries.
_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_LIBRARY_DIRS = tuple(
    {str(Path(p).resolve()) for k, p in sysconfig.get_paths().items()
     if k in ("stdlib", "platstdlib", "purelib", "platlib") and p}
)
# What student code may raise and the checker reports: every exception, and
# also SystemExit (sys.exit()) and KeyboardInterrupt, which are not Exceptions.
STUDENT_ERRORS = (Exception, SystemExit, KeyboardInterrupt)

#: "1" in a graded copy of a lab: the nbgrader export's setup cell sets it, and then
#: ``solution()`` and every hint after the first are switched off (they give the answer).
GRADED_VARIABLE = "DLBOOK_GRADED"
#: The width of the feedback lines that a failed check raises: ``nbgrader validate``
#: cuts longer lines (at 90 characters, with its indent).
FEEDBACK_WIDTH = 80


def graded_copy() -> bool:
    """Whether this kernel runs a graded copy of a lab (see :data:`GRADED_VARIABLE`)."""
    return os.environ.get(GRADED_VARIABLE) == "1"


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
    ``unchecked``) or ``hint``, ``solution``, ``model-answer``, ``exercise``,
    ``info``. With ``code=True`` the text is shown as a code block under the label.
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
        # check() has already shown the feedback; IPython calls this instead
        # of showing the returned Result again when it ends a cell.
        return None


@dataclasses.dataclass(frozen=True)
class Wrong:
    """A recorded wrong answer and a substring of the feedback it must produce."""

    answer: Any
    message: str


@dataclasses.dataclass(frozen=True)
class Right:
    """A recorded correct alternative to the reference, and why it is equivalent."""

    answer: Any
    why: str


class CheckFailed(AssertionError):
    """A check that did not pass, raised for nbgrader (``assert_check`` and the graded
    copies' test cells), which scores a cell that raises 0.

    Jupyter shows what ``_render_traceback_`` returns in place of a traceback: the
    feedback alone, its label in bold red, wrapped to :data:`FEEDBACK_WIDTH` characters,
    so that nbgrader's feedback page and ``nbgrader validate`` show the reason once, whole,
    and never the checker's own code.
    """

    def __init__(self, label: str, message: str):
        super().__init__(f"{label}: {message}")
        self.label, self.message = label, message

    def lines(self) -> list[str]:
        """The feedback, wrapped (plain text)."""
        return textwrap.wrap(f"{self.label}: {self.message}", FEEDBACK_WIDTH,
                             break_long_words=False, break_on_hyphens=False)

    def _render_traceback_(self) -> list[str]:
        lines = self.lines()
        bold = len(self.label) + 1
        lines[0] = f"\x1b[1;31m{lines[0][:bold]}\x1b[0m{lines[0][bold:]}"
        return lines


class Incorrect(Exception):
    """Raised by :meth:`Exercise.grade`: the answer is wrong; the message says why."""


class NotAttempted(Exception):
    """Raised by :meth:`Exercise.grade`: the answer is still a stub."""


# ---- student code ------------------------------------------------------------

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


def describe_exception(exc: BaseException, what: str = "Your function") -> str:
    """One line: the exception, its message and the student's line that raised it."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"{what} raised {type(exc).__name__}{': ' + msg if msg else ''}{_student_line(exc)}"


def call_student(func: Callable, *args, when: str = "", blank_message: str = "", **kwargs):
    """Run student code: its result, or :class:`NotAttempted` / :class:`Incorrect`.

    ``NotImplementedError`` (the stub) is "Not attempted"; any other exception,
    ``SystemExit`` and ``KeyboardInterrupt`` included, is reported in one line
    (``when`` is added, e.g. ", when called as f(2)").
    """
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(blank_message) from None
    except STUDENT_ERRORS as exc:
        raise Incorrect(sentence(describe_exception(exc) + when)) from None


# ---- the exercise base class ---------------------------------------------------

class Exercise:
    """What every exercise has: a name, a prompt, hints, a solution and its self-test data.

    A new kind subclasses this, sets ``kind``, and implements :meth:`grade`.
    """

    kind = "exercise"
    #: The stub a student starts from (the lab cell's ``answer = ...``).
    blank: Any = Ellipsis

    def __init__(self, name: str, title: str, *, prompt: str = "", hints: Sequence[str] = (),
                 solution: str | None = None, reference: Any = None,
                 wrong_answers: Sequence[Wrong] = (), right_answers: Sequence[Right] = (),
                 points: int = 1, answer_name: str | None = None,
                 solution_context: Mapping | Callable[[], Mapping] | None = None):
        self.name = name
        self.title = title
        self.prompt = prompt
        self.hints = list(hints)
        self._solution = solution
        self.reference = reference
        self.wrong_answers = [w if isinstance(w, Wrong) else Wrong(*w) for w in wrong_answers]
        self.right_answers = [r if isinstance(r, Right) else Right(*r) for r in right_answers]
        self.points = points
        self._answer_name = answer_name
        self._solution_context = solution_context

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {self.title}>"

    # -- what a kind implements -------------------------------------------------
    def grade(self, answer: Any) -> str:
        """Grade a non-blank ``answer``: return the "Correct" message, or raise
        :class:`Incorrect` (or :class:`NotAttempted`) with the reason in words."""
        raise NotImplementedError(f"{type(self).__name__} must implement grade(answer)")

    def is_blank(self, answer: Any) -> bool:
        """Whether ``answer`` is still the stub."""
        return answer is Ellipsis

    def blank_message(self) -> str:
        return "replace the ... with your answer, then run this cell again."

    def recorded(self, answer: Any) -> Any:
        """What a student would pass for a recorded (wrong or right) answer."""
        return answer

    def reference_answer(self) -> Any:
        """The reference as a student would pass it (for answer_or_reference)."""
        return self.reference

    def solution_text(self) -> str:
        """The code (or text) that ``solution()`` shows."""
        return textwrap.dedent(self._solution or "").strip()

    # -- the solution as code that runs ----------------------------------------
    @property
    def answer_name(self) -> str | None:
        """The variable the solution assigns (what the notebook passes to check)."""
        return self._answer_name

    def solution_namespace(self) -> dict:
        """The names the solution code needs, as the lab notebook provides them."""
        context = self._solution_context
        if callable(context):
            context = context()
        return dict(context or {})

    def run_in_notebook_names(self, code: str, what: str = "answer") -> dict:
        """The names that ``code`` (a notebook cell, a solution) leaves when run in
        :meth:`solution_namespace`, the names the lab's notebook has."""
        namespace = self.solution_namespace()
        exec(compile(code, f"<{self.name} {what}>", "exec"), namespace)  # noqa: S102
        return namespace

    # -- the student's calls -----------------------------------------------------
    def evaluate(self, answer: Any) -> Result:
        """The :class:`Result` of checking ``answer``, without showing it."""
        try:
            if self.is_blank(answer):
                return Result(BLANK, self._with_prompt(self.blank_message()), self.name)
            message = self.grade(answer)
        except NotAttempted as why:
            return Result(BLANK, self._with_prompt(str(why) or self.blank_message()), self.name)
        except Incorrect as why:
            return Result(INCORRECT, str(why), self.name)
        except STUDENT_ERRORS as exc:  # never show the checker's traceback
            return Result(INCORRECT, describe_exception(exc, "Checking your answer"), self.name)
        return Result(CORRECT, message, self.name)

    def _with_prompt(self, message: str) -> str:
        return f"{message} The task: {self.prompt}" if self.prompt else message

    def check(self, answer: Any) -> Result:
        """Check ``answer``, show one line of feedback, return the Result."""
        result = self.evaluate(answer)
        show(result.status, result.message)
        return result

    def assert_check(self, answer: Any) -> None:
        """Like check(), but raise :class:`CheckFailed` (an AssertionError) unless the
        answer is correct: nbgrader then scores the cell 0. The feedback is shown once,
        as the error, without a traceback."""
        result = self.evaluate(answer)
        if not result.correct:
            raise CheckFailed(result.label, result.message)
        show(result.status, result.message)

    def show(self) -> None:
        """Show the exercise: its title and what it asks."""
        show("exercise", f"{self.name}, {self.title}. {self.prompt}".rstrip())

    def hint(self, n: int = 1) -> None:
        """Show hint ``n`` (1 is the gentlest). A graded copy shows the first only."""
        total = len(self.hints)
        if graded_copy() and n != 1 and total:
            show("hint", f"this graded copy of the lab gives the first hint only: "
                         f"{self.name}.hint(1).")
            return
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
        """Show the reference answer (not in a graded copy)."""
        if graded_copy():
            show("info", f"{self.name}.solution() is switched off in this graded copy of "
                         f"the lab; {self.name}.hint(1) gives a hint.")
            return
        show("solution", self.solution_text(), code=True)

    # -- hidden cases, for the graded copies -----------------------------------------
    def hidden_variant(self, seed: int) -> "Exercise | None":
        """This exercise on inputs of the checker's own that no notebook shows, drawn
        from ``seed`` (the nbgrader export keeps the seed in the instructors' copy
        only), or None for a kind with nothing to draw (a value, a model, a design
        graded on held-out data)."""
        return None

    def answer_or_reference(self, answer: Any) -> Any:
        """The answer if it is correct; otherwise, with a printed note, the reference."""
        result = self.evaluate(answer)
        if result.correct:
            return answer
        why = "is not answered yet" if result.status == BLANK else "is not correct yet"
        print(f"Note: {self.name} {why}, so the cells below use the reference answer.")
        return self.reference_answer()

    # -- the self-test -------------------------------------------------------------
    def self_test(self) -> list[str]:
        """What is wrong with this exercise's own data ([] when nothing).

        The reference passes, each recorded :class:`Wrong` answer fails with
        its message, each recorded :class:`Right` answer passes, and the blank
        stub reads "Not attempted".
        """
        problems = []
        result = self.evaluate(self.recorded(self.reference_answer()))
        if not result.correct:
            problems.append(f"the reference fails: {result.text}")
        if len(self.wrong_answers) < 2:
            problems.append("record at least two wrong answers")
        for wrong in self.wrong_answers:
            result = self.evaluate(self.recorded(wrong.answer))
            if result.status != INCORRECT or wrong.message not in result.message:
                problems.append(f"wrong answer {wrong.message!r}: got {result.text!r}")
        for right in self.right_answers:
            result = self.evaluate(self.recorded(right.answer))
            if not result.correct:
                problems.append(f"correct alternative ({right.why}) rejected: {result.text}")
        result = self.evaluate(self.blank)
        if result.status != BLANK:
            problems.append(f"the blank stub is not 'Not attempted': {result.text}")
        return [f"{self.name}: {p}" for p in problems]


class LazyKerasOps:
    """``keras.ops``, imported at the first use.

    A lab module writes its reference functions as the notebook's cells do, with
    ``ops.mean(...)`` (their source is the solution shown), yet importing the module must
    import no Keras: ``from dlbook.exercises.core import lazy_ops as ops``.
    """

    def __getattr__(self, name: str):
        from keras import ops as keras_ops

        return getattr(keras_ops, name)


lazy_ops = LazyKerasOps()
