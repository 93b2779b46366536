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
