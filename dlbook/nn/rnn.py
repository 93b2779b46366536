"""Recurrent cells, one time step at a time, in NumPy, with Keras's weights.

Written for the Unit 4 chapter (recurrent networks). Each step takes the
input ``x`` of one time step, shape ``(batch, input_dim)`` or
``(input_dim,)``, the previous state, and the weights in the layout of the
Keras layer, so that ``layer.get_weights()`` can be passed straight in:

* ``SimpleRNN``: ``kernel`` (input_dim, units), ``recurrent_kernel``
  (units, units), ``bias`` (units,);
  ``h_t = tanh(x_t W + h_{t-1} U + b)``.
* ``LSTM``: the same with 4 * units columns, gates in the order input,
  forget, candidate, output; ``c_t = f * c_{t-1} + i * g`` and
  ``h_t = o * tanh(c_t)``.
* ``GRU``: 3 * units columns, in the order update ``z``, reset ``r``,
  candidate; ``h_t = z * h_{t-1} + (1 - z) * candidate``. With
  ``reset_after=True`` (Keras's default) ``bias`` is (2, 3 * units), input
  and recurrent biases, and the reset gate multiplies ``h_{t-1} U_h + b``
  after the product; with ``reset_after=False`` it multiplies ``h_{t-1}``
  before it, and ``bias`` is (3 * units,).

Gates are matrix products followed by an element-wise sigmoid or tanh; the
only element-wise (Hadamard) products are gate * state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = ["rnn_step", "lstm_step", "gru_step", "run_cell", "ScalarBPTT", "scalar_rnn_bptt"]


def rnn_step(x, h, kernel, recurrent_kernel, bias):
    """One step of ``keras.layers.SimpleRNN`` (tanh): returns ``h_t``."""
    return np.tanh(x @ kernel + h @ recurrent_kernel + bias)


def lstm_step(x, state, kernel, recurrent_kernel, bias):
    """One step of ``keras.layers.LSTM``: ``state = (h, c)``; returns ``(h_t, c_t)``."""
    h, c = state
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c + i * g
    return o * np.tanh(c), c


def gru_step(x, h, kernel, recurrent_kernel, bias, reset_after: bool = True):
    """One step of ``keras.layers.GRU``; returns ``h_t``."""
    bias = np.asarray(bias, dtype=float)
    if reset_after:
        if bias.ndim != 2:
            raise ValueError("with reset_after=True the bias is (2, 3 * units): input and recurrent")
        b_in, b_rec = bias
    else:
        if bias.ndim != 1:
            raise ValueError("with reset_after=False the bias is (3 * units,)")
        b_in, b_rec = bias, np.zeros_like(bias)
    xz, xr, xh = np.split(x @ kernel + b_in, 3, axis=-1)
    uz, ur, uh = np.split(recurrent_kernel, 3, axis=-1)
    bz, br, bh = np.split(b_rec, 3, axis=-1)
    z = sigmoid(xz + h @ uz + bz)
    r = sigmoid(xr + h @ ur + br)
    if reset_after:
        candidate = np.tanh(xh + r * (h @ uh + bh))
    else:
        candidate = np.tanh(xh + (r * h) @ uh)
    return z * h + (1 - z) * candidate


def run_cell(step, xs, state, *weights, **options):
    """Apply ``step`` along the time axis of ``xs`` (batch, time, features).

    Returns the list of the states after each step (for an LSTM, ``(h, c)``
    pairs), starting from ``state``.
    """
    xs = np.asarray(xs, dtype=float)
    states = []
    for t in range(xs.shape[1]):
        state = step(xs[:, t], state, *weights, **options)
        states.append(state)
    return states


# ---- backpropagation through time, by hand, for a scalar RNN -------------------------

class ScalarBPTT(NamedTuple):
    """The forward pass and the BPTT gradients of :func:`scalar_rnn_bptt`.

    ``terms[name][k]`` is what time step ``k`` adds to the gradient of weight
    ``name``: the error signal that reaches ``s_k`` times the *explicit*
    derivative of ``s_k`` (or of ``y_k`` for ``wy``). ``grads[name]`` is their sum.
    """

    states: np.ndarray   # s_1 .. s_T
    outputs: np.ndarray  # y_1 .. y_T
    loss: float          # E = sum_t 1/2 (y_t - d_t)^2
    terms: dict
    grads: dict


def scalar_rnn_bptt(x, d, wx: float, ws: float, wy: float, s0: float = 0.0,
                    truncate: int | None = None) -> ScalarBPTT:
    """Forward pass and BPTT of ``s_t = tanh(wx x_t + ws s_{t-1})``, ``y_t = wy s_t``.

    The loss is ``E = sum_t 1/2 (y_t - d_t)^2``. Each ``E_t`` sends its error
    back through ``s_t, s_{t-1}, ...``: at every step it multiplies by
    ``ds_k/ds_{k-1} = ws (1 - s_k^2)`` and adds ``delta * ds_k+/dw`` to the
    gradient, where ``ds_k+/dw`` is the explicit derivative (``s_{k-1}``
    held fixed). With ``truncate=k`` (truncated BPTT) each ``E_t`` reaches only
    the ``k`` most recent steps, ``s_t, s_{t-1}, ..., s_{t-k+1}``: a window of
    ``k`` steps, ``k - 1`` steps back, as when a sequence is cut into windows
    of ``k`` steps. ``truncate=1`` keeps only each step's explicit derivative
    and does not go back in time at all; ``None`` is the full gradient.
    """
    x = np.asarray(x, dtype=float).ravel()
    d = np.asarray(d, dtype=float).ravel()
    if x.shape != d.shape:
        raise ValueError(f"x and d need one value per time step; got {x.size} and {d.size}")
    if truncate is not None and (int(truncate) != truncate or truncate < 1):
        raise ValueError(f"truncate must be a whole number of steps >= 1 or None, not {truncate!r}")
    T = x.size
    s = np.empty(T)
    prev = s0
    for t in range(T):
        prev = s[t] = np.tanh(wx * x[t] + ws * prev)
    y = wy * s
    before = np.concatenate([[s0], s[:-1]])          # s_{k-1}
    local = 1.0 - s ** 2                              # tanh' at step k
    explicit = {"wx": local * x, "ws": local * before}
    terms = {"wx": np.zeros(T), "ws": np.zeros(T), "wy": (y - d) * s}
    steps = T if truncate is None else int(truncate)
    for t in range(T):
        delta = (y[t] - d[t]) * wy                    # dE_t/ds_t
        for k in range(t, max(-1, t - steps), -1):
            for name in ("wx", "ws"):
                terms[name][k] += delta * explicit[name][k]
            delta *= ws * local[k]                    # on to s_{k-1}
    loss = float(0.5 * np.sum((y - d) ** 2))
    return ScalarBPTT(s, y, loss, terms, {k: float(v.sum()) for k, v in terms.items()})
