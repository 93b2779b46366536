"""Lab 4 answered by an unseen student: answers written without the recorded ones.

Each exercise of labs/04_rnn_lab.ipynb gets correct answers in forms other than the
obvious one and plausible wrong ones (slips, gaming attempts, malformed answers).
Each test asserts the status the checker should give; for a wrong answer, also that the
message is the checker's reason, not a traceback, and says something specific.
A failing test here is a finding about the checker, not a test to adjust.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.unseen.grading import assert_graded  # noqa: E402

pytestmark = pytest.mark.xdist_group("unseen-lab04")

keras = pytest.importorskip("keras")
layers = keras.layers

from dlbook.labs.lab04 import q1, q2, q3, q4, q5, q7  # noqa: E402  (as the lab's cell 3)
from dlbook.nn import sigmoid  # noqa: E402  (the lab imports it for q2)


def softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)



# ---- q1: one step of a SimpleRNN ------------------------------------------------------

def rnn_einsum(x, h, kernel, recurrent_kernel, bias):
    return np.tanh(np.einsum("...i,ij->...j", x, kernel)
                   + np.einsum("...i,ij->...j", h, recurrent_kernel) + bias)


def rnn_columns(x, h, kernel, recurrent_kernel, bias):
    # the notes' column-vector form W^T x, transposed back to rows
    x, h = np.asarray(x), np.asarray(h)
    return np.tanh((kernel.T @ x.T + recurrent_kernel.T @ h.T).T + bias)


def rnn_stacked(x, h, kernel, recurrent_kernel, bias):
    # one matrix product on [x, h] with the weights stacked
    xh = np.concatenate([np.asarray(x), np.asarray(h)], axis=-1)
    return np.tanh(xh @ np.concatenate([kernel, recurrent_kernel], axis=0) + bias)


def rnn_keras_ops(x, h, kernel, recurrent_kernel, bias):
    ops = keras.ops
    x, h = (ops.convert_to_tensor(np.asarray(a, dtype="float64")) for a in (x, h))
    W, U, b = (ops.convert_to_tensor(np.asarray(a, dtype="float64"))
               for a in (kernel, recurrent_kernel, bias))
    return ops.tanh(ops.matmul(x, W) + ops.matmul(h, U) + b)


def rnn_keras_cell(x, h, kernel, recurrent_kernel, bias):
    # Keras's own cell with the given weights (float32 inside)
    one = np.ndim(x) == 1
    cell = layers.SimpleRNNCell(recurrent_kernel.shape[0])
    cell.build((None, kernel.shape[0]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    out, _ = cell(np.atleast_2d(x).astype("float32"), [np.atleast_2d(h).astype("float32")])
    out = keras.ops.convert_to_numpy(out)
    return out[0] if one else out


def rnn_one_example_only(x, h, kernel, recurrent_kernel, bias):
    # column vectors for one example: fails on a batch
    return np.tanh(np.dot(kernel.T, x) + np.dot(recurrent_kernel.T, h) + bias)


def rnn_forgot_return(x, h, kernel, recurrent_kernel, bias):
    h_new = np.tanh(x @ kernel + h @ recurrent_kernel + bias)  # noqa: F841


def rnn_in_place(x, h, kernel, recurrent_kernel, bias):
    h[...] = np.tanh(x @ kernel + h @ recurrent_kernel + bias)  # overwrites the caller's h
    return h


Q1 = [
    # id, answer, expected, substrings one of which a helpful message mentions (optional)
    ("einsum", rnn_einsum, "correct", ()),  # einsum with an ellipsis for the batch axes
    ("column-vectors", rnn_columns, "correct", ()),  # W^T x as in the notes, transposed back
    ("stacked-weights", rnn_stacked, "correct", ()),  # [x, h] @ [[W], [U]]
    ("keras-ops", rnn_keras_ops, "correct", ()),  # tensors (keras.ops) instead of arrays
    ("keras-cell", rnn_keras_cell, "correct", ()),  # keras.layers.SimpleRNNCell, float32
    ("one-example-only", rnn_one_example_only, "incorrect", ()),  # W^T x: breaks on a batch
    ("no-bias", lambda x, h, W, U, b: np.tanh(x @ W + h @ U), "incorrect", ()),  # forgot b
    ("sigmoid", lambda x, h, W, U, b: sigmoid(x @ W + h @ U + b), "incorrect", ()),  # not tanh
    ("no-activation", lambda x, h, W, U, b: x @ W + h @ U + b, "incorrect", ()),  # linear
    ("kernels-swapped", lambda x, h, W, U, b: np.tanh(h @ W + x @ U + b), "incorrect", ()),
    ("kernel-transposed", lambda x, h, W, U, b: np.tanh(x @ W + h @ U.T + b), "incorrect",
     ("transpos",)),  # the slip the notebook shows
    ("forgot-return", rnn_forgot_return, "incorrect|blank", ("return", "None")),
    ("writes-into-h", rnn_in_place, "incorrect", ()),  # gaming/side effect on the input
    ("not-a-function", np.zeros(4), "incorrect", ("function",)),  # a value, not a function
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q1], ids=[a[0] for a in Q1])
def test_q1(answer, expected, says):
    assert_graded(q1, answer, expected, says)


# ---- q2: one step of an LSTM ---------------------------------------------------------

def lstm_split(x, h, c, kernel, recurrent_kernel, bias):
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_per_gate(x, h, c, kernel, recurrent_kernel, bias):
    # each gate from its own block of columns, the units read from the state
    u = recurrent_kernel.shape[0]
    gate = [x @ kernel[:, k * u:(k + 1) * u] + h @ recurrent_kernel[:, k * u:(k + 1) * u]
            + bias[k * u:(k + 1) * u] for k in range(4)]
    i = 1 / (1 + np.exp(-gate[0]))
    f = 1 / (1 + np.exp(-gate[1]))
    g = np.tanh(gate[2])
    o = 1 / (1 + np.exp(-gate[3]))
    c_new = f * c + i * g
    return [o * np.tanh(c_new), c_new]  # a list, not a tuple


def lstm_keras_ops(x, h, c, kernel, recurrent_kernel, bias):
    ops = keras.ops
    t = [ops.convert_to_tensor(np.asarray(a, dtype="float64"))
         for a in (x, h, c, kernel, recurrent_kernel, bias)]
    x, h, c, W, U, b = t
    z = ops.matmul(x, W) + ops.matmul(h, U) + b
    i, f, g, o = ops.split(z, 4, axis=-1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def lstm_expit(x, h, c, kernel, recurrent_kernel, bias):
    from scipy.special import expit

    u = np.shape(h)[-1]
    z = np.dot(x, kernel) + np.dot(h, recurrent_kernel) + bias
    i, f, o = expit(z[..., :u]), expit(z[..., u:2 * u]), expit(z[..., 3 * u:])
    c_new = f * c + i * np.tanh(z[..., 2 * u:3 * u])
    return o * np.tanh(c_new), c_new


def lstm_i_f_swapped(x, h, c, kernel, recurrent_kernel, bias):
    f, i, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_old_cell_in_h(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c_new  # h from c_{t-1}


def lstm_order_ifog(x, h, c, kernel, recurrent_kernel, bias):
    i, f, o, g = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_returns_c_h(x, h, c, kernel, recurrent_kernel, bias):
    h, c = lstm_split(x, h, c, kernel, recurrent_kernel, bias)
    return c, h


def lstm_no_tanh_on_c(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * c, c


def lstm_sigmoid_candidate(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * sigmoid(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_units_from_x(x, h, c, kernel, recurrent_kernel, bias):
    u = np.shape(x)[-1]  # the number of inputs taken for the number of units
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = (z[..., k * u:(k + 1) * u] for k in range(4))
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_in_place(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c *= sigmoid(f)  # writes into the caller's c
    c += sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def lstm_h_only(x, h, c, kernel, recurrent_kernel, bias):
    return lstm_split(x, h, c, kernel, recurrent_kernel, bias)[0]


Q2 = [
    ("np-split", lstm_split, "correct", ()),  # np.split into the four gates
    ("per-gate-list", lstm_per_gate, "correct", ()),  # gate by gate; returns a list
    ("keras-ops", lstm_keras_ops, "correct", ()),  # tensors via keras.ops
    ("scipy-expit", lstm_expit, "correct", ()),  # scipy's sigmoid, slices by units
    ("i-f-swapped", lstm_i_f_swapped, "incorrect", ()),  # the first two blocks swapped
    ("old-cell-in-h", lstm_old_cell_in_h, "incorrect", ()),  # h_t = o * tanh(c_{t-1})
    ("order-ifog", lstm_order_ifog, "incorrect", ()),  # gates in the order i, f, o, g
    ("returns-c-h", lstm_returns_c_h, "incorrect", ()),  # (c, h) instead of (h, c)
    ("no-tanh-on-c", lstm_no_tanh_on_c, "incorrect", ()),  # h = o * c
    ("sigmoid-candidate", lstm_sigmoid_candidate, "incorrect", ()),  # g through a sigmoid
    ("units-from-x", lstm_units_from_x, "incorrect", ()),  # block width = inputs, not units
    ("writes-into-c", lstm_in_place, "incorrect", ()),  # side effect on the caller's c
    ("h-only", lstm_h_only, "incorrect", ("tuple", "(h_t, c_t)", "two", "2")),  # malformed
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q2], ids=[a[0] for a in Q2])
def test_q2(answer, expected, says):
    assert_graded(q2, answer, expected, says)


# ---- q3: windows of a series ---------------------------------------------------------

def windows_strided(series, window):
    series = np.asarray(series)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)
    return X[..., np.newaxis], series[window:]


def windows_list(series, window):
    X, y = [], []
    for t in range(len(series) - window):
        X.append([[v] for v in series[t:t + window]])
        y.append(series[t + window])
    return [np.array(X), np.array(y)]  # a list instead of a tuple


def windows_index(series, window):
    # fancy indexing with an index matrix
    series = np.asarray(series)
    n = len(series) - window
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    return np.expand_dims(series[idx], -1), series[window:window + n]


def windows_tensors(series, window):
    ops = keras.ops
    s = ops.convert_to_tensor(np.asarray(series, dtype="float32"))
    n = len(series) - window
    X = ops.stack([s[t:t + window] for t in range(n)])
    return ops.expand_dims(X, -1), s[window:]


def windows_non_overlapping(series, window):
    starts = range(0, len(series) - window, window)  # stride window, not 1
    X = np.array([series[t:t + window] for t in starts])[..., None]
    return X, np.array([series[t + window] for t in starts])


def windows_features_not_steps(series, window):
    X, y = windows_strided(series, window)
    return X.reshape(len(X), 1, window), y  # one step of `window` features


def windows_standardised(series, window):
    series = np.asarray(series, dtype=float)
    return windows_strided((series - series.mean()) / series.std(), window)


def windows_short(series, window):
    n = len(series) - window - 1  # one window too few
    X = np.array([series[t:t + window] for t in range(n)])[..., None]
    return X, np.array([series[t + window] for t in range(n)])


def windows_last_in_window(series, window):
    n = len(series) - window
    X = np.array([series[t:t + window] for t in range(n)])[..., None]
    return X, np.array([series[t + window - 1] for t in range(n)])  # the target is in the input


def windows_one_late(series, window):
    n = len(series) - window - 1
    X = np.array([series[t:t + window] for t in range(n)])[..., None]
    return X, np.array([series[t + window + 1] for t in range(n)])  # two steps ahead


def windows_no_feature_axis(series, window):
    n = len(series) - window
    return np.array([series[t:t + window] for t in range(n)]), np.asarray(series[window:])


def windows_time_major(series, window):
    X, y = windows_strided(series, window)
    return X.transpose(1, 0, 2), y  # (window, samples, 1)


def windows_fixed_20(series, window):
    return windows_strided(series, 20)  # the lab's window size, whatever is asked


def windows_X_only(series, window):
    return windows_strided(series, window)[0]


Q3 = [
    ("sliding-window-view", windows_strided, "correct", ()),  # numpy's strided view
    ("loop-list", windows_list, "correct", ()),  # a loop; returns [X, y] as a list
    ("index-matrix", windows_index, "correct", ()),  # fancy indexing
    ("tensors", windows_tensors, "correct", ()),  # keras.ops tensors, float32
    ("non-overlapping", windows_non_overlapping, "incorrect", ()),  # step of window, not 1
    ("features-not-steps", windows_features_not_steps, "incorrect", ("shape",)),  # (n, 1, window)
    ("standardised", windows_standardised, "incorrect", ()),  # rescales the values unasked
    ("one-window-short", windows_short, "incorrect", ()),  # off by one: last window lost
    ("target-in-window", windows_last_in_window, "incorrect", ()),  # y = last input value
    ("target-one-late", windows_one_late, "incorrect", ()),  # y two steps after the window
    ("no-feature-axis", windows_no_feature_axis, "incorrect", ("shape", "feature", "axis")),
    ("time-major", windows_time_major, "incorrect", ("shape",)),  # (window, samples, 1)
    ("window-hard-coded", windows_fixed_20, "incorrect", ()),  # ignores the window argument
    ("X-only", windows_X_only, "incorrect", ()),  # malformed: no targets
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q3], ids=[a[0] for a in Q3])
def test_q3(answer, expected, says):
    assert_graded(q3, answer, expected, says)


# ---- q4: backpropagation through time -------------------------------------------------

def forward(xs, W, U, b):
    h = np.zeros(U.shape[0])
    states = []
    for x in xs:
        h = np.tanh(x @ W + h @ U + b)
        states.append(h)
    return states


def bptt_columns(xs, kernel, recurrent_kernel, bias):
    # column vectors: dL/dx_t = W (delta * (1 - h^2)), delta <- U (...), filled from the end
    states = forward(xs, kernel, recurrent_kernel, bias)
    grads = np.zeros(np.shape(xs))
    delta = np.ones(recurrent_kernel.shape[0])
    for t in range(len(xs) - 1, -1, -1):
        a = delta * (1 - states[t] ** 2)
        grads[t] = kernel @ a
        delta = recurrent_kernel @ a
    return grads


def bptt_jacobians(xs, kernel, recurrent_kernel, bias):
    # the chain rule as explicit Jacobians: dh_T/dh_t, then dh_t/dx_t
    states = forward(xs, kernel, recurrent_kernel, bias)
    T, units = len(xs), recurrent_kernel.shape[0]
    J = np.eye(units)  # dh_T / dh_t, as rows = entries of h_T
    rows = [None] * T
    for t in reversed(range(T)):
        D = np.diag(1 - states[t] ** 2)
        rows[t] = np.ones(units) @ J @ D @ kernel.T  # d sum(h_T) / dx_t
        J = J @ D @ recurrent_kernel.T
    return np.array(rows)


def bptt_appended(xs, kernel, recurrent_kernel, bias):
    # appended from the end, reversed at the end; returns a list of rows
    states = forward(xs, kernel, recurrent_kernel, bias)
    delta, out = np.ones(recurrent_kernel.shape[0]), []
    for h in states[::-1]:
        a = delta * (1 - h * h)
        out.append(a @ kernel.T)
        delta = a @ recurrent_kernel.T
    return out[::-1]


def bptt_no_tanh_derivative(xs, kernel, recurrent_kernel, bias):
    delta, out = np.ones(recurrent_kernel.shape[0]), []
    for _ in range(len(xs)):
        out.append(delta @ kernel.T)
        delta = delta @ recurrent_kernel.T
    return np.array(out[::-1])


def bptt_previous_state(xs, kernel, recurrent_kernel, bias):
    # uses h_{t-1} in the derivative (states shifted by one: h_0 first)
    states = [np.zeros(recurrent_kernel.shape[0])] + forward(xs, kernel, recurrent_kernel, bias)
    delta, grads = np.ones(recurrent_kernel.shape[0]), np.zeros(np.shape(xs))
    for t in reversed(range(len(xs))):
        a = delta * (1 - states[t] ** 2)
        grads[t] = a @ kernel.T
        delta = a @ recurrent_kernel.T
    return grads


def bptt_U_not_transposed(xs, kernel, recurrent_kernel, bias):
    states = forward(xs, kernel, recurrent_kernel, bias)
    delta, grads = np.ones(recurrent_kernel.shape[0]), np.zeros(np.shape(xs))
    for t in reversed(range(len(xs))):
        a = delta * (1 - states[t] ** 2)
        grads[t] = a @ kernel.T
        delta = a @ recurrent_kernel  # U instead of U^T
    return grads


def bptt_not_reversed(xs, kernel, recurrent_kernel, bias):
    return bptt_appended(xs, kernel, recurrent_kernel, bias)[::-1]  # rows from T down to 1


def bptt_delta_not_carried(xs, kernel, recurrent_kernel, bias):
    # each step differentiated alone, as if h_T depended on x_t directly
    states = forward(xs, kernel, recurrent_kernel, bias)
    return np.array([(1 - h ** 2) @ kernel.T for h in states])


def bptt_one_minus_h(xs, kernel, recurrent_kernel, bias):
    states = forward(xs, kernel, recurrent_kernel, bias)
    delta, grads = np.ones(recurrent_kernel.shape[0]), np.zeros(np.shape(xs))
    for t in reversed(range(len(xs))):
        a = delta * (1 - states[t])  # tanh' written as 1 - h
        grads[t] = a @ kernel.T
        delta = a @ recurrent_kernel.T
    return grads


def bptt_delta_from_h(xs, kernel, recurrent_kernel, bias):
    # starts from delta = h_T (the gradient of 0.5 * |h_T|^2), not from ones
    states = forward(xs, kernel, recurrent_kernel, bias)
    delta, grads = states[-1].copy(), np.zeros(np.shape(xs))
    for t in reversed(range(len(xs))):
        a = delta * (1 - states[t] ** 2)
        grads[t] = a @ kernel.T
        delta = a @ recurrent_kernel.T
    return grads


def bptt_into_xs(xs, kernel, recurrent_kernel, bias):
    grads = bptt_columns(xs, kernel, recurrent_kernel, bias)
    xs[...] = grads  # writes the answer into the caller's inputs
    return xs


def bptt_last_step_only(xs, kernel, recurrent_kernel, bias):
    return (1 - forward(xs, kernel, recurrent_kernel, bias)[-1] ** 2) @ kernel.T  # shape (inputs,)


Q4 = [
    ("column-vectors", bptt_columns, "correct", ()),  # W a and U a with column vectors
    ("jacobians", bptt_jacobians, "correct", ()),  # explicit Jacobian products
    ("reversed-list", bptt_appended, "correct", ()),  # a list of rows, reversed at the end
    ("no-tanh-derivative", bptt_no_tanh_derivative, "incorrect", ()),
    ("previous-state", bptt_previous_state, "incorrect", ()),  # off by one in the states
    ("U-not-transposed", bptt_U_not_transposed, "incorrect", ()),
    ("rows-not-reversed", bptt_not_reversed, "incorrect", ()),  # row 0 is step T
    ("delta-not-carried", bptt_delta_not_carried, "incorrect", ()),
    ("one-minus-h", bptt_one_minus_h, "incorrect", ()),  # wrong derivative of tanh
    ("delta-from-h", bptt_delta_from_h, "incorrect", ()),  # another loss: 0.5 |h_T|^2
    ("writes-into-xs", bptt_into_xs, "incorrect", ()),  # the answer written into the input
    ("last-step-only", bptt_last_step_only, "incorrect", ("shape",)),  # malformed shape
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q4], ids=[a[0] for a in Q4])
def test_q4(answer, expected, says):
    assert_graded(q4, answer, expected, says)


# ---- q5: clipping by norm ------------------------------------------------------------

def clip_copy_in_place(grad, max_norm):
    g = np.array(grad, dtype=float)  # its own copy, then scaled in place
    norm = np.sqrt((g ** 2).sum())
    if norm > max_norm:
        g *= max_norm / norm
    return g


def clip_keras_ops(grad, max_norm):
    ops = keras.ops
    g = ops.convert_to_tensor(np.asarray(grad, dtype="float64"))
    norm = ops.sqrt(ops.sum(ops.square(g)))
    return g * ops.minimum(1.0, max_norm / ops.maximum(norm, 1e-300))


def clip_where(grad, max_norm):
    norm = np.linalg.norm(np.ravel(grad))
    return np.where(norm > max_norm, grad * (max_norm / max(norm, 1e-300)), grad)


def clip_mutates(grad, max_norm):
    norm = np.linalg.norm(grad)
    if norm > max_norm:
        grad *= max_norm / norm  # scales the caller's array
    return grad


def clip_per_row(grad, max_norm):
    grad = np.asarray(grad, dtype=float)
    norms = np.linalg.norm(grad, axis=-1, keepdims=True)
    return grad * np.minimum(1.0, max_norm / norms)


def clip_squared_threshold(grad, max_norm):
    squared = np.sum(np.square(grad))
    if squared > max_norm:  # the squared norm compared with max_norm
        return grad * max_norm / np.sqrt(squared)
    return grad


def clip_spectral(grad, max_norm):
    norm = np.linalg.norm(grad, ord=2)  # a matrix's 2-norm is its largest singular value
    return grad * min(1.0, max_norm / norm) if norm > 0 else grad


Q5 = [
    ("copy-then-in-place", clip_copy_in_place, "correct", ()),  # in place on its own copy
    ("keras-ops", clip_keras_ops, "correct", ()),  # a tensor, min(1, max_norm / norm)
    ("np-where", clip_where, "correct", ()),  # branch-free
    ("per-row-norm", clip_per_row, "incorrect", ()),  # the norm of each row: wrong axis
    ("squared-threshold", clip_squared_threshold, "incorrect", ()),  # |g|^2 > max_norm
    ("spectral-norm", clip_spectral, "incorrect", ()),  # ord=2 on a matrix
    ("inverted-ratio", lambda g, m: g * (np.linalg.norm(g) / m if np.linalg.norm(g) > m else 1),
     "incorrect", ()),  # norm / max_norm: lengthens it
    ("clip-by-value", lambda g, m: np.clip(g, -m, m), "incorrect", ()),  # clipvalue
    ("always-rescale", lambda g, m: g * m / np.linalg.norm(g), "incorrect", ()),  # scales up
    ("max-norm-1", lambda g, m: g / max(1.0, np.linalg.norm(g)), "incorrect", ()),  # the notebook's cases
    ("l1-norm", lambda g, m: g * min(1.0, m / np.abs(g).sum()), "incorrect", ()),
    ("max-abs-norm", lambda g, m: g * min(1.0, m / np.abs(g).max()), "incorrect", ()),
    ("writes-into-grad", clip_mutates, "incorrect", ()),  # side effect on the caller's array
    ("a-value", np.array([0.6, 0.8]), "incorrect", ("function",)),  # a value on screen
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q5], ids=[a[0] for a in Q5])
def test_q5(answer, expected, says):
    assert_graded(q5, answer, expected, says)


# ---- q7: attention weights -----------------------------------------------------------

def attention_loop(query, keys):
    out = []
    for q in np.asarray(query):
        s = np.asarray(keys) @ q
        e = np.exp(s - s.max())
        out.append(e / e.sum())
    return np.array(out)


def attention_keras(query, keys):
    q = keras.ops.convert_to_tensor(np.asarray(query, dtype="float64"))
    k = keras.ops.convert_to_tensor(np.asarray(keys, dtype="float64"))
    return keras.ops.softmax(keras.ops.matmul(q, keras.ops.transpose(k)), axis=-1)


def attention_logsumexp(query, keys):
    from scipy.special import logsumexp

    s = np.einsum("md,nd->mn", query, keys)
    return np.exp(s - logsumexp(s, axis=1, keepdims=True))


def attention_naive_exp(query, keys):
    e = np.exp(np.asarray(query) @ np.asarray(keys).T)  # no max subtracted: fine for these sizes
    return e / e.sum(axis=1, keepdims=True)


def attention_book_softmax(query, keys):
    from dlbook.nn import softmax

    return softmax(np.dot(query, np.transpose(keys)))


Q7 = [
    ("loop-per-query", attention_loop, "correct", ()),  # one stable softmax per query
    ("keras-softmax", attention_keras, "correct", ()),  # tensors, keras.ops.softmax
    ("einsum-logsumexp", attention_logsumexp, "correct", ()),  # exp(s - logsumexp(s))
    ("naive-exp", attention_naive_exp, "correct", ()),  # exp without the max: not asked for
    ("book-softmax", attention_book_softmax, "correct", ()),  # dlbook.nn.softmax (chapter 1)
    ("softmax-over-queries", lambda q, k: softmax_rows((q @ k.T).T).T, "incorrect", ()),
    ("scaled", lambda q, k: softmax_rows(q @ k.T / np.sqrt(q.shape[1])), "incorrect",
     ("scal", "sqrt")),  # Transformers' scaled dot product
    ("scores-only", lambda q, k: q @ k.T, "incorrect", ()),  # no softmax
    ("keys-by-queries", lambda q, k: softmax_rows(k @ q.T), "incorrect", ()),  # (n, m)
    ("normalised-no-exp", lambda q, k: (q @ k.T) / (q @ k.T).sum(axis=1, keepdims=True),
     "incorrect", ()),
    ("one-global-softmax", lambda q, k: np.exp(q @ k.T) / np.exp(q @ k.T).sum(), "incorrect", ()),
    ("none", None, "incorrect", ()),  # malformed: nothing passed
]


@pytest.mark.parametrize("answer,expected,says", [a[1:] for a in Q7], ids=[a[0] for a in Q7])
def test_q7(answer, expected, says):
    assert_graded(q7, answer, expected, says)


# ---- design exercises: built as the lab's cells build them ---------------------------

@pytest.fixture(scope="module")
def cfg():
    import dlbook

    return dlbook.setup(verbose=False)


@pytest.fixture(scope="module")
def sentiment(cfg):
    from dlbook.datasets import load_small_sentiment
    from dlbook.labs.lab04 import sentiment_exercise

    data = load_small_sentiment()  # the quick configuration's dataset
    q6 = sentiment_exercise(data, seed=cfg.seed)
    return q6, data, cfg.seed


def sentiment_sequential(data, num_epochs, seed):
    X_train, X_test, y_train, y_test, vocabulary = data
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(X_train.shape[1],)),
                              layers.Embedding(len(vocabulary), 16),
                              layers.Bidirectional(layers.LSTM(16)),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=num_epochs, batch_size=32, verbose=0)
    return model


def sentiment_functional(data, num_epochs, seed):
    # functional API, sentences of any length (None), summed directions, RMSprop
    X_train, X_test, y_train, y_test, vocabulary = data
    keras.utils.set_random_seed(seed)
    words = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(len(vocabulary), 16)(words)
    x = layers.Bidirectional(layers.LSTM(24), merge_mode="sum")(x)
    model = keras.Model(words, layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="binary_crossentropy")
    model.fit(X_train, y_train, epochs=num_epochs, batch_size=16, verbose=0)
    return model


def sentiment_with_test(data, num_epochs, seed):
    # gaming: trains on the training and the test sentences together
    X_train, X_test, y_train, y_test, vocabulary = data
    X_all, y_all = np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
    return sentiment_sequential((X_all, None, y_all, None, vocabulary), num_epochs, seed)


def sentiment_one_direction(data, num_epochs, seed):
    # no Bidirectional wrapper: the exercise asks for one
    X_train, X_test, y_train, y_test, vocabulary = data
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(X_train.shape[1],)),
                              layers.Embedding(len(vocabulary), 16), layers.LSTM(32),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X_train, y_train, epochs=num_epochs, batch_size=32, verbose=0)
    return model


def sentiment_unbuilt(data, num_epochs, seed):
    # malformed: never built, compiled or trained
    return keras.Sequential([layers.Embedding(len(data[4]), 16),
                             layers.Bidirectional(layers.LSTM(16)), layers.Dense(1, "sigmoid")])


Q6 = [
    ("sequential", sentiment_sequential, "correct", ()),
    ("functional-any-length", sentiment_functional, "correct", ()),
    ("trained-on-test-too", sentiment_with_test, "incorrect", ("test",)),
    ("no-bidirectional", sentiment_one_direction, "incorrect", ("bidirectional",)),
    ("unbuilt", sentiment_unbuilt, "incorrect", ()),
]


@pytest.mark.parametrize("build,expected,says", [a[1:] for a in Q6], ids=[a[0] for a in Q6])
def test_q6(sentiment, build, expected, says):
    q6, data, seed = sentiment
    assert_graded(q6, build(data, q6.num_epochs, seed), expected, says)


@pytest.fixture(scope="module")
def forecasting(cfg):
    from dlbook.labs.lab04 import forecast_exercise, forecasting_data

    X_train, X_test, y_train, y_test = forecasting_data()
    return forecast_exercise(cfg.seed), (X_train, X_test, y_train, y_test), cfg.seed


def forecaster_lstm(data, seed, *, with_test=False):
    X_train, X_test, y_train, y_test = data
    if with_test:  # gaming: the held-out windows in the training set
        X_train, y_train = np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=X_train.shape[1:]), layers.LSTM(32),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    model.fit(X_train, y_train, epochs=5, batch_size=32, verbose=0)
    return model


def forecaster_gru_functional(data, seed):
    # functional API, windows of any length (None), Huber loss
    X_train, X_test, y_train, y_test = data
    keras.utils.set_random_seed(seed)
    window = keras.Input(shape=(None, 1))
    model = keras.Model(window, layers.Dense(1)(layers.GRU(24)(window)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=keras.losses.Huber(0.5))
    model.fit(X_train, y_train, epochs=6, batch_size=32, verbose=0)
    return model


def forecaster_dense(data, seed):
    # not recurrent: a dense network on the flattened window
    X_train, X_test, y_train, y_test = data
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=X_train.shape[1:]), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    model.fit(X_train, y_train, epochs=5, batch_size=32, verbose=0)
    return model


def forecaster_untrained(data, seed):
    # malformed: built and compiled, never fitted
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=data[0].shape[1:]), layers.LSTM(32),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


Q8 = [
    ("lstm-sequential", forecaster_lstm, "correct", ()),
    ("gru-functional-huber", forecaster_gru_functional, "correct", ()),
    # The lead's call: q8 grades on points that follow the series, which the notebook
    # never holds, so training on the handed-out test split too is more data, not gaming.
    ("trained-on-test-too", lambda d, s: forecaster_lstm(d, s, with_test=True), "correct", ()),
    ("dense-not-recurrent", forecaster_dense, "incorrect", ("recurrent", "SimpleRNN", "LSTM")),
    ("untrained", forecaster_untrained, "incorrect", ()),
]


@pytest.mark.parametrize("build,expected,says", [a[1:] for a in Q8], ids=[a[0] for a in Q8])
def test_q8(forecasting, build, expected, says):
    q8, data, seed = forecasting
    assert_graded(q8, build(data, seed), expected, says)


# ---- q9: one GRU step (reset_after=True)

from dlbook.labs.lab04 import q9  # noqa: E402  (as the lab's cell 3)


def _gates(x, h, kernel, recurrent_kernel, bias):
    """Input and recurrent parts, each split into its [z, r, h] blocks (biases added)."""
    return (np.split(x @ kernel + bias[0], 3, axis=-1),
            np.split(h @ recurrent_kernel + bias[1], 3, axis=-1))


def gru_split(x, h, kernel, recurrent_kernel, bias):
    # np.split of both products (each with its own bias row), reset after the product
    (xz, xr, xh), (hz, hr, hh) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    return z * h + (1 - z) * np.tanh(xh + r * hh)


def gru_slices(x, h, kernel, recurrent_kernel, bias):
    # explicit column slices per block, own sigmoid, h = cand + z (h - cand)
    u = h.shape[-1]
    W = [kernel[:, i * u:(i + 1) * u] for i in range(3)]
    U = [recurrent_kernel[:, i * u:(i + 1) * u] for i in range(3)]
    bi = [bias[0][i * u:(i + 1) * u] for i in range(3)]
    br = [bias[1][i * u:(i + 1) * u] for i in range(3)]
    z = 1 / (1 + np.exp(-(x @ W[0] + bi[0] + h @ U[0] + br[0])))
    r = 1 / (1 + np.exp(-(x @ W[1] + bi[1] + h @ U[1] + br[1])))
    cand = np.tanh(x @ W[2] + bi[2] + r * (h @ U[2] + br[2]))
    return cand + z * (h - cand)


def gru_reset_before(x, h, kernel, recurrent_kernel, bias):
    # reset_after=False (Cho et al.): r scales h before the product
    u = h.shape[-1]
    (xz, xr, xh), (hz, hr, _) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    cand = np.tanh(xh + (r * h) @ recurrent_kernel[:, 2 * u:] + bias[1][2 * u:])
    return z * h + (1 - z) * cand


def gru_zr_swapped(x, h, kernel, recurrent_kernel, bias):
    # reads the blocks as [r, z, h]
    (xr, xz, xh), (hr, hz, hh) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    return z * h + (1 - z) * np.tanh(xh + r * hh)


def gru_z_on_candidate(x, h, kernel, recurrent_kernel, bias):
    # the other textbook blend: z multiplies the candidate, 1 - z the old state
    (xz, xr, xh), (hz, hr, hh) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    return z * np.tanh(xh + r * hh) + (1 - z) * h


def gru_in_place(x, h, kernel, recurrent_kernel, bias):
    # right formula, but overwrites the caller's h
    (xz, xr, xh), (hz, hr, hh) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    cand = np.tanh(xh + r * hh)
    h *= z
    h += (1 - z) * cand
    return h


def gru_tanh_gate(x, h, kernel, recurrent_kernel, bias):
    # tanh for the update gate instead of a sigmoid
    (xz, xr, xh), (hz, hr, hh) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = np.tanh(xz + hz), sigmoid(xr + hr)
    return z * h + (1 - z) * np.tanh(xh + r * hh)


def gru_reset_skips_bias(x, h, kernel, recurrent_kernel, bias):
    # r scales h @ U_h only; the candidate's recurrent bias added outside the reset
    u = h.shape[-1]
    (xz, xr, xh), (hz, hr, _) = _gates(x, h, kernel, recurrent_kernel, bias)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    cand = np.tanh(xh + r * (h @ recurrent_kernel[:, 2 * u:]) + bias[1][2 * u:])
    return z * h + (1 - z) * cand


def gru_input_bias_only(x, h, kernel, recurrent_kernel, bias):
    # uses bias row 0 only, ignoring the recurrent bias row
    (xz, xr, xh) = np.split(x @ kernel + bias[0], 3, axis=-1)
    (hz, hr, hh) = np.split(h @ recurrent_kernel, 3, axis=-1)
    z, r = sigmoid(xz + hz), sigmoid(xr + hr)
    return z * h + (1 - z) * np.tanh(xh + r * hh)


Q9 = [
    ("split", gru_split, "correct"),
    ("slices", gru_slices, "correct"),
    ("reset-before", gru_reset_before, "incorrect"),
    ("z-r-swapped", gru_zr_swapped, "incorrect"),
    ("z-on-candidate", gru_z_on_candidate, "incorrect"),
    ("writes-into-h", gru_in_place, "incorrect"),
    ("tanh-gate", gru_tanh_gate, "incorrect"),
    ("reset-skips-bias", gru_reset_skips_bias, "incorrect"),
    ("input-bias-only", gru_input_bias_only, "incorrect"),
]


@pytest.mark.parametrize("answer,expected", [a[1:] for a in Q9], ids=[a[0] for a in Q9])
def test_q9(answer, expected):
    assert_graded(q9, answer, expected)
