"""Lab 4's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the NumPy references of q1, q2, q9 and q5 agree with Keras (SimpleRNN, LSTM, GRU
  with reset_after=True and an optimiser's clipnorm), q4's with automatic
  differentiation and with finite differences, q3's with the windows written out
  by hand;
- a function that writes into its input is rejected, and the stored cases stay as
  they were;
- each checker accepts right answers written other ways than the reference and
  rejects wrong ones with the reason (beyond the recorded ones);
- the design exercise is graded on the series' future, which no array of the
  notebook holds; a forecaster with a time axis of any length (None) is accepted;
  its target is reached by the reference at three seeds and missed by an
  untrained model (measured, not assumed);
- the full configuration (DLBOOK_MODE=full) runs: the lab's forecasting and
  long-dependency cells, on sizes shrunk for the test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dlbook.labs import lab04
from tests.notebook_scan import solution_cell


def keras_np(x):
    import keras

    return keras.ops.convert_to_numpy(x)


# ---- the references agree with Keras -------------------------------------------------


@pytest.mark.parametrize("case", lab04.q1.cases, ids=str)
def test_rnn_step_reference_is_keras(case):
    import keras

    x, h, kernel, recurrent_kernel, bias = case.args
    cell = keras.layers.SimpleRNNCell(len(bias))
    cell.build((None, kernel.shape[0]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    x2, h2 = np.atleast_2d(x).astype("float32"), np.atleast_2d(h).astype("float32")
    out, _ = cell(x2, [h2])
    np.testing.assert_allclose(np.atleast_2d(lab04.rnn_step(*case.args)), keras_np(out),
                               atol=1e-5)


@pytest.mark.parametrize("args", [args for args, _ in lab04.q2.cases], ids=str)
def test_lstm_step_reference_is_keras(args):
    import keras

    x, h, c, kernel, recurrent_kernel, bias = args
    layer = keras.layers.LSTM(h.shape[-1], return_state=True)
    layer.build((None, 1, x.shape[-1]))
    layer.set_weights([kernel, recurrent_kernel, bias])
    _, keras_h, keras_c = layer(x[:, None, :].astype("float32"),
                                initial_state=[h.astype("float32"), c.astype("float32")])
    mine_h, mine_c = lab04.lstm_step(*args)
    np.testing.assert_allclose(mine_h, keras_np(keras_h), atol=1e-5)
    np.testing.assert_allclose(mine_c, keras_np(keras_c), atol=1e-5)


@pytest.mark.parametrize("args", [args for args, _ in lab04.q9.cases], ids=str)
def test_gru_step_reference_is_keras_reset_after(args):
    import keras

    x, h, kernel, recurrent_kernel, bias = args
    layer = keras.layers.GRU(h.shape[-1])  # reset_after=True, Keras's default
    layer.build((None, 1, x.shape[-1]))
    layer.set_weights([kernel, recurrent_kernel, bias])
    assert [w.shape for w in layer.get_weights()] == [kernel.shape, recurrent_kernel.shape,
                                                      (2, 3 * h.shape[-1])]
    keras_h = layer(x[:, None, :].astype("float32"), initial_state=h.astype("float32"))
    np.testing.assert_allclose(lab04.gru_step(*args), keras_np(keras_h), atol=1e-5)


@pytest.mark.parametrize("args", [args for args, _ in lab04.q9.cases[:1]], ids=str)
def test_gru_slips_are_other_keras_conventions(args):
    """The reset_after=False slip is Keras's GRU(reset_after=False), fed the two bias rows
    summed where they are added (its one bias row): the slip is a real convention."""
    import keras

    x, h, kernel, recurrent_kernel, bias = args
    layer = keras.layers.GRU(h.shape[-1], reset_after=False)
    layer.build((None, 1, x.shape[-1]))
    units = h.shape[-1]
    # reset_after=False has one bias; the slip adds row 1's candidate part outside the reset
    one_bias = bias[0] + bias[1]
    layer.set_weights([kernel, recurrent_kernel, one_bias])
    keras_h = layer(x[:, None, :].astype("float32"), initial_state=h.astype("float32"))
    np.testing.assert_allclose(lab04._gru_reset_before(*args), keras_np(keras_h), atol=1e-5)
    assert not np.allclose(lab04._gru_reset_before(*args), lab04.gru_step(*args))
    assert units * 3 == kernel.shape[1]


def test_make_windows_by_hand():
    X, y = lab04.make_windows(np.arange(6.0), 3)
    assert X.shape == (3, 3, 1)
    assert X[:, :, 0].tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert y.tolist() == [3, 4, 5]


def test_forecasting_data_holds_out_the_end_of_the_series():
    X_train, X_test, y_train, y_test = lab04.forecasting_data()
    series = lab04.noisy_sines(lab04.QUICK.series_length)
    split = int(lab04.TRAIN_FRACTION * len(series))
    np.testing.assert_array_equal(y_test, series[split:])  # every held-out value, once
    np.testing.assert_array_equal(y_train, series[lab04.QUICK.window:split])
    np.testing.assert_array_equal(X_test[0, :, 0], series[split - lab04.QUICK.window:split])


@pytest.mark.parametrize("args", [args for args, _ in lab04.q4.cases], ids=str)
def test_input_gradients_are_autodiff_and_finite_differences(args):
    xs, kernel, recurrent_kernel, bias = args
    grads = lab04.input_gradients(*args)
    np.testing.assert_allclose(grads, lab04.input_gradients_autodiff(*args), atol=1e-12)

    def total(inputs):
        h = np.zeros(len(bias))
        for x in inputs:
            h = np.tanh(x @ kernel + h @ recurrent_kernel + bias)
        return h.sum()

    eps, numeric = 1e-6, np.zeros_like(xs)
    for index in np.ndindex(xs.shape):
        step = np.zeros_like(xs)
        step[index] = eps
        numeric[index] = (total(xs + step) - total(xs - step)) / (2 * eps)
    np.testing.assert_allclose(grads, numeric, atol=1e-7)


def test_lstm_input_gradients_are_finite_differences():
    from dlbook import nn

    rng = np.random.default_rng(0)
    xs, kernel = rng.normal(size=(5, 2)), rng.normal(0, 0.7, (2, 12))
    recurrent_kernel, bias = rng.normal(0, 0.7, (3, 12)), rng.normal(0, 0.3, 12)

    def total(inputs):
        states = nn.run_cell(nn.lstm_step, inputs[None], (np.zeros((1, 3)), np.zeros((1, 3))),
                             kernel, recurrent_kernel, bias)
        return states[-1][0].sum()

    eps, numeric = 1e-6, np.zeros_like(xs)
    for index in np.ndindex(xs.shape):
        step = np.zeros_like(xs)
        step[index] = eps
        numeric[index] = (total(xs + step) - total(xs - step)) / (2 * eps)
    np.testing.assert_allclose(lab04.lstm_input_gradients(xs, kernel, recurrent_kernel, bias),
                               numeric, atol=1e-7)


@pytest.mark.parametrize("case", lab04.q5.cases, ids=str)
def test_clip_by_norm_is_keras_clipnorm(case):
    import keras

    grad, max_norm = case.args
    variable = keras.Variable(np.zeros_like(grad))
    keras.optimizers.SGD(learning_rate=1.0, clipnorm=max_norm).apply_gradients(
        [(keras.ops.convert_to_tensor(grad), variable)])
    np.testing.assert_allclose(lab04.clip_by_norm(grad, max_norm), -keras_np(variable), atol=1e-6)


def test_clipping_34_at_norm_1_gives_06_08():
    np.testing.assert_allclose(lab04.clip_by_norm([3.0, 4.0], 1.0), [0.6, 0.8])


# ---- right answers written another way pass; wrong ones fail, with the reason ------------


def _rnn_einsum(x, h, kernel, recurrent_kernel, bias):
    return np.tanh(np.einsum("...i,ij->...j", x, kernel)
                   + np.einsum("...i,ij->...j", h, recurrent_kernel) + bias)


def _rnn_float32(x, h, kernel, recurrent_kernel, bias):
    f = np.float32
    return np.tanh(x.astype(f) @ kernel.astype(f) + h.astype(f) @ recurrent_kernel.astype(f)
                   + bias.astype(f))


def _rnn_keras_ops(x, h, kernel, recurrent_kernel, bias):
    from keras import ops

    return ops.tanh(ops.matmul(x, kernel) + ops.matmul(h, recurrent_kernel) + bias)


def _lstm_split(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c = 1 / (1 + np.exp(-f)) * c + 1 / (1 + np.exp(-i)) * np.tanh(g)
    return (1 / (1 + np.exp(-o)) * np.tanh(c)).tolist(), c.tolist()


def _windows_loop(series, window):
    X, y = [], []
    for t in range(len(series) - window):
        X.append(np.reshape(series[t:t + window], (window, 1)))
        y.append(series[t + window])
    return np.array(X), y


def _clip_flat(grad, max_norm):
    grad = np.array(grad, dtype="float32")
    norm = float(np.linalg.norm(grad.ravel()))
    if norm > max_norm:
        grad *= max_norm / norm
    return grad


def _bptt_jacobians_per_step(xs, kernel, recurrent_kernel, bias):
    """Forward-mode: the Jacobian of h_T with respect to each x_t, summed over h_T's entries."""
    T = len(xs)
    rows = []
    for t in range(T):
        h = np.zeros(len(bias))
        d = np.zeros((len(bias), xs.shape[1]))  # dh/dx_t
        for k in range(T):
            h = np.tanh(xs[k] @ kernel + h @ recurrent_kernel + bias)
            d = (1 - h ** 2)[:, None] * (recurrent_kernel.T @ d + (kernel.T if k == t else 0))
        rows.append(d.sum(axis=0))
    return rows


