"""dlbook.autodiff differentiates keras.ops code with the active backend."""

from __future__ import annotations

import numpy as np
import pytest

import dlbook
from dlbook import nn
from dlbook.autodiff import gradients, value_and_gradients


@pytest.fixture(scope="module", autouse=True)
def _setup():
    dlbook.setup(verbose=False)


def test_gradients_match_hand_backprop():
    from keras import ops

    rng = np.random.default_rng(3)
    x, t = rng.normal(size=2), np.array([0.2, 0.7])
    W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))

    def loss(W1, W2):
        o = ops.sigmoid(ops.sigmoid(x[None] @ W1) @ W2)
        return 0.5 * ops.sum((t - o) ** 2)

    value, (dW1, dW2) = value_and_gradients(loss, W1, W2)
    hand = nn.backward(x, t, W1, W2)
    assert value == pytest.approx(nn.forward(x, W1, W2, t=t).loss, abs=1e-12)
    np.testing.assert_allclose(dW1, hand.dW1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW2, hand.dW2, rtol=0, atol=1e-12)
    assert dW1.dtype == np.float64


def test_gradient_of_a_square_is_twice_the_point():
    from keras import ops

    (g,) = gradients(lambda w: ops.sum(w * w), np.array([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(g, [2.0, -4.0, 1.0], atol=1e-12)


def test_no_argument_is_an_error():
    with pytest.raises(TypeError, match="at least one argument"):
        gradients(lambda: 0.0)
