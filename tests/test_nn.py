"""dlbook.nn: the NumPy reference code behind Unit 1, tested independently
of the notebooks (numerical derivatives, known values, an independent
autodiff check of the backward pass)."""

import numpy as np
import pytest

from dlbook import nn

Z = np.linspace(-3, 3, 13) + 0.013  # avoid the kinks at 0


@pytest.mark.parametrize(
    "f, df",
    [
        (nn.sigmoid, nn.sigmoid_grad),
        (lambda z: nn.sigmoid(z, 2.0), lambda z: nn.sigmoid_grad(z, 2.0)),
        (nn.bipolar_sigmoid, nn.bipolar_sigmoid_grad),
        (nn.tanh, nn.tanh_grad),
        (nn.relu, nn.relu_grad),
        (nn.leaky_relu, nn.leaky_relu_grad),
    ],
)
def test_derivatives_match_central_differences(f, df):
    eps = 1e-6
    numeric = (f(Z + eps) - f(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(df(Z), numeric, atol=1e-7)


def test_known_values():
    assert nn.sigmoid(0.0) == 0.5
    assert round(float(nn.sigmoid(0.53)), 4) == 0.6295
    assert round(float(nn.bipolar_sigmoid(0.53)), 3) == 0.259
    np.testing.assert_allclose(nn.bipolar_sigmoid(Z), np.tanh(Z / 2))
    np.testing.assert_allclose(nn.leaky_relu(np.array([-2.0, 2.0])), [-0.2, 2.0])
    np.testing.assert_array_equal(nn.binary_step(np.array([-1.0, 0.0, 1.0])), [0, 1, 1])


def test_softmax_is_a_distribution_and_shift_invariant():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]])
    p = nn.softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    np.testing.assert_allclose(p[0], p[1])  # no overflow for large inputs


def test_perceptron_learns_and_but_not_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    run = nn.perceptron_train(X, [0, 0, 0, 1], lr=1.0)
    assert run.converged and run.epochs == 6
    assert run.w.tolist() == [2.0, 1.0] and run.b == -2.0
    assert nn.perceptron_predict(X, run.w, run.b).tolist() == [0, 0, 0, 1]
    xor = nn.perceptron_train(X, [0, 1, 1, 0], lr=1.0, num_epochs=30)
    assert not xor.converged and min(xor.errors) > 0


def test_perceptron_with_a_non_strict_threshold_ends_with_another_bias():
    # The chapter's exam answer 6: the notes' ">= 0" test gives b = -3 on AND.
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    run = nn.perceptron_train(X, [0, 0, 0, 1], lr=1.0, strict=False)
    assert run.converged and run.w.tolist() == [2.0, 1.0] and run.b == -3.0
    assert run.history[0][3] == 1  # w.x + b = 0 fires at once, so (0,0) is a mistake


def test_backward_matches_finite_differences_and_step_lowers_loss():
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=3), np.array([0.2, 0.9])
    W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    b1, b2 = rng.normal(size=4), rng.normal(size=2)
    g = nn.backward(x, t, W1, W2, b1, b2)
    eps = 1e-6
    for W, dW, name in ((W1, g.dW1, "W1"), (W2, g.dW2, "W2")):
        numeric = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            Wp, Wm = W.copy(), W.copy()
            Wp[idx] += eps
            Wm[idx] -= eps
            args_p = (Wp, W2) if name == "W1" else (W1, Wp)
            args_m = (Wm, W2) if name == "W1" else (W1, Wm)
            numeric[idx] = (
                nn.forward(x, *args_p, b1, b2, t=t).loss - nn.forward(x, *args_m, b1, b2, t=t).loss
            ) / (2 * eps)
        np.testing.assert_allclose(dW, numeric, atol=1e-8, err_msg=name)
    before = nn.forward(x, W1, W2, b1, b2, t=t).loss
    after = nn.forward(x, *nn.sgd_step(x, t, W1, W2, b1, b2, lr=0.1, update_biases=True), t=t).loss
    assert after < before


def test_qa_example_one_step_gives_the_notes_weights():
    x, t = np.array([0.35, 0.9]), np.array([0.5])
    W1 = np.array([[0.1, 0.4], [0.8, 0.6]])
    W2 = np.array([[0.3], [0.9]])
    W1n, W2n, _, _ = nn.sgd_step(x, t, W1, W2, lr=1.0)
    np.testing.assert_array_equal(W1n.round(4), [[0.0991, 0.3971], [0.7976, 0.5926]])
    np.testing.assert_array_equal(W2n.round(4), [[0.2723], [0.8730]])


def test_elu_matches_its_formula_keras_values_and_a_finite_difference():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    # values from the Q&A notes' digest: Keras's elu(-2), elu(-0.5) with alpha = 1
    np.testing.assert_allclose(nn.elu(z), [-0.86466473, -0.39346933, 0.0, 0.5, 2.0], atol=1e-8)
    np.testing.assert_allclose(nn.elu(z, alpha=0.5)[:2], 0.5 * np.expm1(z[:2]))
    zz = np.linspace(-3, 3, 61) + 0.013
    eps = 1e-6
    numeric = (nn.elu(zz + eps) - nn.elu(zz - eps)) / (2 * eps)
    np.testing.assert_allclose(nn.elu_grad(zz), numeric, atol=1e-6)
    assert np.isfinite(nn.elu(np.array([1000.0, -1000.0]))).all()


def test_maxout_is_the_largest_piece_and_checks_shapes():
    x = np.array([[-1.0], [0.5], [2.0]])
    relu_like = nn.maxout(x, W=[[[1.0]], [[0.0]]], b=[[0.0], [0.0]])
    np.testing.assert_allclose(relu_like, nn.relu(x))
    absolute = nn.maxout(x, W=[[[1.0]], [[-1.0]]], b=[[0.0], [0.0]])
    np.testing.assert_allclose(absolute, np.abs(x))
    with pytest.raises(ValueError, match="maxout needs"):
        nn.maxout(x, W=np.ones((2, 3, 1)), b=np.zeros((2, 1)))