def _gru_einsum(x, h, kernel, recurrent_kernel, bias):
    n = h.shape[-1]
    a = np.einsum("bi,ij->bj", x, kernel) + bias[0]
    c = np.einsum("bi,ij->bj", h, recurrent_kernel) + bias[1]
    z = 1 / (1 + np.exp(-(a[:, :n] + c[:, :n])))
    r = 1 / (1 + np.exp(-(a[:, n:2 * n] + c[:, n:2 * n])))
    return z * h + (1 - z) * np.tanh(a[:, 2 * n:] + r * c[:, 2 * n:])


def _gru_keras_ops(x, h, kernel, recurrent_kernel, bias):
    from keras import ops

    xz, xr, xh = ops.split(ops.matmul(x, kernel) + bias[0], 3, axis=-1)
    hz, hr, hh = ops.split(ops.matmul(h, recurrent_kernel) + bias[1], 3, axis=-1)
    z, r = ops.sigmoid(xz + hz), ops.sigmoid(xr + hr)
    return z * h + (1 - z) * ops.tanh(xh + r * hh)


def _gru_in_place(x, h, kernel, recurrent_kernel, bias):
    h[...] = lab04.gru_step(x, h, kernel, recurrent_kernel, bias)
    return h


RIGHT = [
    (lab04.q9, _gru_einsum, "GRU with einsum"),
    (lab04.q9, _gru_keras_ops, "GRU with keras.ops, a backend tensor"),
    (lab04.q1, _rnn_einsum, "einsum"),
    (lab04.q1, _rnn_float32, "in float32"),
    (lab04.q1, _rnn_keras_ops, "keras.ops, a backend tensor"),
    (lab04.q2, _lstm_split, "np.split, lists returned"),
    (lab04.q3, _windows_loop, "a loop, y as a list"),
    (lab04.q4, _bptt_jacobians_per_step, "forward-mode, a list of rows"),
    (lab04.q5, _clip_flat, "in place, float32, the norm of the flattened array"),
]


