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

import numpy as np


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
