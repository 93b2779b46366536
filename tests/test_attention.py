"""dlbook.nn.attention against keras.layers.Attention and AdditiveAttention."""

import keras
import numpy as np
import pytest

from dlbook import nn

RNG = np.random.default_rng(4)
Q = RNG.normal(size=(2, 3, 4))   # batch 2, 3 decoder steps, dim 4
K = RNG.normal(size=(2, 5, 4))   # 5 source positions
V = RNG.normal(size=(2, 5, 4))


def keras_attention(layer, q, v, k):
    out, scores = layer([q.astype("float32"), v.astype("float32"), k.astype("float32")],
                        return_attention_scores=True)
    return keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(scores)


def test_dot_product_matches_keras_attention():
    expected, expected_w = keras_attention(keras.layers.Attention(), Q, V, K)
    context, weights = nn.dot_product_attention(Q, K, V)
    np.testing.assert_allclose(weights, expected_w, atol=1e-5)
    np.testing.assert_allclose(context, expected, atol=1e-5)


def test_dot_product_learned_scale_matches_keras():
    layer = keras.layers.Attention(use_scale=True)
    layer.build([Q.shape, V.shape, K.shape])
    layer.set_weights([np.array(0.37)])
    expected, _ = keras_attention(layer, Q, V, K)
    context, _ = nn.dot_product_attention(Q, K, V, scale=0.37)
    np.testing.assert_allclose(context, expected, atol=1e-5)


def test_additive_matches_keras_additive_attention():
    layer = keras.layers.AdditiveAttention()
    layer.build([Q.shape, V.shape, K.shape])
    v = RNG.normal(size=4)
    layer.set_weights([v])
    expected, expected_w = keras_attention(layer, Q, V, K)
    context, weights = nn.additive_attention(Q, K, V, v=v)
    np.testing.assert_allclose(weights, expected_w, atol=1e-5)
    np.testing.assert_allclose(context, expected, atol=1e-5)


def test_weights_sum_to_one_and_values_default_to_keys():
    context, weights = nn.additive_attention(Q[0], K[0])
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)
    np.testing.assert_allclose(context, weights @ K[0])


def test_a_matching_key_takes_the_weight():
    keys = np.eye(3) * 10
    _, weights = nn.dot_product_attention(keys[1:2], keys)
    assert weights.argmax() == 1 and weights[0, 1] > 0.99


@pytest.mark.parametrize("q, k, v, message", [
    (np.ones((2, 4)), np.ones((5, 3)), None, "same last dimension"),
    (np.ones((2, 4)), np.ones((5, 4)), np.ones((6, 4)), "one entry per source position"),
    (np.ones(4), np.ones((5, 4)), None, "all be \\(time, dim\\)"),
])
def test_bad_shapes_get_a_clear_message(q, k, v, message):
    with pytest.raises(ValueError, match=message):
        nn.dot_product_attention(q, k, v)
