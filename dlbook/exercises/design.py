"""A design answer: a trained Keras classifier that must reach a test accuracy."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable

import numpy as np

from dlbook.exercises.compare import fmt, sentence, type_name
from dlbook.exercises.core import STUDENT_ERRORS, Exercise, Incorrect, describe_exception
from dlbook.measure import approx


class DesignExercise(Exercise):
    """A trained Keras classifier that must reach ``target`` accuracy on the test images.

    The answer is the trained model. Recorded answers (and the solution) are
    notebook code that trains one on the exercise's training images. ``data`` is
    ``(X_train, X_test, y_train, y_test)``, or a function without arguments that
    returns them: it is called at the first use, so that defining the exercise
    (importing a lab module) loads no data.
    """

    kind = "design"

    def __init__(self, name: str, title: str, *, data: tuple | Callable[[], tuple],
                 target: float, data_name: str, seed: int = 0, **kwargs):
        kwargs.setdefault("solution_context", self.context)
        super().__init__(name, title, **kwargs)
        self._load = data if callable(data) else (lambda: data)
        self.target = target
        self.data_name = data_name
        self.seed = seed
        self._trained: dict[tuple[str, int], dict] = {}

    @functools.cached_property
    def _arrays(self) -> tuple:
        """``(X_train, X_test, y_train, y_test)`` as arrays, loaded at the first use."""
        return tuple(np.asarray(a) for a in self._load())

    X_train = property(lambda self: self._arrays[0], doc="The training inputs.")
    X_test = property(lambda self: self._arrays[1], doc="The test inputs.")
    y_train = property(lambda self: self._arrays[2], doc="The training labels.")
    y_test = property(lambda self: self._arrays[3], doc="The test labels.")

    def context(self) -> dict:
        """The names the lab's design cell has: keras, layers, the training data, seed."""
        import keras

        return {"keras": keras, "layers": keras.layers, "X_train": self.X_train,
                "y_train": self.y_train, "seed": self.seed}

    def train(self, code: str) -> Any:
        """The model that ``code`` (a notebook cell) trains on the training images,
        trained now (see :meth:`run` for one trained once)."""
        return self.run_in_notebook_names(code, "design")["model"]

    def run(self, code: str) -> dict:
        """The names ``code`` (a notebook cell) leaves, run in the names the lab's cell
        has, once per code and seed: a recorded answer is checked several times, the
        solution by the self-test and by the tests of the displayed solution, and a
        test may change ``seed`` to train one from another seed."""
        key = (code, self.seed)
        if key not in self._trained:
            self._trained[key] = self.run_in_notebook_names(code, "design")
        return self._trained[key]

    def recorded(self, answer: Any) -> Any:
        """A recorded answer's model (code: the model it trains, see :meth:`run`)."""
        if not isinstance(answer, str):
            return answer
        return self.run(answer)["model"]

    def reference_answer(self) -> Any:
        return self.recorded(self.solution_text())

    def blank_message(self) -> str:
        return "design, compile and train your model in place of the ..., then run this cell again."

    def class_scores(self, model: Any, X: np.ndarray) -> np.ndarray:
        """``model``'s 10 class scores for each row of ``X`` (probabilities or logits:
        the accuracy takes the largest), or :class:`Incorrect` saying why there are none.

        The shapes are checked by calling the model on a batch, so that a subclassed
        ``keras.Model`` (which may have no ``input_shape``) is graded like any other.
        """
        import keras

        n_in = X.shape[1]
        try:
            declared = tuple(model.input_shape)
        except (AttributeError, ValueError, TypeError):  # subclassed, or not built yet
            declared = None
        if declared is not None and (len(declared) != 2 or declared[1] not in (None, n_in)):
            raise Incorrect(f"your model takes inputs of shape {fmt(declared)}, but each "
                            f"image is a row of {n_in} pixels: keras.Input(shape=({n_in},)).")
        def scores(rows: np.ndarray) -> np.ndarray:
            # Called directly, not through predict(): predict() would compile once per
            # batch shape, and TensorFlow warns about retracing.
            return np.asarray(keras.ops.convert_to_numpy(model(rows, training=False)))

        try:
            batch = scores(X[:2])
        except STUDENT_ERRORS as exc:
            raise Incorrect(sentence(describe_exception(
                exc, f"Your model, called on a batch of 2 rows of {n_in} pixels,"))) from None
        if batch.shape != (2, 10):
            raise Incorrect(f"your model's output has shape {fmt((None, *batch.shape[1:]))}: "
                            "a classifier of 10 digits ends with Dense(10, activation="
                            "\"softmax\"), one probability per digit.")
        try:
            return np.concatenate([scores(X[i:i + 2048]) for i in range(0, len(X), 2048)])
        except STUDENT_ERRORS as exc:
            raise Incorrect(sentence(describe_exception(exc, "Your model"))) from None

    def accuracy(self, model: Any) -> float:
        """``model``'s accuracy on the exercise's test images (the checker's own, where
        ``data`` keeps them from the notebook); :class:`Incorrect` if it cannot classify."""
        proba = self.class_scores(model, self.X_test)
        return float(np.mean(proba.argmax(axis=1) == self.y_test))

    def grade(self, answer: Any) -> str:
        import keras

        if not isinstance(answer, keras.Model):
            raise Incorrect(f"expected a trained Keras model, but you passed {fmt(answer)} "
                            f"({type_name(answer)}).")
        accuracy = self.accuracy(answer)
        words = f"test accuracy {approx(accuracy)} on {len(self.y_test)} {self.data_name} images"
        if accuracy >= self.target:
            return f"{words}, at least the target {self.target:g}."
        if accuracy < 0.5:
            raise Incorrect(f"{words}: the model has hardly learned. Did you compile and "
                            "train it (model.fit)? With integer labels and a softmax "
                            "output the loss is sparse_categorical_crossentropy; Adam with "
                            "learning_rate=1e-3 is a safe start.")
        raise Incorrect(f"{words}, below the target {self.target:g}. Try wider hidden "
                        "layers (256 or 512 units), Dropout(0.2) after each hidden layer "
                        "against overfitting, more epochs (the validation curve shows when "
                        "to stop), and training on all the training images (no "
                        "validation_split) once your choices are made.")


