"""Rosenblatt's perceptron: prediction and the learning rule, in NumPy.

Derived in the Unit 1 chapter, section "The perceptron"
(``chapters/01_neural_networks``, label ``ch1-perceptron``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["perceptron_predict", "perceptron_train", "PerceptronRun"]


def perceptron_predict(X, w, b):
    """Threshold unit: 1 where X @ w + b > 0 (strictly), else 0."""
    return np.where(np.asarray(X) @ w + b > 0, 1, 0)


class PerceptronRun(NamedTuple):
    w: np.ndarray
    b: float
    epochs: int  # epochs run, the last one error-free if converged
    converged: bool
    errors: list  # misclassified examples in each epoch
    history: list  # (epoch, x, target, output, w, b) after every example


def perceptron_train(X, y, lr=1.0, num_epochs=20, strict=True):
    """Rosenblatt's learning rule, one example at a time, in the given order.

    Starts from w = 0, b = 0. For each example: o = 1 if w.x + b > 0 else 0
    (``strict=False``: if w.x + b >= 0, the threshold test of some notes);
    then w += lr * (t - o) * x and b += lr * (t - o). Stops after the first
    epoch without a mistake, or after ``num_epochs``. The chapter section
    "The perceptron" traces AND both ways (b = -2 strict, -3 with >= 0).
    """
    X = np.asarray(X, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    errors, history = [], []
    for epoch in range(1, num_epochs + 1):
        mistakes = 0
        for x, t in zip(X, y):
            net = x @ w + b
            o = int(net > 0 if strict else net >= 0)
            w = w + lr * (t - o) * x
            b = float(b + lr * (t - o))
            mistakes += int(o != t)
            history.append((epoch, x.copy(), int(t), o, w.copy(), b))
        errors.append(mistakes)
        if mistakes == 0:
            return PerceptronRun(w, b, epoch, True, errors, history)
    return PerceptronRun(w, b, num_epochs, False, errors, history)


