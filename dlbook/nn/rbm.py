"""A restricted Boltzmann machine with binary units, trained by CD-1, in NumPy.

Written for the Unit 5 chapter (section ``ch5-rbm``). ``v`` holds the
visible units (shape ``(d,)`` or a batch ``(n, d)``), ``h`` the hidden units
(``(k,)`` or ``(n, k)``); ``W`` is ``(d, k)``, ``b`` the visible and ``c`` the
hidden biases. The energy and the two conditionals::

    E(v, h) = -b.v - c.h - v W h
    p(h_j = 1 | v) = sigmoid(c_j + (v W)_j)
    p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)

Contrastive divergence with one Gibbs step (CD-1, Hinton 2002) estimates the
gradient of the log-likelihood from the data (positive phase) and from a
one-step reconstruction (negative phase): ``dW = (v0^T p(h|v0) - v1^T p(h|v1)) / n``.
For a machine small enough to enumerate, :func:`rbm_log_likelihood` gives
the exact average log-likelihood, so that a test can see CD-1 raise it.
"""

from __future__ import annotations

import itertools

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = ["rbm_energy", "rbm_hidden_probs", "rbm_visible_probs", "rbm_free_energy",
           "rbm_log_likelihood", "cd1_gradient", "train_rbm"]


def rbm_energy(v, h, W, b, c):
    """``E(v, h) = -b.v - c.h - v W h``; one value per row for batches."""
    v, h = np.asarray(v, dtype=float), np.asarray(h, dtype=float)
    return -(v @ b) - (h @ c) - np.sum((v @ W) * h, axis=-1)


def rbm_hidden_probs(v, W, c):
    """``p(h_j = 1 | v) = sigmoid(c_j + (v W)_j)`` for every hidden unit."""
    return sigmoid(np.asarray(v, dtype=float) @ W + c)


def rbm_visible_probs(h, W, b):
    """``p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)`` for every visible unit."""
    return sigmoid(np.asarray(h, dtype=float) @ np.asarray(W).T + b)


def rbm_free_energy(v, W, b, c):
    """``F(v) = -b.v - sum_j log(1 + exp(c_j + (v W)_j))``, so that
    ``p(v) = exp(-F(v)) / Z`` once the hidden units are summed out."""
    v = np.asarray(v, dtype=float)
    return -(v @ b) - np.sum(np.logaddexp(0.0, v @ W + c), axis=-1)


def rbm_log_likelihood(V, W, b, c) -> float:
    """The exact mean ``log p(v)`` over the rows of ``V``, with the partition
    function ``Z`` summed over all ``2^d`` visible vectors (``d <= 20``)."""
    d = np.shape(W)[0]
    if d > 20:
        raise ValueError(f"{d} visible units are too many to enumerate 2^{d} states")
    states = np.array(list(itertools.product((0.0, 1.0), repeat=d)))
    log_z = np.logaddexp.reduce(-rbm_free_energy(states, W, b, c))
    return float(np.mean(-rbm_free_energy(V, W, b, c)) - log_z)


def cd1_gradient(v0, W, b, c, rng):
    """One CD-1 estimate of the log-likelihood gradient on the batch ``v0``.

    Positive phase ``p0 = p(h|v0)``; sample ``h0 ~ Bernoulli(p0)`` with
    ``rng.random`` (one draw per hidden unit and example); reconstruct
    ``v1 = p(v|h0)`` (probabilities, not samples, as Hinton's guide advises);
    negative phase ``p1 = p(h|v1)``. Returns ``(dW, db, dc, v1)``, the
    gradient to *add* (ascent) times the learning rate, and the reconstruction.
    """
    v0 = np.atleast_2d(np.asarray(v0, dtype=float))
    n = v0.shape[0]
    p0 = rbm_hidden_probs(v0, W, c)
    h0 = (rng.random(p0.shape) < p0).astype(float)
    v1 = rbm_visible_probs(h0, W, b)
    p1 = rbm_hidden_probs(v1, W, c)
    dW = (v0.T @ p0 - v1.T @ p1) / n
    db = (v0 - v1).mean(axis=0)
    dc = (p0 - p1).mean(axis=0)
    return dW, db, dc, v1


def train_rbm(V, num_hidden: int, lr: float = 0.1, num_epochs: int = 100,
              batch_size: int | None = None, seed: int = 0):
    """Train an RBM with CD-1 on the binary rows of ``V``.

    Returns ``(W, b, c, errors)`` where ``errors[t]`` is the mean squared
    reconstruction error ``mean((v0 - v1)^2)`` of epoch ``t``'s batches.
    Weights start at N(0, 0.01^2), biases at zero; minibatches are shuffled
    by the same ``seed``.
    """
    V = np.asarray(V, dtype=float)
    rng = np.random.default_rng(seed)
    n, d = V.shape
    W = rng.normal(scale=0.01, size=(d, num_hidden))
    b, c = np.zeros(d), np.zeros(num_hidden)
    batch_size = batch_size or n
    errors = []
    for _ in range(num_epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            v0 = V[order[start:start + batch_size]]
            dW, db, dc, v1 = cd1_gradient(v0, W, b, c, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
            total += float(np.sum((v0 - v1) ** 2))
        errors.append(total / V.size)
    return W, b, c, np.array(errors)
