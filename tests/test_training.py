"""dlbook.nn.training: the Unit 2 NumPy reference code, tested apart from the chapter
(finite differences and autodiff for back-propagation, known values, Keras layers)."""

import numpy as np
import pytest

from dlbook import nn

SIZES = [3, 5, 4, 2]


def _net(seed=0, scheme="xavier"):
    rng = np.random.default_rng(seed)
    X, T = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    W, b = nn.deep_init(SIZES, scheme, seed=seed)
    b = [rng.normal(size=bi.shape) for bi in b]  # non-zero biases
    return X, T, W, b


@pytest.mark.parametrize("acts", ["sigmoid", ["tanh", "relu", "linear"]])
def test_deep_backward_matches_central_differences(acts):
    X, T, W, b = _net()
    g = nn.deep_backward(X, T, W, b, acts)
    eps = 1e-6
    for l in range(len(W)):
        for (i, j) in [(0, 0), (W[l].shape[0] - 1, W[l].shape[1] - 1)]:
            Wp = [w.copy() for w in W]
            Wm = [w.copy() for w in W]
            Wp[l][i, j] += eps
            Wm[l][i, j] -= eps
            num = (nn.deep_forward(X, Wp, b, acts, T).loss
                   - nn.deep_forward(X, Wm, b, acts, T).loss) / (2 * eps)
            assert np.isclose(g.dW[l][i, j], num, atol=1e-8)
        bp = [v.copy() for v in b]
        bp[l][0] += eps
        bm = [v.copy() for v in b]
        bm[l][0] -= eps
        num = (nn.deep_forward(X, W, bp, acts, T).loss
               - nn.deep_forward(X, W, bm, acts, T).loss) / (2 * eps)
        assert np.isclose(g.db[l][0], num, atol=1e-8)


def test_deep_backward_matches_autodiff():
    from keras import ops

    from dlbook.autodiff import gradients

    X, T, W, b = _net(seed=1)

    def loss(*p):
        A = ops.convert_to_tensor(X, dtype="float64")
        for Wl, bl in zip(p[0::2], p[1::2]):
            A = ops.sigmoid(ops.matmul(A, Wl) + bl)
        return 0.5 * ops.sum((A - T) ** 2) / len(X)

    tape = gradients(loss, *[p for pair in zip(W, b) for p in pair])
    g = nn.deep_backward(X, T, W, b, "sigmoid")
    for l in range(len(W)):
        np.testing.assert_allclose(g.dW[l], tape[2 * l], atol=1e-12)
        np.testing.assert_allclose(g.db[l], tape[2 * l + 1], atol=1e-12)


def test_one_row_two_layers_equals_unit_one_mlp():
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    W1 = np.array([[0.15, 0.25], [0.20, 0.30]])
    W2 = np.array([[0.40, 0.50], [0.45, 0.55]])
    g1 = nn.backward(x, t, W1, W2, 0.35, 0.60)
    g = nn.deep_backward(x, t, [W1, W2], [np.full(2, 0.35), np.full(2, 0.60)])
    np.testing.assert_allclose(g.dW[0], g1.dW1)
    np.testing.assert_allclose(g.dW[1], g1.dW2)


def test_training_lowers_the_loss_and_learns_xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    W, b = nn.deep_init([2, 3, 3, 1], "xavier", seed=0)
    W, b, losses = nn.deep_train(X, T, W, b, lr=2.0, num_epochs=4000)
    assert losses[-1] < 0.01 < losses[0]
    out = nn.deep_forward(X, W, b).A[-1].ravel()
    assert np.array_equal(np.round(out), T.ravel())
    _, _, mini = nn.deep_train(X, T, *nn.deep_init([2, 3, 1], seed=2), lr=0.5,
                               num_epochs=5, batch_size=2)
    assert len(mini) == 6 and np.all(np.isfinite(mini))


def test_bad_arguments_get_clear_messages():
    X, T, W, b = _net()
    with pytest.raises(ValueError, match="activation must be one of"):
        nn.deep_forward(X, W, b, "swish")
    with pytest.raises(ValueError, match="2 activations for 3 layers"):
        nn.deep_forward(X, W, b, ["relu", "relu"])
    with pytest.raises(ValueError, match="scheme must be"):
        nn.init_std(3, 4, "lecun")
    with pytest.raises(ValueError, match="dropout rate"):
        nn.dropout_mask((3,), 1.0, 0)
    with pytest.raises(ValueError, match="at least an input"):
        nn.deep_init([3])


def test_init_std_and_vanishing_gradients():
    assert nn.init_std(100, 100, "xavier") == pytest.approx(0.1)
    assert nn.init_std(50, 10, "he") == pytest.approx(0.2)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(128, 16)), rng.normal(size=(128, 1))
    sizes = [16] + [32] * 10 + [1]
    W, b = nn.deep_init(sizes, "xavier", seed=1)
    sig = nn.layer_gradient_norms(nn.deep_backward(X, T, W, b, ["sigmoid"] * 10 + ["linear"]))
    W, b = nn.deep_init(sizes, "he", seed=1)
    rel = nn.layer_gradient_norms(nn.deep_backward(X, T, W, b, ["relu"] * 10 + ["linear"]))
    assert sig[0] / sig[-1] < 1e-4 and 0.1 < rel[0] / rel[-1] < 10


