"""Exercises that check themselves (the Kaggle learntools pattern).

A lab module (``dlbook/labs/labNN.py``) defines exercise objects; the
notebook imports them and the student calls a few methods::

    from dlbook.labs.lab00 import q1, q2
    q1.show()           # what the exercise asks
    q1.check(y_in)      # Correct / Incorrect / Not attempted, with the reason
    q1.hint()           # hint 1; q1.hint(2) is the next, more direct one
    q1.solution()       # the reference answer

Everything is passed explicitly: nothing reads globals or the notebook file,
nothing needs a network, and the same code works in Jupyter, Colab and a
plain ``python`` session (where the feedback is printed as text).

The package
-----------
``core``      :class:`Exercise`, :class:`Result`, :class:`Wrong`, :class:`Right`,
              :func:`show`, and the exceptions a grader raises;
``compare``   comparisons that return a structured :class:`~compare.Mismatch`
              (its ``kind``: "shape", "value", "nan", "type", "none"...; the
              list is ``MISMATCH_KINDS``), so that feedback is chosen from the
              kind, never from the words (``model.compare_models`` does the
              same for two models: "layer_count", "setting"...);
``value``, ``function``, ``procedure``, ``model``, ``design``, ``written``: one
              module per kind;
``grading``   how the graded (nbgrader) copies of the labs check: a fresh copy
              of the checker, hidden cases, tampering flagged, one line.

Kinds of exercise
-----------------
``ValueExercise(name, title, expected, atol=1e-6, rtol=0.0, ...)``
    A number, an array or a tuple such as an output shape. A list, a tuple
    and an array with the same numbers are the same answer, and so are
    shapes ``(6, 1)`` and ``(6,)``: pass ``exact_shape=True`` where the
    shape is part of the question (the prompt and the feedback then say so).
    ``dtype="int"|"float"`` checks an array's dtype. ``mistakes=[(value,
    "message"), ...]`` gives known wrong answers their own feedback.
    ``solution="y_in = b + np.dot(x, w)"`` is the code shown; the name it
    assigns last is the answer's name.
``FunctionExercise(name, title, cases=[Case(...), ...], reference=func, ...)``
    The student's function is run on each :class:`Case` (``Case(args=(0.0,),
    expected=0.5, message="... you returned {got}", atol=1e-6, kwargs={},
    mistakes=[(value, msg)])``; ``message`` may use ``{got}``,
    ``{expected}`` and ``{call}``). The solution shown is the reference's
    source. Anything the student's code raises (``SystemExit`` from
    ``sys.exit()`` and ``KeyboardInterrupt`` included) is reported in one line.
``ModelExercise(name, title, reference=build_fn, ...)``
    A Keras model, compared by what it computes (see :mod:`.model`): the
    computing layers in order (InputLayer left out, nested models opened up,
    ``Activation`` layers folded into the layer before), each reference
    layer's own config keys, the output shape and the parameter count.
    ``build_fn`` is a zero-argument builder (or a ``functools.partial``)
    that imports keras itself and ends with ``return model``; it is written
    once and serves the reference (built once, at the first check), the
    displayed solution (its body, ``return expr`` shown as ``model =
    expr``; ``answer_name="mlp"`` for another name) and the wrong answers
    (``variant(build_fn, 2, units=8)``: layer 2 with 8 units).
    ``ignore=("activation",)`` skips keys the exercise does not ask about.
``ProcedureExercise(name, title, reference=func, cases=[(args, "words"), ...], outputs=("w", "b"), ...)``
    A function checked by what it returns on the checker's own cases, which
    the student has not traced: each case is ``(args, words)``, ``words``
    naming the inputs in the feedback (``"NAND with lr = 1"``). ``reference``
    returns the results named in ``outputs`` (a tuple, or one value when there
    is one name); each is compared with ``atol``. ``slips=[(func, "message")]``
    are functions with one known slip each: a student whose results match a
    slip's gets its message (and each slip is a recorded wrong answer). An
    answer that changes an input array in place is told so. Subclasses
    override ``_results(func, args, call)`` to run the function differently
    (Lab 2's update rules run it for several steps).
``DesignExercise(name, title, data=(X_train, X_test, y_train, y_test), target=0.975, data_name="digits", seed=0, ...)``
    A trained Keras classifier of 10 classes (inputs: rows of pixels) that
    must reach ``target`` accuracy on the test images. ``data`` may be a
    function without arguments that returns the four arrays (for example
    :func:`dlbook.datasets.load_small_digits`): it is called at the first
    use, so that importing the lab loads nothing. Recorded answers and the
    solution are notebook code that trains ``model`` from the names of
    ``context()`` (keras, layers, X_train, y_train, seed); each is trained
    once per seed (``run(code)``; ``train(code)`` trains again). Subclasses
    change ``context`` and ``grade`` (Lab 2's q8 judges the validation loss
    against a baseline).
``WrittenExercise(name, title, model_answer="...", key_points=[...])``
    A written answer: ``check()`` says there is no automatic check and how to
    compare with the model answer; ``solution()`` shows it.

Every exercise takes ``prompt="..."`` (what ``show()`` and the "Not
attempted" feedback say the task is), ``hints=[...]`` (``hint(n)`` beyond
the last one says so; a hint points the way, it does not repeat the
solution), ``points=1`` (its weight: 1 for a line, up to 4 for a model to design;
the notebook's prompt shows it, "**Exercise 4 (2 points).**", and the nbgrader
export grades with it), and for the self-tests
``wrong_answers=[Wrong(answer, "substring of its feedback")]`` (at least
two; a value exercise adds its ``mistakes``), ``right_answers=[Right(answer,
"why it is equivalent")]`` (correct alternatives, each must pass) and
``solution_context=lambda: {"np": np, ...}`` (the names the notebook gives
the solution code: the test runs ``q.solution_text()`` with only these and
checks the answer it assigns). Recorded model answers are builders.

What ``check`` does
-------------------
It shows one line of feedback, starting with a text label: ``Correct:``,
``Incorrect:``, ``Not attempted:`` or ``No automatic check:``. In IPython it
displays an HTML version with a coloured label plus the same words in
``text/plain`` (what nbval compares); elsewhere it prints the text. It
returns a :class:`Result` (``bool(result)`` is True only when correct;
``result.status`` and ``result.message`` hold the details). It never raises.

Other methods: ``q.assert_check(answer)`` (raises :class:`~core.CheckFailed`, an
``AssertionError`` that Jupyter shows as the one line of feedback, unless
correct), ``q.hidden_variant(seed)`` (the exercise on cases drawn from ``seed``,
which no notebook shows: a function exercise redraws the numbers of its cases, or
uses its ``draw(rng)``; None for the other kinds), ``q.answer_or_reference(answer)`` (the
answer when correct, otherwise the reference, with a note, so that later
cells run), ``q.evaluate(answer)`` (the Result, shown nowhere) and
``q.self_test()`` (what is wrong with the exercise's own data).

Defining your own kind of exercise
----------------------------------
A lab module may define a kind the package does not have. Subclass
:class:`Exercise`, set ``kind``, and implement one method, ``grade(answer)``:
return the "Correct" message, or raise :class:`Incorrect` (or
:class:`NotAttempted`) with the reason in words. The blank stub ``...``,
one-line display, hints, solution, ``assert_check`` and the self-test come
with the base class; run student code through :func:`call_student` so that
whatever it raises is reported in one line. For example::

    from dlbook.exercises import Exercise, Incorrect

    class SetExercise(Exercise):
        '''Items in any order.'''
        kind = "set"

        def grade(self, answer):
            missing = set(self.reference) - set(answer)
            if missing:
                raise Incorrect(f"{sorted(missing)} are missing.")
            return "all the items are there."

Override ``is_blank``, ``blank_message``, ``recorded`` (how a recorded
answer becomes what a student passes), ``solution_text``,
``solution_namespace`` or ``hidden_variant`` only when the defaults do not fit.

In a graded copy of a lab (``DLBOOK_GRADED=1``, which the nbgrader export's
setup cell sets) ``solution()`` and every hint after the first are switched off.
``tests/test_exercises.py`` defines such a kind and self-tests it.

Writing a lab (see ``dlbook/labs/lab00.py`` for a complete example)
---------------------------------------------------------------------
* ``dlbook/labs/labNN.py`` defines the exercises, each bound to a variable
  of the same name as its ``name`` (``q1 = ValueExercise("q1", ...)``), and
  ends with ``NOTEBOOK = "NN_title.ipynb"`` and ``EXERCISES = [q1, q2, ...]``.
  ``tests/test_exercises.py`` finds it and self-tests every exercise
  (``q.self_test()``), runs every solution text, and checks that every line
  of it is in the solution notebook.
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

from dlbook.exercises.compare import KINDS as MISMATCH_KINDS
from dlbook.exercises.compare import Mismatch, compare
from dlbook.exercises.core import (
    BLANK, CORRECT, INCORRECT, UNCHECKED, Exercise, Incorrect, NotAttempted, Result, Right,
    Wrong, call_student, show,
)
from dlbook.exercises.design import DesignExercise, Margin
from dlbook.exercises.function import Case, FunctionExercise
from dlbook.exercises.model import ModelExercise, variant
from dlbook.exercises.procedure import ProcedureExercise
from dlbook.exercises.value import ValueExercise
from dlbook.exercises.written import WrittenExercise

__all__ = [
    "BLANK", "CORRECT", "INCORRECT", "UNCHECKED", "MISMATCH_KINDS",
    "Case", "DesignExercise", "Exercise", "FunctionExercise", "Incorrect", "Margin", "Mismatch",
    "ModelExercise", "NotAttempted", "ProcedureExercise", "Result", "Right", "ValueExercise",
    "Wrong", "WrittenExercise", "call_student", "compare", "show", "variant",
]