def of_reference(f: Callable) -> Callable:
    """Marks a recorded answer of a :class:`TrainedCodeExercise` that is a function of the
    trained reference (a slip that needs no training of its own)."""
    f._of_reference = True
    return f


class TrainedCodeExercise(Exercise):
    """An exercise whose answer is what notebook code trains (a model, or a function that
    trains one). Recorded answers (and the solution) are that code, run in the lab's names
    (``context()``) at the lab's seed, once per backend, seed and code (cached); a function
    marked :func:`of_reference` is applied to the trained reference; anything else is passed
    as it is."""

    kind = "design"
    #: The seed the recorded answers run at (the notebook's).
    seed = 0

    def __init__(self, *args, context: Callable[[], dict], **kwargs):
        super().__init__(*args, **kwargs)
        self._context = context
        self._runs: dict = {}

    def solution_namespace(self) -> dict:
        return dict(self._context(), seed=self.seed)

    def run(self, code: str, seed: int | None = None) -> Any:
        """The answer that ``code`` assigns to ``answer_name``, trained at ``seed``."""
        import keras

        seed = self.seed if seed is None else seed
        key = (keras.backend.backend(), seed, code)
        if key not in self._runs:
            keras.utils.set_random_seed(seed)
            namespace = dict(self._context(), seed=seed)
            exec(compile(code, f"<{self.name} answer>", "exec"), namespace)  # noqa: S102
            self._runs[key] = namespace[self.answer_name]
        return self._runs[key]

    def recorded(self, answer: Any) -> Any:
        if isinstance(answer, str):
            return self.run(answer)
        if callable(answer) and getattr(answer, "_of_reference", False):
            return answer(self.run(self.solution_text()))
        return answer

    def reference_answer(self) -> Any:
        """The reference trained at the lab's seed (what answer_or_reference hands on): the
        code solution() shows, so that running that code again reuses this training."""
        return self.run(self.solution_text())

    def blank_message(self) -> str:
        return ("build, compile and train your model in place of the ..., then run this "
                "cell again.")


@dataclasses.dataclass(frozen=True)
class Margin:
    """A target of a lab's trained exercise, and what its reference and its baseline reach.

    The lab rule: on every backend, the reference's worst value passes the target, and the
    baseline's best fails it, each by at least twice its own seed-to-seed spread.
    ``exercise`` is the exercise's name, ``quantity`` what its checker measures, ``higher``
    whether a larger value passes; ``reference`` and ``baseline`` are the answers measured
    (notebook code or recipes; the baseline is the answer the target is there to shut out,
    or None where no baseline is meant to fail this target alone); ``measured`` maps a
    Keras backend to ``(reference values, baseline values)`` at the seeds the lab states
    (``()`` for the baseline's when there is none).
    """

    exercise: str
    quantity: str
    target: float
    higher: bool
    reference: Any
    baseline: Any
    measured: dict

    def beyond(self, value: float) -> float:
        """How far ``value`` lies on the passing side of the target (negative: failing)."""
        return value - self.target if self.higher else self.target - value

    def violations(self, backends=("tensorflow", "jax"), seeds: int = 3) -> list[str]:
        """Where the rule fails, one line each (empty: it holds on every backend)."""
        out = []
        if set(self.measured) != set(backends):
            return [f"{self.exercise} ({self.quantity}): measured on {sorted(self.measured)}, "
                    f"not {sorted(backends)}"]
        for backend, (reference, baseline) in self.measured.items():
            where = f"{self.exercise} ({self.quantity}) on {backend}"
            series = [("reference", reference, 1)]
            if self.baseline is None:
                if tuple(baseline) != ():
                    out.append(f"{where}: baseline values recorded, but no baseline")
            else:
                series.append(("baseline", baseline, -1))
            for name, values, side in series:
                if len(values) != seeds:
                    out.append(f"{where}: {len(values)} {name} values, not {seeds}")
                    continue
                worst = min(side * self.beyond(v) for v in values)
                spread = max(values) - min(values)
                if worst < 2 * spread:
                    out.append(f"{where}: the {name} is {worst:.4g} on its side of the "
                               f"target, less than twice its spread {spread:.4g}")
        return out
