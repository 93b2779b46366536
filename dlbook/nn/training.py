"""Training deep networks: back-propagation for L layers, and the tools that tame it.

Derived in the Unit 2 chapter (``chapters/02_training_deep_networks``):

* "The back-propagation algorithm" (label ``ch2-backprop-algorithm``):
  :func:`deep_init`, :func:`deep_forward`, :func:`deep_backward`,
  :func:`deep_sgd_step`, :func:`deep_train`;
* "Vanishing and exploding gradients" (``ch2-vanishing``):
  :func:`layer_gradient_norms`;
* "Mitigation" (``ch2-mitigation``): :func:`init_std` (Xavier/Glorot and He),
  :func:`activation_stds`, :func:`clip_by_norm`, :func:`clip_by_value`;
* "ReLU heuristics" (``ch2-relu-heuristics``): :func:`dead_fraction`;
* "Regularization" (``ch2-regularization``): :func:`weight_penalty`;
* "Dropout" (``ch2-dropout``): :func:`dropout_mask`, :func:`dropout`;
* "Batch normalization" (``ch2-batchnorm``): :func:`batchnorm_forward`,
  :func:`batchnorm_inference`, :func:`moving_average`.

Conventions as in :mod:`dlbook.nn` (and Keras): rows are examples, a layer
computes ``Z = A @ W + b`` with ``W`` of shape ``(n_in, n_out)``. The loss of
the deep network is the mean squared error with a half,
``E = 1/(2N) * sum((O - T)**2)`` over the ``N`` rows, so that one row gives
Unit 1's ``E = 1/2 * sum((t - o)**2)``.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from dlbook.nn.activations import relu, relu_grad, sigmoid, sigmoid_grad, tanh, tanh_grad

__all__ = [
    "ACTIVATIONS", "DeepForward", "DeepGradients", "deep_init", "deep_forward",
    "deep_backward", "deep_sgd_step", "deep_train", "layer_gradient_norms",
    "init_std", "activation_stds", "clip_by_norm", "clip_by_value",
    "dead_fraction", "weight_penalty", "dropout_mask", "dropout",
    "batchnorm_forward", "batchnorm_inference", "moving_average",
]

# name -> (f, f'); f' takes the net input z.
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "linear": (lambda z: np.asarray(z, dtype=float), lambda z: np.ones_like(z, dtype=float)),
}


def _activation(name: str):
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {name!r}") from None


def _per_layer(activation, n_layers: int) -> list[str]:
    """One activation name per layer: a name for all, or a list of them."""
    names = [activation] * n_layers if isinstance(activation, str) else list(activation)
    if len(names) != n_layers:
        raise ValueError(f"{len(names)} activations for {n_layers} layers")
    for name in names:
        _activation(name)
    return names


def init_std(fan_in: int, fan_out: int, scheme: str = "he") -> float:
    """Standard deviation of a zero-mean initialisation.

    ``"xavier"`` (Glorot and Bengio 2010): ``sqrt(2 / (fan_in + fan_out))``,
    keeps the variance of activations *and* of gradients for tanh/linear units;
    ``"he"`` (He et al. 2015): ``sqrt(2 / fan_in)``, for ReLU, which zeroes half
    of its inputs. Keras's ``glorot_normal`` and ``he_normal`` use these
    standard deviations (with a truncated normal).
    """
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if scheme == "he":
        return float(np.sqrt(2.0 / fan_in))
    raise ValueError(f"scheme must be 'xavier' or 'he', not {scheme!r}")


def deep_init(sizes: Sequence[int], scheme: str = "he", scale: float = 1.0, seed: int = 0,
              bias: float = 0.0):
    """Weights and biases of a dense network with layer sizes ``sizes``.

    ``W[l]`` is drawn from a normal distribution with the standard deviation of
    ``scheme`` (``"xavier"``, ``"he"``, or a number for a fixed one) times
    ``scale``; every bias is ``bias``. Returns ``(weights, biases)``, lists of
    arrays.
    """
    if len(sizes) < 2:
        raise ValueError("sizes needs at least an input and an output size")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = float(scheme) if not isinstance(scheme, str) else init_std(n_in, n_out, scheme)
        weights.append(rng.normal(0.0, std * scale, size=(n_in, n_out)))
        biases.append(np.full(n_out, float(bias)))
    return weights, biases


class DeepForward(NamedTuple):
    Z: list  # net inputs of every layer, Z[l] = A[l] @ W[l] + b[l]
    A: list  # activations, A[0] = X and A[l + 1] = f(Z[l]); A[-1] is the output
    loss: float  # E = 1/(2N) * sum((O - T)**2), or nan without targets


class DeepGradients(NamedTuple):
    deltas: list  # deltas[l] = dE/dZ[l], one row per example
    dW: list  # dE/dW[l] = A[l].T @ deltas[l]
    db: list  # dE/db[l] = deltas[l] summed over the rows
    loss: float


def deep_forward(X, weights, biases, activation="sigmoid", T=None) -> DeepForward:
    """Forward pass of an L-layer dense network, vectorised over the rows of ``X``."""
    names = _per_layer(activation, len(weights))
    A = [np.atleast_2d(np.asarray(X, dtype=float))]
    Z = []
    for W, b, name in zip(weights, biases, names):
        Z.append(A[-1] @ W + b)
        A.append(_activation(name)[0](Z[-1]))
    loss = float("nan")
    if T is not None:
        T = np.atleast_2d(np.asarray(T, dtype=float))
        loss = 0.5 * float(np.sum((A[-1] - T) ** 2)) / len(A[-1])
    return DeepForward(Z, A, loss)


def deep_backward(X, T, weights, biases, activation="sigmoid") -> DeepGradients:
    """Back-propagation: the gradient of ``E`` with respect to every weight and bias.

    Output layer: ``delta_L = (O - T) / N * f'(Z_L)``; each layer below:
    ``delta_l = (delta_{l+1} @ W_{l+1}.T) * f'(Z_l)``, always with the current
    (old) weights; then ``dE/dW_l = A_l.T @ delta_l`` and
    ``dE/db_l = sum of delta_l over the rows``.
    """
    names = _per_layer(activation, len(weights))
    fwd = deep_forward(X, weights, biases, names, T)
    T = np.atleast_2d(np.asarray(T, dtype=float))
    n = len(fwd.A[0])
    delta = (fwd.A[-1] - T) / n * _activation(names[-1])[1](fwd.Z[-1])
    deltas = [delta]
    for l in range(len(weights) - 1, 0, -1):
        delta = (delta @ weights[l].T) * _activation(names[l - 1])[1](fwd.Z[l - 1])
        deltas.insert(0, delta)
    dW = [A.T @ d for A, d in zip(fwd.A[:-1], deltas)]
    db = [d.sum(axis=0) for d in deltas]
    return DeepGradients(deltas, dW, db, fwd.loss)


def deep_sgd_step(X, T, weights, biases, lr: float, activation="sigmoid"):
    """One gradient-descent step on every layer; returns ``(weights, biases, loss)``.

    ``loss`` is the loss *before* the step.
    """
    g = deep_backward(X, T, weights, biases, activation)
    weights = [W - lr * dW for W, dW in zip(weights, g.dW)]
    biases = [b - lr * db for b, db in zip(biases, g.db)]
    return weights, biases, g.loss


def deep_train(X, T, weights, biases, lr: float, num_epochs: int, activation="sigmoid",
               batch_size: int | None = None, seed: int = 0):
    """Mini-batch gradient descent with back-propagation (the whole batch by default).

    Returns ``(weights, biases, losses)`` where ``losses[k]`` is the loss on all
    of ``X`` after epoch ``k`` (``losses[0]`` before training).
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    T = np.atleast_2d(np.asarray(T, dtype=float))
    rng = np.random.default_rng(seed)
    batch_size = batch_size or len(X)
    losses = [deep_forward(X, weights, biases, activation, T).loss]
    for _ in range(num_epochs):
        order = rng.permutation(len(X)) if batch_size < len(X) else np.arange(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            weights, biases, _ = deep_sgd_step(X[rows], T[rows], weights, biases, lr, activation)
        losses.append(deep_forward(X, weights, biases, activation, T).loss)
    return weights, biases, np.array(losses)


def layer_gradient_norms(grads) -> np.ndarray:
    """The Euclidean (Frobenius) norm of each layer's weight gradient.

    ``grads`` is a :class:`DeepGradients` or a list of arrays.
    """
    dW = grads.dW if isinstance(grads, DeepGradients) else grads
    return np.array([float(np.linalg.norm(g)) for g in dW])


def activation_stds(X, weights, biases, activation="relu") -> np.ndarray:
    """The standard deviation of each layer's activations (all units, all rows)."""
    fwd = deep_forward(X, weights, biases, activation)
    return np.array([float(np.std(a)) for a in fwd.A[1:]])


def clip_by_norm(g, max_norm: float):
    """Rescale ``g`` to norm ``max_norm`` if it is longer: ``g * min(1, c / ||g||)``.

    Keras's ``clipnorm=c`` does this to each weight's gradient separately
    (``global_clipnorm`` to all of them as one vector). The direction is kept.
    """
    g = np.asarray(g, dtype=float)
    norm = float(np.linalg.norm(g))
    return g if norm <= max_norm else g * (max_norm / norm)


def clip_by_value(g, max_value: float):
    """Clip every component of ``g`` to ``[-max_value, max_value]`` (Keras ``clipvalue``).

    Unlike :func:`clip_by_norm`, this can change the direction of ``g``.
    """
    return np.clip(np.asarray(g, dtype=float), -max_value, max_value)


def dead_fraction(X, weights, biases) -> float:
    """The fraction of hidden ReLU units that output 0 for every row of ``X``.

    Such a unit has zero gradient on all of these inputs, so gradient descent
    cannot revive it: it is *dead*. Every layer but the last counts as hidden.
    """
    fwd = deep_forward(X, weights, biases, ["relu"] * (len(weights) - 1) + ["linear"])
    hidden = fwd.A[1:-1]
    if not hidden:
        raise ValueError("dead_fraction needs a network with at least one hidden layer")
    dead = sum(int(np.sum(np.all(a <= 0, axis=0))) for a in hidden)
    return dead / sum(a.shape[1] for a in hidden)


def weight_penalty(weights, l1: float = 0.0, l2: float = 0.0) -> float:
    """``l1 * sum|w| + l2 * sum w**2`` over every weight matrix (biases excluded).

    The same as ``keras.regularizers.L1L2(l1, l2)`` summed over the layers:
    ``l1`` alone is L1 (lasso), ``l2`` alone is L2 (ridge), both is the elastic
    net. The training loss is the data loss *plus* this penalty.
    """
    return float(sum(l1 * np.sum(np.abs(W)) + l2 * np.sum(np.square(W)) for W in weights))


def dropout_mask(shape, rate: float, rng) -> np.ndarray:
    """A keep-mask: each entry is 1 with probability ``1 - rate``, independently."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"the dropout rate must be in [0, 1), not {rate}")
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    return (rng.random(shape) >= rate).astype(float)


def dropout(x, rate: float, mask=None, rng=None, training: bool = True):
    """Inverted dropout, as ``keras.layers.Dropout``: ``x * mask / (1 - rate)``.

    At inference (``training=False``) the layer is the identity. Pass ``mask``
    to choose which units survive, or ``rng`` (a seed or a Generator) to draw
    it. Returns ``(output, mask)``.
    """
    x = np.asarray(x, dtype=float)
    if not training:
        return x, np.ones_like(x)
    if mask is None:
        mask = dropout_mask(x.shape, rate, rng)
    mask = np.asarray(mask, dtype=float)
    return x * mask / (1.0 - rate), mask


def batchnorm_forward(x, gamma=1.0, beta=0.0, eps: float = 1e-3):
    """Batch normalisation in training mode, feature by feature (column by column).

    ``mu`` and ``var`` are the batch mean and the *biased* batch variance
    (divide by N); ``x_hat = (x - mu) / sqrt(var + eps)``; the output is
    ``gamma * x_hat + beta``. ``eps = 1e-3`` is Keras's default. Returns
    ``(y, mu, var)``.
    """
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, mu, var


def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps: float = 1e-3):
    """Batch normalisation at inference: the stored (moving) statistics replace the batch's."""
    x = np.asarray(x, dtype=float)
    return gamma * (x - moving_mean) / np.sqrt(moving_var + eps) + beta


def moving_average(moving, batch_value, momentum: float = 0.99):
    """One update of a moving statistic: ``momentum * moving + (1 - momentum) * batch``.

    Keras's ``BatchNormalization`` keeps its moving mean and variance this way
    (``momentum = 0.99`` by default; they start at 0 and 1).
    """
    return momentum * np.asarray(moving, dtype=float) + (1.0 - momentum) * np.asarray(batch_value)
