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

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = ["rnn_step", "lstm_step", "gru_step", "run_cell"]


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