@pytest.mark.parametrize("q, answer, why", RIGHT, ids=[r[2] for r in RIGHT])
def test_right_answers_written_another_way_pass(q, answer, why):
    result = q.evaluate(answer)
    assert result.correct, f"{why}: {result.text}"


WRONG = [
    (lab04.q9, _gru_in_place, "changed one of its input arrays in place"),
    (lab04.q9, lambda x, h, W, U, b: lab04.gru_step(x, h, W, U, b[::-1]), "on a batch of"),
    (lab04.q1, lambda x, h, W, U, b: np.maximum(x @ W + h @ U + b, 0), "should return"),
    (lab04.q1, lambda x, h, W, U, b: np.tanh(x @ W + h @ U + 2 * b), "should return"),
    (lab04.q2, lambda x, h, c, W, U, b: lab04.lstm_step(x, h, 0 * c, W, U, b),
     "on a batch of 2"),
    (lab04.q2, lambda x, h, c, W, U, b: lab04.lstm_step(x, h, c, W, U, b)[0], "should return 2"),
    (lab04.q3, lambda s, w: (lab04.make_windows(s, w)[0], np.asarray(s)[w + 1:]), "y"),
    (lab04.q3, lambda s, w: (lab04.make_windows(s, w)[0][:, :, 0],
                             lab04.make_windows(s, w)[1]), "wants 3-D inputs"),
    (lab04.q4, lambda xs, W, U, b: lab04.input_gradients(xs, W, U, b) * 2, "grads"),
    (lab04.q4, lambda xs, W, U, b: lab04.input_gradients(xs, W, U, 0 * b), "grads"),
    (lab04.q5, lambda g, m: np.asarray(g) * m / np.abs(np.asarray(g)).sum()
     if np.linalg.norm(g) > m else np.asarray(g), "should return"),
    (lab04.q5, lambda g, m: lab04.clip_by_norm(np.asarray(g).T, m).T
     if np.ndim(g) == 2 else lab04.clip_by_norm(g, m) * 0.99, "should return"),
]


