"""Activation functions and their derivatives, in NumPy.

Derived in the Unit 1 chapter, section "Activation functions"
(``chapters/01_neural_networks``, label ``ch1-activations``); softmax is in
the same section.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "linear", "binary_step", "bipolar_step", "sigmoid", "sigmoid_grad",
    "bipolar_sigmoid", "bipolar_sigmoid_grad", "tanh", "tanh_grad", "relu",
    "relu_grad", "leaky_relu", "leaky_relu_grad", "softmax", "elu", "elu_grad",
    "maxout",
]


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




def elu(z, alpha=1.0):
    """Exponential linear unit: z where z > 0, else alpha * (exp(z) - 1).

    The Q&A notes' formula (chapter section "Activation functions", label
    ``ch1-elu-maxout``); ``alpha=1`` is Keras's default.
    """
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z, alpha=1.0):
    """Derivative of :func:`elu`: 1 where z > 0, else alpha * exp(z)."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def maxout(x, W, b):
    """Maxout units: the largest of k affine pieces, max_j (x @ W[j] + b[j]).

    ``x`` has shape (..., n_in), ``W`` (k, n_in, n_units) and ``b``
    (k, n_units); the result has shape (..., n_units). The Q&A notes' formula
    max(w1.x + b1, w2.x + b2) is k = 2 (chapter section "Activation
    functions", label ``ch1-elu-maxout``).
    """
    x, W, b = np.asarray(x, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if W.ndim != 3 or b.shape != (W.shape[0], W.shape[2]) or x.shape[-1] != W.shape[1]:
        raise ValueError(
            f"maxout needs x (..., n_in), W (k, n_in, n_units), b (k, n_units); "
            f"got x {x.shape}, W {W.shape}, b {b.shape}")
    pieces = np.stack([x @ W[j] + b[j] for j in range(W.shape[0])])
    return pieces.max(axis=0)
