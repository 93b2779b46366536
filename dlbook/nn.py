"""Tiny NumPy neural networks for Unit 1: activations, a perceptron, backprop.

Everything here is written to be read. The Unit 1 chapter derives each
function before using it, and the Unit 1 lab imports them so that students
can check their own versions against the same code.

Conventions (the same as Keras):

* inputs are row vectors and a layer computes ``z = x @ W + b``;
* ``W[i, j]`` is the weight *from* unit ``i`` of the previous layer *to*
  unit ``j`` of this layer, so ``W`` has shape ``(n_in, n_out)``, like the
  kernel of ``keras.layers.Dense``;
* the loss of the backprop examples is ``E = 1/2 * sum((t - o)**2)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "linear", "binary_step", "bipolar_step", "sigmoid", "sigmoid_grad",
    "bipolar_sigmoid", "bipolar_sigmoid_grad", "tanh", "tanh_grad", "relu",
    "relu_grad", "leaky_relu", "leaky_relu_grad", "softmax",
    "perceptron_predict", "perceptron_train", "PerceptronRun",
    "forward", "backward", "sgd_step", "Forward", "Gradients",
]

# ---- activation functions ------------------------------------------------


def linear(z):
    """Identity: f(z) = z."""
    return np.asarray(z, dtype=float)


def binary_step(z, theta=0.0):
    """1 where z >= theta, else 0."""
    return np.where(np.asarray(z) >= theta, 1.0, 0.0)


def bipolar_step(z, theta=0.0):
    """1 where z >= theta, else -1."""
    return np.where(np.asarray(z) >= theta, 1.0, -1.0)


def sigmoid(z, lam=1.0):
    """Binary (logistic) sigmoid 1 / (1 + exp(-lam*z)), in (0, 1)."""
    with np.errstate(over="ignore"):  # exp overflows to inf for z << 0: f = 0
        return 1.0 / (1.0 + np.exp(-lam * np.asarray(z, dtype=float)))


def sigmoid_grad(z, lam=1.0):
    """Derivative of :func:`sigmoid`: lam * f * (1 - f)."""
    f = sigmoid(z, lam)
    return lam * f * (1.0 - f)


def bipolar_sigmoid(z, lam=1.0):
    """Bipolar sigmoid 2 / (1 + exp(-lam*z)) - 1 = tanh(lam*z/2), in (-1, 1)."""
    return 2.0 * sigmoid(z, lam) - 1.0


def bipolar_sigmoid_grad(z, lam=1.0):
    """Derivative of :func:`bipolar_sigmoid`: lam/2 * (1 + f) * (1 - f)."""
    f = bipolar_sigmoid(z, lam)
    return lam / 2.0 * (1.0 + f) * (1.0 - f)


def tanh(z):
    """Hyperbolic tangent, in (-1, 1)."""
    return np.tanh(np.asarray(z, dtype=float))


def tanh_grad(z):
    """Derivative of tanh: 1 - tanh(z)**2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    """Rectified linear unit max(0, z)."""
    return np.maximum(0.0, np.asarray(z, dtype=float))


def relu_grad(z):
    """1 where z > 0, else 0 (the value at 0 is a convention)."""
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def leaky_relu(z, slope=0.1):
    """z where z > 0, else slope * z. (Keras defaults: layer 0.3, function 0.2.)"""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, slope * z)


def leaky_relu_grad(z, slope=0.1):
    """1 where z > 0, else slope."""
    return np.where(np.asarray(z) > 0, 1.0, slope)


def softmax(z, axis=-1):
    """exp(z_i) / sum_j exp(z_j) along ``axis``, computed stably."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---- the perceptron ------------------------------------------------------


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


def perceptron_train(X, y, lr=1.0, num_epochs=20):
    """Rosenblatt's learning rule, one example at a time, in the given order.

    Starts from w = 0, b = 0. For each example: o = 1 if w.x + b > 0 else 0;
    then w += lr * (t - o) * x and b += lr * (t - o). Stops after the first
    epoch without a mistake, or after ``num_epochs``.
    """
    X = np.asarray(X, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    errors, history = [], []
    for epoch in range(1, num_epochs + 1):
        mistakes = 0
        for x, t in zip(X, y):
            o = int(x @ w + b > 0)
            w = w + lr * (t - o) * x
            b = float(b + lr * (t - o))
            mistakes += int(o != t)
            history.append((epoch, x.copy(), int(t), o, w.copy(), b))
        errors.append(mistakes)
        if mistakes == 0:
            return PerceptronRun(w, b, epoch, True, errors, history)
    return PerceptronRun(w, b, num_epochs, False, errors, history)


# ---- a two-layer sigmoid network and backpropagation -----------------------


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