@pytest.mark.parametrize("q, answer, words", WRONG, ids=lambda v: getattr(v, "name", ""))
def test_wrong_answers_fail_with_a_reason(q, answer, words):
    result = q.evaluate(answer)
    assert result.status == "incorrect", result.text
    assert words in result.message, result.message
    assert "Traceback" not in result.message


def test_a_function_writing_into_its_input_is_rejected_and_the_cases_stay():
    import copy

    stored = copy.deepcopy([case.args for case in lab04.q1.cases])

    def in_place(x, h, kernel, recurrent_kernel, bias):
        h[...] = np.tanh(x @ kernel + h @ recurrent_kernel + bias)
        return h

    for _ in range(2):  # twice: a corrupted case would let the second run pass
        result = lab04.q1.evaluate(in_place)
        assert result.status == "incorrect"
        assert "changed its second argument in place" in result.message, result.message
    for case, args in zip(lab04.q1.cases, stored):
        for got, want in zip(case.args, args):
            np.testing.assert_array_equal(got, want)
    assert lab04.q1.evaluate(lab04.rnn_step).correct


def test_large_array_messages_show_the_first_differing_entry():
    message = lab04.q1.evaluate(
        lambda x, h, W, U, b: np.tanh(x @ W + h @ U + b) + (x.shape[0] == 3) * 0.1).message
    assert "an array of shape (3, 4)" in message
    assert "the first is at index (0, 0)" in message, message


# ---- the design exercise -----------------------------------------------------------------


@pytest.mark.xdist_group("lab04.q8")  # on the worker of q8's self-tests (conftest.py)
def test_design_target_is_reached_at_three_seeds_and_missed_untrained():
    # q8 itself: at its own seed, 0, the reference model is the one its self-tests train.
    # reference_answer() trains the solution from the current seed once and keeps it.
    # Measured (lab04.MARGIN's comment): the reference at 0.36 to 0.39 of the naive MSE,
    # the target at 0.65; twice the seed spread (0.03) is 0.06. The naive forecast is at 1.
    q = lab04.q8
    X, y = q.graded()
    own_seed = q.seed
    try:
        for seed in (0, 1, 2):
            q.seed = seed
            model = q.reference_answer()
            ratio = lab04.forecast_mse(model, X, y) / q.naive()
            assert ratio <= (1 - q.margin) - 0.06, f"seed {seed}: {ratio:.3f}"
    finally:
        q.seed = own_seed
    untrained = q.train(lab04.UNTRAINED_FORECASTER)
    assert "no better than copying" in q.evaluate(untrained).message


