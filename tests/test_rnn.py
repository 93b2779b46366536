"""dlbook.nn.rnn: one step of SimpleRNN, LSTM and GRU against the Keras layers."""

import keras
import numpy as np
import pytest

from dlbook import nn

RNG = np.random.default_rng(1)
XS = RNG.normal(size=(2, 4, 3))  # batch 2, 4 time steps, 3 features
UNITS = 5


def keras_states(layer):
    """The layer's hidden state after every step, and its weights."""
    out = layer(XS.astype("float32"))
    return keras.ops.convert_to_numpy(out), layer.get_weights()


def test_simple_rnn_matches_keras():
    expected, weights = keras_states(keras.layers.SimpleRNN(UNITS, return_sequences=True))
    hs = nn.run_cell(nn.rnn_step, XS, np.zeros((2, UNITS)), *weights)
    np.testing.assert_allclose(np.stack(hs, axis=1), expected, atol=1e-5)


def test_lstm_matches_keras():
    layer = keras.layers.LSTM(UNITS, return_sequences=True, bias_initializer="random_normal")
    expected, weights = keras_states(layer)
    zeros = np.zeros((2, UNITS))
    states = nn.run_cell(nn.lstm_step, XS, (zeros, zeros), *weights)
    np.testing.assert_allclose(np.stack([h for h, _ in states], axis=1), expected, atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras(reset_after):
    layer = keras.layers.GRU(UNITS, return_sequences=True, reset_after=reset_after,
                             bias_initializer="random_normal")
    expected, weights = keras_states(layer)
    hs = nn.run_cell(nn.gru_step, XS, np.zeros((2, UNITS)), *weights, reset_after=reset_after)
    np.testing.assert_allclose(np.stack(hs, axis=1), expected, atol=1e-5)


def test_gru_bias_shape_is_checked():
    w = np.zeros((3, 3 * UNITS))
    u = np.zeros((UNITS, 3 * UNITS))
    with pytest.raises(ValueError, match="reset_after=True"):
        nn.gru_step(np.zeros(3), np.zeros(UNITS), w, u, np.zeros(3 * UNITS))
    with pytest.raises(ValueError, match="reset_after=False"):
        nn.gru_step(np.zeros(3), np.zeros(UNITS), w, u, np.zeros((2, 3 * UNITS)), reset_after=False)


def test_parameter_counts_gru_to_lstm_is_three_to_four_without_reset_after():
    def count(layer):
        keras.Sequential([keras.Input((None, 3)), layer])
        return layer.count_params()
    lstm, gru = count(keras.layers.LSTM(UNITS)), count(keras.layers.GRU(UNITS, reset_after=False))
    assert gru * 4 == lstm * 3


# ---- scalar BPTT (Unit 4 chapter, section ch4-bptt) -----------------------------------

def scalar_loss(x, d, wx, ws, wy, s0=0.0):
    """The loss of the scalar RNN, by a plain forward pass (no gradients)."""
    s, loss = s0, 0.0
    for xt, dt in zip(x, d):
        s = np.tanh(wx * xt + ws * s)
        loss += 0.5 * (wy * s - dt) ** 2
    return loss


def finite_differences(x, d, w, eps=1e-6):
    out = []
    for i in range(3):
        up, down = list(w), list(w)
        up[i] += eps
        down[i] -= eps
        out.append((scalar_loss(x, d, *up) - scalar_loss(x, d, *down)) / (2 * eps))
    return np.array(out)


def test_scalar_bptt_gives_the_chapter_numbers_and_matches_finite_differences():
    x, d, w = [1.0, 0.5, -1.0], [0.5, 0.2, -0.3], (0.5, 0.8, 1.2)
    r = nn.scalar_rnn_bptt(x, d, *w)
    np.testing.assert_allclose(r.states, [0.462117, 0.550915, -0.059199], atol=1e-6)
    assert r.loss == pytest.approx(0.134005, abs=1e-6)
    grads = np.array([r.grads[k] for k in ("wx", "ws", "wy")])
    np.testing.assert_allclose(grads, [0.385096, 0.399425, 0.265675], atol=1e-6)
    np.testing.assert_allclose(grads, finite_differences(x, d, w), atol=1e-8)
    for name in r.terms:
        assert r.terms[name].sum() == pytest.approx(r.grads[name])


def test_scalar_bptt_matches_autodiff_on_a_long_sequence():
    from keras import ops

    from dlbook.autodiff import gradients

    rng = np.random.default_rng(4)
    x, d = rng.normal(size=12), rng.normal(size=12)
    w = (0.7, -1.1, 0.9)

    def loss(wx, ws, wy):
        s, total = ops.convert_to_tensor(0.3, dtype="float64"), 0.0
        for t in range(12):
            s = ops.tanh(wx * x[t] + ws * s)
            total = total + 0.5 * (wy * s - d[t]) ** 2
        return total

    expected = [float(g) for g in gradients(loss, *w)]
    r = nn.scalar_rnn_bptt(x, d, *w, s0=0.3)
    np.testing.assert_allclose([r.grads[k] for k in ("wx", "ws", "wy")], expected, rtol=1e-5)  # float32 on JAX without x64


def test_truncated_bptt_is_full_bptt_when_the_window_covers_the_sequence():
    x, d = [1.0, 0.5, -1.0, 0.2], [0.5, 0.2, -0.3, 0.1]
    full = nn.scalar_rnn_bptt(x, d, 0.5, 0.8, 1.2)
    assert nn.scalar_rnn_bptt(x, d, 0.5, 0.8, 1.2, truncate=4).grads == full.grads
    one = nn.scalar_rnn_bptt(x, d, 0.5, 0.8, 1.2, truncate=1)
    s = full.states
    before = np.concatenate([[0.0], s[:-1]])
    # a window of one step, no step back: each E_t sees only its own step's explicit derivative
    expected = np.sum((full.outputs - d) * 1.2 * (1 - s ** 2) * before)
    assert one.grads["ws"] == pytest.approx(expected)
    assert one.grads["ws"] != pytest.approx(full.grads["ws"])
    assert one.grads["wy"] == full.grads["wy"]


@pytest.mark.parametrize("kwargs, message", [
    ({"d": [1.0, 2.0]}, "one value per time step"),
    ({"truncate": 0}, "truncate must be"),
    ({"truncate": 1.5}, "truncate must be"),
])
def test_scalar_bptt_rejects_bad_input_with_a_message(kwargs, message):
    args = {"x": [1.0, 0.5, -1.0], "d": [0.5, 0.2, -0.3], "wx": 0.5, "ws": 0.8, "wy": 1.2}
    with pytest.raises(ValueError, match=message):
        nn.scalar_rnn_bptt(**{**args, **kwargs})
