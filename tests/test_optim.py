"""dlbook.nn.optim: the update rules of Unit 2, against the worked numbers of
the notes' digests, against independent closed forms, and against
keras.optimizers run on the same problem (backend-neutral: no tf.* call)."""

import math

import keras
import numpy as np
import pytest

from dlbook import nn


def grad_sq(w):
    """Gradient of J(w) = (w - 3)^2, the MCA-style example."""
    return 2 * (w - 3)


H = np.array([1.0, 10.0])  # f(x) = (x1^2 + 10 x2^2) / 2


def grad_quad(x):
    return H * x


START = np.array([-9.0, 2.0])


# ---- the worked numbers -------------------------------------------------------------

def test_vesit_example():
    # L(w) = 1/2 (6 - 2 w)^2 from w = 5, eta = 0.1 (VESIT notes L218-299).
    path = nn.descend(5.0, lambda w: -2 * (6 - 2 * w), 0.1, 5)
    np.testing.assert_allclose(path, [5, 4.2, 3.72, 3.432, 3.2592, 3.15552])
    np.testing.assert_allclose(path, 3 + 2 * 0.6 ** np.arange(6))


@pytest.mark.parametrize("eta, expected", [
    (0.1, [0.6, 1.08, 1.464, 1.7712, 2.01696]),
    (0.5, [3.0, 3.0, 3.0, 3.0, 3.0]),
    (0.9, [5.4, 1.08, 4.536, 1.7712, 3.98304]),
    (1.1, [6.6, -1.32, 8.184, -3.2208, 10.46496]),
])
def test_gradient_descent_iterates_of_the_digest(eta, expected):
    np.testing.assert_allclose(nn.descend(0.0, grad_sq, eta, 5)[1:], expected)


def test_momentum_and_nesterov_iterates_of_the_digest():
    np.testing.assert_allclose(nn.descend(0.0, grad_sq, 0.1, 5, "momentum", 0.9)[1:],
                               [0.6, 1.62, 2.814, 3.9258, 4.74126])
    np.testing.assert_allclose(nn.descend(0.0, grad_sq, 0.1, 5, "nesterov_keras", 0.9)[1:],
                               [1.14, 2.3328, 3.325056, 3.97446912, 4.24715274], atol=1e-8)


def test_the_keras_form_stores_the_look_ahead_point():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    grad = lambda w: (A.T @ A) @ w - 1.0
    look = nn.descend(np.ones(3), grad, 0.05, 20, "nesterov", 0.8)
    stored = nn.descend(np.ones(3), grad, 0.05, 20, "nesterov_keras", 0.8)
    v = np.diff(look, axis=0)
    np.testing.assert_allclose(stored[1:], look[1:] + 0.8 * v)


def test_momentum_speed_on_a_steady_slope():
    path = nn.descend(0.0, lambda w: np.ones_like(w), 0.1, 50, "momentum", 0.9)
    speed = -np.diff(path)
    np.testing.assert_allclose(speed, 0.1 * (1 - 0.9 ** np.arange(1, 51)) / 0.1)


# ---- adaptive rules, against closed forms --------------------------------------------

def test_adagrad_accumulates_squared_gradients():
    w, acc = nn.adagrad_step(np.array([1.0]), np.array([0.1]), lambda w: np.array([2.0]), 0.5)
    np.testing.assert_allclose(acc, [4.1])
    np.testing.assert_allclose(w, 1 - 0.5 * 2 / np.sqrt(4.1 + 1e-7))


def test_rmsprop_with_rho_zero_takes_steps_of_size_eta():
    path = nn.descend(START, grad_quad, 0.01, 3, "rmsprop", rho=0.0, eps=0.0)
    np.testing.assert_allclose(np.abs(np.diff(path, axis=0)), 0.01)


def test_adam_equals_the_textbook_form_with_a_scaled_epsilon():
    """Keras's form (bias corrections in the step) is the paper's rule
    w -= eta m_hat / (sqrt(v_hat) + eps_hat) with eps_hat = eps / sqrt(1 - b2^t)."""
    eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-3
    ours = nn.descend(START, grad_quad, eta, 10, "adam", eps=eps)
    w, m, v = START.copy(), np.zeros(2), np.zeros(2)
    for t in range(1, 11):
        g = grad_quad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w = w - eta * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2 ** t))
    np.testing.assert_allclose(ours[-1], w)


def test_adams_first_step_has_length_eta_in_every_coordinate():
    path = nn.descend(START, grad_quad, 0.1, 1, "adam", eps=0.0)
    np.testing.assert_allclose(np.abs(path[1] - path[0]), 0.1)


# ---- against keras.optimizers ----------------------------------------------------------

