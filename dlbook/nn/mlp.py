"""A two-layer sigmoid network: forward pass, backpropagation, one SGD step.

Derived in the Unit 1 chapter, sections "Forward propagation in matrix form"
(label ``ch1-forward``) and "Backpropagation" (``chapters/01_neural_networks``).
The loss is ``E = 1/2 * sum((t - o)**2)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = ["forward", "backward", "sgd_step", "Forward", "Gradients"]


class Forward(NamedTuple):
    z1: np.ndarray  # net inputs of the hidden layer
    h: np.ndarray  # hidden outputs sigmoid(z1)
    z2: np.ndarray  # net inputs of the output layer
    o: np.ndarray  # outputs sigmoid(z2)
    loss: float  # E = 1/2 * sum((t - o)**2), or nan without a target


class Gradients(NamedTuple):
    delta2: np.ndarray  # output deltas dE/dz2 = (o - t) * o * (1 - o)
    delta1: np.ndarray  # hidden deltas dE/dz1 = (delta2 @ W2.T) * h * (1 - h)
    dW1: np.ndarray  # dE/dW1 = outer(x, delta1)
    dW2: np.ndarray  # dE/dW2 = outer(h, delta2)
    db1: np.ndarray
    db2: np.ndarray


def forward(x, W1, W2, b1=0.0, b2=0.0, t=None):
    """Forward pass of a two-layer sigmoid network (any layer sizes)."""
    x = np.asarray(x, dtype=float)
    z1 = x @ W1 + b1
    h = sigmoid(z1)
    z2 = h @ W2 + b2
    o = sigmoid(z2)
    loss = float("nan") if t is None else 0.5 * float(np.sum((np.asarray(t) - o) ** 2))
    return Forward(z1, h, z2, o, loss)


def backward(x, t, W1, W2, b1=0.0, b2=0.0):
    """Gradients of E = 1/2 * sum((t - o)**2) with respect to every weight.

    The hidden deltas are computed with the current ``W2``: backpropagation
    takes every gradient at the same (old) weights before changing any.
    """
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    f = forward(x, W1, W2, b1, b2)
    delta2 = (f.o - t) * f.o * (1.0 - f.o)
    delta1 = (delta2 @ np.asarray(W2).T) * f.h * (1.0 - f.h)
    return Gradients(delta2, delta1, np.outer(x, delta1), np.outer(f.h, delta2), delta1, delta2)


def sgd_step(x, t, W1, W2, b1=0.0, b2=0.0, lr=0.5, update_biases=False):
    """One gradient-descent step; returns the new ``(W1, W2, b1, b2)``."""
    g = backward(x, t, W1, W2, b1, b2)
    W1, W2 = W1 - lr * g.dW1, W2 - lr * g.dW2
    if update_biases:
        b1, b2 = b1 - lr * g.db1, b2 - lr * g.db2
    return W1, W2, b1, b2