def test_activation_stds_he_keeps_relu_level():
    X = np.random.default_rng(1).normal(size=(512, 64))
    he = nn.activation_stds(X, *nn.deep_init([64] * 11, "he", seed=2), "relu")
    xa = nn.activation_stds(X, *nn.deep_init([64] * 11, "xavier", seed=2), "relu")
    assert 0.5 < he[-1] / he[0] < 2 and xa[-1] / xa[0] < 0.1


def test_clipping():
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(nn.clip_by_norm(g, 1.0), [0.6, 0.8])
    np.testing.assert_allclose(nn.clip_by_norm(g, 10.0), g)
    np.testing.assert_allclose(nn.clip_by_value(g, 1.0), [1.0, 1.0])


def test_dead_fraction():
    X = np.random.default_rng(0).normal(size=(50, 2))
    W, b = nn.deep_init([2, 8, 1], seed=0, bias=-100.0)
    assert nn.dead_fraction(X, W, b) == 1.0
    W, b = nn.deep_init([2, 8, 1], seed=0, bias=100.0)
    assert nn.dead_fraction(X, W, b) == 0.0
    with pytest.raises(ValueError, match="hidden layer"):
        nn.dead_fraction(X, *nn.deep_init([2, 1]))


def test_weight_penalty_equals_keras_regularizer():
    import keras
    from keras import ops

    W = [np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[3.0], [-1.0]])]
    assert nn.weight_penalty(W, l1=0.1) == pytest.approx(0.1 * 7.5)
    assert nn.weight_penalty(W, l2=0.01) == pytest.approx(0.01 * 15.25)
    reg = keras.regularizers.L1L2(l1=0.1, l2=0.01)
    keras_total = sum(float(ops.convert_to_numpy(reg(ops.convert_to_tensor(w)))) for w in W)
    assert keras_total == pytest.approx(nn.weight_penalty(W, 0.1, 0.01), rel=1e-6)


def test_dropout_inverted_scaling_and_inference():
    y, mask = nn.dropout(np.arange(1.0, 7.0), 1 / 3, mask=[1, 0, 1, 1, 0, 1])
    np.testing.assert_allclose(y, [1.5, 0, 4.5, 6, 0, 9])
    same, _ = nn.dropout(np.arange(3.0), 0.5, training=False)
    np.testing.assert_array_equal(same, np.arange(3.0))
    m = nn.dropout_mask((20000, 6), 1 / 3, 0)
    assert set(np.unique(m)) == {0.0, 1.0}
    assert abs(m.sum(axis=1).mean() - 4) < 0.05
    out, _ = nn.dropout(np.ones((20000, 6)), 1 / 3, rng=1)
    assert abs(out.sum(axis=1).mean() - 6) < 0.05  # the sum is kept on average


def test_dropout_matches_keras_statistics():
    import keras
    from keras import ops

    out = ops.convert_to_numpy(keras.layers.Dropout(0.25, seed=3)(np.ones((4000, 8)),
                                                                  training=True))
    assert np.allclose(np.unique(out), [0.0, 1 / 0.75])
    ours, _ = nn.dropout(np.ones((4000, 8)), 0.25, rng=3)
    assert abs((out > 0).mean() - (ours > 0).mean()) < 0.02


def test_batchnorm_matches_keras():
    import keras
    from keras import ops

    x = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 6.0], [7.0, 8.0, 0.0], [2.0, 2.0, 2.0]])
    y, mu, var = nn.batchnorm_forward(x, gamma=1.5, beta=-0.5)
    bn = keras.layers.BatchNormalization(
        gamma_initializer=keras.initializers.Constant(1.5),
        beta_initializer=keras.initializers.Constant(-0.5))
    np.testing.assert_allclose(ops.convert_to_numpy(bn(x, training=True)), y, atol=1e-5)
    mm = nn.moving_average(0.0, mu)
    mv = nn.moving_average(1.0, var)
    np.testing.assert_allclose(ops.convert_to_numpy(bn.moving_mean), mm, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(bn.moving_variance), mv, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(bn(x, training=False)),
                               nn.batchnorm_inference(x, 1.5, -0.5, mm, mv), atol=1e-5)
    # the digest's check: [1, 2, 3, 4] -> [-1.34110, -0.44703, 0.44703, 1.34110]
    z, _, _ = nn.batchnorm_forward(np.array([[1.0], [2.0], [3.0], [4.0]]))
    np.testing.assert_allclose(z.ravel(), [-1.34110, -0.44703, 0.44703, 1.34110], atol=1e-5)