def test_design_is_graded_on_the_series_future_which_the_notebook_never_holds():
    q = lab04.q8
    X, y = q.graded()
    assert len(y) == lab04._FUTURE_POINTS
    handed = lab04.forecasting_data()  # every array the notebook gets
    series = lab04.noisy_sines(lab04.QUICK.series_length)
    held = np.concatenate([series] + [np.ravel(a) for a in handed])
    assert not np.isin(y, held).any() and not np.isin(X, held).any()
    # the future continues the same sines, after the last step the notebook has
    clean = lab04.noisy_sines(len(y) + X.shape[1], seed=0, start=lab04.QUICK.series_length)
    assert np.std(np.concatenate([X[0, :, 0], y]) - clean) < 0.2
    assert q.naive() == pytest.approx(lab04.naive_mse(X, y))


def test_design_accepts_a_time_axis_of_any_length_and_rejects_other_shapes():
    import keras

    q = lab04.q8
    for shape in [(None, 1), (lab04.QUICK.window, 1)]:
        model = keras.Sequential([keras.Input(shape), keras.layers.GRU(2), keras.layers.Dense(1)])
        message = q.evaluate(model).message
        assert "inputs of shape" not in message, message
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(2), keras.layers.Dense(1)])
    assert "inputs of shape (None, None, 2)" in q.evaluate(model).message


def test_design_rejects_a_model_that_copies_the_last_value():
    import keras

    q = lab04.q8
    X, _ = q.graded()
    inputs = keras.Input(shape=X.shape[1:])
    state = keras.layers.SimpleRNN(1, activation="linear", use_bias=False,
                                   kernel_initializer="ones",
                                   recurrent_initializer="zeros")(inputs)  # h_T = x_T
    copier = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(state))
    np.testing.assert_allclose(lab04.forecast(copier, X), X[:, -1, 0], atol=1e-6)
    assert "no better than copying" in q.evaluate(copier).message


# ---- the full configuration, on shrunk sizes ------------------------------------------------


def _cell(start: str) -> str:
    return solution_cell(lab04.NOTEBOOK, start)


def test_full_mode_forecasting_and_memory_cells_run(monkeypatch, capsys):
    import dlbook

    tiny = dataclasses.replace(lab04.FULL, series_length=300, window=10, units=4, epochs=1,
                               memory_steps=12, memory_train=64, memory_epochs=1)
    monkeypatch.setattr(lab04, "FULL", tiny)
    monkeypatch.setenv("DLBOOK_MODE", "full")
    namespace = {"cfg": dlbook.setup(verbose=False)}
    assert not namespace["cfg"].quick
    exec(_cell("import keras"), namespace)
    assert namespace["size"] == tiny
    exec(_cell("series = noisy_sines"), namespace)
    assert "300 points: 240 for training, 60 held out; windows of 10 steps" in \
        capsys.readouterr().out
    exec(_cell("def make_windows"), namespace)
    exec(_cell("make_windows = q3.answer_or_reference"), namespace)
    assert namespace["X_train"].shape == (230, 10, 1)
    exec(_cell("def forecaster"), namespace)
    assert set(namespace["test_mse"]) == {"SimpleRNN", "LSTM", "GRU", "dense"}
    assert all(np.isfinite(v) for v in namespace["test_mse"].values())
    capsys.readouterr()
    exec(_cell("if cfg.quick:"), namespace)
    out = capsys.readouterr().out
    assert "SimpleRNN, 12 steps: test accuracy" in out and "LSTM, 12 steps" in out, out
    assert set(namespace["memory_acc"]) == {"SimpleRNN", "LSTM"}