@pytest.mark.parametrize("rule, options, make", [
    ("momentum", {}, lambda: keras.optimizers.SGD(0.05, momentum=0.8)),
    ("nesterov_keras", {}, lambda: keras.optimizers.SGD(0.05, momentum=0.8, nesterov=True)),
    ("adagrad", {}, lambda: keras.optimizers.Adagrad(0.05)),
    ("adagrad", {"initial_accumulator_value": 0.5, "eps": 1e-4},
     lambda: keras.optimizers.Adagrad(0.05, initial_accumulator_value=0.5, epsilon=1e-4)),
    ("rmsprop", {}, lambda: keras.optimizers.RMSprop(0.05)),
    ("rmsprop", {"rho": 0.5, "eps": 1e-3},
     lambda: keras.optimizers.RMSprop(0.05, rho=0.5, epsilon=1e-3)),
    ("adam", {}, lambda: keras.optimizers.Adam(0.05)),
    ("adam", {"beta_1": 0.5, "beta_2": 0.9, "eps": 1e-3},
     lambda: keras.optimizers.Adam(0.05, beta_1=0.5, beta_2=0.9, epsilon=1e-3)),
])
def test_numpy_rules_match_keras(rule, options, make):
    ours = nn.descend(START, grad_quad, 0.05, 8, rule, mu=0.8, **options)
    theirs = nn.keras_iterates(make(), START, grad_quad, 8)
    assert theirs.shape == ours.shape
    # Keras keeps learning rate and betas in float32: agreement to ~1e-6.
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_plain_sgd_matches_keras():
    ours = nn.descend(0.0, grad_sq, 0.1, 5)
    theirs = nn.keras_iterates(keras.optimizers.SGD(0.1), 0.0, grad_sq, 5)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


# ---- Nesterov's convex form -----------------------------------------------------------

def test_nag_lambdas():
    lam = nn.nag_lambdas(50)
    assert lam[0] == 0 and lam[1] == 1 and math.isclose(lam[2], (1 + 5 ** 0.5) / 2)
    np.testing.assert_allclose(lam[:-1] ** 2, lam[1:] ** 2 - lam[1:], atol=1e-9)
    gamma = (1 - lam[1:-1]) / lam[2:]
    assert np.all(gamma <= 0)
    t = np.arange(2, 51)
    assert np.all(lam[t - 1] >= t / 2) and not lam[0] >= 1 / 2


def test_nag_convex_first_iterates_and_gaps_of_the_digest():
    x, y = nn.nag_convex(np.array([1.0, 1.0]), grad_quad, 10.0, 10)
    np.testing.assert_allclose(y[1], [0.9, 0.0])
    np.testing.assert_allclose(x[1], [0.9, 0.0])
    np.testing.assert_allclose(y[2], [0.81, 0.0])
    np.testing.assert_allclose(x[2], [0.784642, 0.0], atol=1e-6)
    f = 0.5 * np.sum(H * y ** 2, axis=1)
    np.testing.assert_allclose(f[1:], [0.405, 0.32805, 0.249344, 0.177014, 0.116339,
                                       0.069725, 0.037118, 0.016695, 0.005664, 0.001000],
                               atol=1e-6)


def test_nag_convex_meets_the_theorem_on_a_random_convex_quadratic():
    A = np.random.default_rng(3).normal(size=(30, 30))
    Q = A.T @ A / 30
    beta = np.linalg.eigvalsh(Q).max()
    x1 = np.ones(30)
    _, y = nn.nag_convex(x1, lambda x: Q @ x, beta, 300)
    gap = 0.5 * np.einsum("ti,ij,tj->t", y, Q, y)
    t = np.arange(1, 302)
    assert np.all(gap[1:] <= 2 * beta * np.sum(x1 ** 2) / t[1:] ** 2)


# ---- bad input ----------------------------------------------------------------------

def test_unknown_rule_is_a_clear_error():
    with pytest.raises(ValueError, match="rule must be one of gd, momentum, .*; not 'adamw'"):
        nn.descend(0.0, grad_sq, 0.1, 3, "adamw")


def test_an_option_of_another_rule_is_a_clear_error():
    with pytest.raises(ValueError, match="rule 'rmsprop' takes no option beta_1"):
        nn.descend(0.0, grad_sq, 0.1, 3, "rmsprop", beta_1=0.9)
    with pytest.raises(ValueError, match="rule 'gd' takes no option rho"):
        nn.descend(0.0, grad_sq, 0.1, 3, rho=0.9)


@pytest.mark.parametrize("steps", [-1, 2.5, "3"])
def test_steps_must_be_a_whole_number(steps):
    with pytest.raises(ValueError, match="steps must be a whole number"):
        nn.descend(0.0, grad_sq, 0.1, steps)


def test_adam_counts_from_one():
    with pytest.raises(ValueError, match="from t = 1"):
        nn.adam_step(0.0, 0.0, 0.0, 0, grad_sq, 0.1)
