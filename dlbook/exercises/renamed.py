"""Grading a function that trains a model on word indices, not the trained model.

Where a lab's exercise is graded on examples the student must not train on (held-out
combinations, held-out paraphrases), the student hands in the *training function* and the
checker calls it on the notebook's examples with the words renamed: every word index is
swapped for another (:func:`renaming`), consistently in every array it hands over. A
network whose every word is one row of an embedding and one unit of the output layer learns
the renamed words exactly as well as the real ones, so a right answer loses nothing; a
function that trains on examples of its own (the held-out ones among them) learns the real
indices and answers in the wrong words. :func:`read_back` turns the trained model back
into one that reads and writes the real indices, which the checker's measures expect.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbook.exercises.compare import fmt, type_name
from dlbook.exercises.core import Incorrect, call_student, describe_exception
from dlbook.exercises.design import TrainedCodeExercise


def renaming(size: int, groups) -> np.ndarray:
    """``r`` with ``r[i]`` the index the checker uses for word ``i``: within each group of
    indices (a list), each word takes the index of the next one (the last the first's), so
    no word of a group keeps its index; indices in no group keep theirs."""
    r = np.arange(size)
    for group in groups:
        group = list(group)
        for a, b in zip(group, group[1:] + group[:1]):
            r[a] = b
    return r


def read_back(model, table: np.ndarray, inputs):
    """``model`` (trained on renamed indices) as a model of the real ones: ``inputs`` is a
    list of ``(shape, dtype, renamed)`` of its inputs, in order; the renamed ones are passed
    through ``table`` on the way in, and the output's last axis (one score per word) comes
    back through it. Raises whatever calling ``model`` on those inputs raises."""
    import keras

    class Take(keras.layers.Layer):
        """``take(table, x)`` (indices in) or ``take(x, table, axis=-1)`` (scores out)."""

        def __init__(self, table, scores: bool, **kwargs):
            super().__init__(**kwargs)
            self.table, self.scores = np.asarray(table, "int32"), scores
            self.supports_masking = True  # a mask (mask_zero=True) passes through

        def call(self, x):
            if self.scores:
                return keras.ops.take(x, self.table, axis=-1)
            return keras.ops.take(self.table, keras.ops.cast(x, "int32"), axis=0)

        def compute_output_shape(self, shape):
            return shape

    ins = [keras.Input(shape=shape, dtype=dtype) for shape, dtype, _ in inputs]
    fed = [Take(table, False, dtype="int32")(x) if renamed else x
           for x, (_, _, renamed) in zip(ins, inputs)]
    out = model(fed if len(fed) > 1 else fed[0])
    return keras.Model(ins, Take(table, True)(out))


class ReferenceThen:
    """A recorded answer of a :class:`RenamedTrainingExercise`: the reference's training
    function, its trained model (the one the checker already trained on these arrays, not
    trained again) passed through ``build`` (a function of the model)."""

    def __init__(self, build):
        self.build = build


class RenamedTrainingExercise(TrainedCodeExercise):
    """An exercise whose answer is the function that trains the model (its name is the
    exercise's ``answer_name``): the checker calls it on its own arrays with the words
    renamed (:meth:`training_data`), once per backend, seed and function, and grades the
    model read back through the renaming (:meth:`view`). A subclass gives the data, the
    view, what the returned model must be, and the words of the messages."""

    #: What the function trains ("captioner"), and its arguments ("X, tokens_in, tokens_out").
    thing = "model"
    arguments = ""
    #: Where the checker's arrays come from ("on the notebook's images").
    data_words = ""
    #: What the function must return ("the trained decoder model with two inputs, ...").
    returns = "the trained model"
    #: How a model that fails in :meth:`view` is named ("Your model, called on ...,").
    call_words = "Your model"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._trained: dict = {}

    @property
    def signature(self) -> str:
        return f"{self.answer_name}({self.arguments})"

    def blank_message(self) -> str:
        return (f"write {self.signature} in place of the raise NotImplementedError(), then "
                "run this cell again.")

    def training_data(self) -> tuple[list, np.ndarray]:
        """``(arrays, table)``: the arguments the function is called with, renamed by
        ``table`` (:func:`renaming`)."""
        raise NotImplementedError

    def view(self, model, table: np.ndarray):
        """``model`` read back through ``table`` (:func:`read_back` with its inputs)."""
        raise NotImplementedError

    def returns_a_model(self, model) -> bool:
        """Whether the function returned a model of the right kind."""
        raise NotImplementedError

    def trained(self, train: Any, seed: int | None = None) -> tuple:
        """``(model, view)``: what ``train`` returns when the checker calls it on its renamed
        arrays at ``seed`` (cached), and that model read back through the renaming."""
        import keras

        if isinstance(train, keras.Model) or type(train).__name__ == "History":
            raise Incorrect(f"{self.name} takes the function that trains the {self.thing}, "
                            f"not a model: {self.name}.check({self.answer_name}). The checker "
                            "calls it on data of its own.")
        if not callable(train):
            raise Incorrect(f"expected the function {self.signature}, but got {fmt(train)} "
                            f"({type_name(train)}).")
        seed = self.seed if seed is None else seed
        key = (keras.backend.backend(), seed, train)
        if key not in self._trained:
            arrays, table = self.training_data()
            keras.utils.set_random_seed(seed)
            model = call_student(train, *arrays,
                                 when=f", when the checker called {self.signature} "
                                      f"{self.data_words}")
            if type(model).__name__ == "History":
                raise Incorrect(f"{self.answer_name} returned the History that fit() returns: "
                                "return the trained model itself.")
            if not self.returns_a_model(model):
                raise Incorrect(f"{self.answer_name} should return {self.returns}, but it "
                                f"returned {fmt(model)} ({type_name(model)}).")
            try:
                view = self.view(model, table)
            except Exception as exc:  # noqa: BLE001 - the student's model
                raise Incorrect(describe_exception(exc, self.call_words)) from None
            self._trained[key] = (model, view)
        return self._trained[key]

    def recorded(self, answer: Any) -> Any:
        if isinstance(answer, ReferenceThen):
            train = self.run(self.solution_text())

            def wrapped(*arrays):
                return answer.build(self.trained(train)[0])
            return wrapped
        return super().recorded(answer)

    def trained_model(self, train: Any):
        """The model the checker trained from ``train`` (at the notebook's seed), read back
        to the real words: what the notebook's evaluation uses."""
        return self.trained(train)[1]
