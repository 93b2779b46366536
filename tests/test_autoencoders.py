"""dlbook.nn.autoencoders and dlbook.nn.rbm: gradients against autodiff, metrics
against independent implementations, and the PCA and CD-1 results the chapter shows.

Written with keras.ops and dlbook.autodiff, so that it runs on TensorFlow and on JAX.
"""

import itertools

import numpy as np
import pytest
from keras import ops

from dlbook import nn
from dlbook.autodiff import gradients

RNG = np.random.default_rng(5)


def sigmoid_ops(z):
    return 1 / (1 + ops.exp(-z))


# ---------------------------------------------------------------- linear AE and PCA
def test_linear_autoencoder_grads_match_autodiff():
    X = RNG.normal(size=(7, 5))
    W_enc, W_dec = RNG.normal(size=(5, 2)), RNG.normal(size=(2, 5))

    def loss(We, Wd):
        R = ops.matmul(ops.matmul(X, We), Wd) - X
        return 0.5 * ops.sum(R * R) / X.shape[0]

    auto = gradients(loss, W_enc, W_dec)
    ours = nn.linear_autoencoder_grads(X, W_enc, W_dec)
    for a, o in zip(auto, ours):
        np.testing.assert_allclose(o, a, atol=1e-10)
    assert np.isclose(nn.linear_autoencoder_loss(X, W_enc, W_dec), float(loss(W_enc, W_dec)))


def test_linear_autoencoder_recovers_pca_subspace():
    # a clear gap between the 2nd and 3rd variance: 9, 4 | 0.25, 0.04
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 4)) * np.array([3.0, 2.0, 0.5, 0.2])
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    X = X @ Q.T
    X = X - X.mean(axis=0)
    W_enc, W_dec, losses = nn.train_linear_autoencoder(X, 2, lr=0.05, num_epochs=1500)
    V, var = nn.pca_basis(X, 2)
    assert nn.projection_distance(W_dec.T, V) < 1e-4
    assert nn.projection_distance(W_enc, V) < 2e-2     # the encoder gets there more slowly
    assert losses[-1] == pytest.approx(0.5 * var[2:].sum(), rel=1e-6)
    assert np.all(np.diff(losses) <= 1e-12)       # gradient descent never went up here


def test_principal_angles_of_a_known_rotation():
    theta = 0.3
    A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    B = np.array([[1.0, 0.0], [0.0, np.cos(theta)], [0.0, np.sin(theta)]]) @ [[2, 1], [0, 3]]
    np.testing.assert_allclose(nn.principal_angles(A, B), [0.0, theta], atol=1e-7)
    assert nn.projection_distance(A, B) == pytest.approx(np.sin(theta))
    assert nn.projection_distance(A, A @ [[1, 2], [3, 4]]) < 1e-12


def test_pca_basis_matches_covariance_eigenvectors():
    X = RNG.normal(size=(50, 3)) @ RNG.normal(size=(3, 3))
    V, var = nn.pca_basis(X, 2)
    evals, evecs = np.linalg.eigh(np.cov(X.T, bias=True))
    np.testing.assert_allclose(var, evals[::-1], rtol=1e-10)
    assert nn.projection_distance(V, evecs[:, ::-1][:, :2]) < 1e-10


# ---------------------------------------------------------------- compression metrics
def test_compression_ratio():
    assert nn.compression_ratio((8, 8), 16) == 4.0
    assert nn.compression_ratio((512, 512, 3), (64, 64)) == 192.0
    assert nn.compression_ratio(784, 32) == 24.5


def test_psnr_known_values():
    x = np.zeros((4, 4))
    assert nn.psnr(x, x + 0.1) == pytest.approx(20.0)
    assert nn.psnr(x, x + 1.6, data_range=16.0) == pytest.approx(20.0)
    assert nn.psnr(x, x) == float("inf")


def ssim_loops(x, y, data_range=1.0, win=7):
    """SSIM written independently: explicit windows, np.var/np.cov with ddof=1."""
    C1, C2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    values = []
    for r in range(x.shape[0] - win + 1):
        for c in range(x.shape[1] - win + 1):
            a, b = x[r:r + win, c:c + win].ravel(), y[r:r + win, c:c + win].ravel()
            cov = np.cov(a, b, ddof=1)
            values.append((2 * a.mean() * b.mean() + C1) * (2 * cov[0, 1] + C2)
                          / ((a.mean() ** 2 + b.mean() ** 2 + C1) * (cov[0, 0] + cov[1, 1] + C2)))
    return float(np.mean(values))


@pytest.mark.parametrize("shape", [(8, 8), (12, 10)])
def test_ssim_matches_an_independent_implementation(shape):
    x = RNG.random(shape)
    y = np.clip(x + RNG.normal(scale=0.2, size=shape), 0, 1)
    assert nn.ssim(x, y) == pytest.approx(ssim_loops(x, y), abs=1e-12)
    assert nn.ssim(16 * x, 16 * y, data_range=16) == pytest.approx(nn.ssim(x, y), abs=1e-12)
    assert nn.ssim(x, y) == pytest.approx(nn.ssim(y, x), abs=1e-12)
    assert nn.ssim(x, x) == pytest.approx(1.0)
    assert nn.ssim(x, y) < 0.9


def test_ssim_rejects_small_or_mismatched_images():
    with pytest.raises(ValueError):
        nn.ssim(np.zeros((5, 5)), np.zeros((5, 5)))
    with pytest.raises(ValueError):
        nn.ssim(np.zeros((8, 8)), np.zeros((8, 9)))


# ---------------------------------------------------------------- sparsity
def test_l1_activity_penalty_and_gradient():
    H = RNG.normal(size=(6, 4))
    value, grad = nn.l1_activity_penalty(H, 0.01)
    assert value == pytest.approx(0.01 * np.abs(H).sum() / 6)
    (auto,) = gradients(lambda h: 0.01 * ops.sum(ops.abs(h)) / 6, H)
    np.testing.assert_allclose(grad, auto, atol=1e-12)


def test_kl_sparsity_gradient_matches_autodiff():
    H = RNG.uniform(0.05, 0.95, size=(8, 5))
    rho = 0.1
    value, grad = nn.kl_sparsity(H, rho)

    def kl(h):
        rho_hat = ops.sum(h, axis=0) / h.shape[0]
        return ops.sum(rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat)))

    (auto,) = gradients(kl, H)
    assert value == pytest.approx(float(kl(ops.convert_to_tensor(H))), rel=1e-12)
    np.testing.assert_allclose(grad, auto, atol=1e-12)
    assert value > 0
    flat, flat_grad = nn.kl_sparsity(np.full((3, 2), rho), rho)
    assert flat == pytest.approx(0.0, abs=1e-15) and np.allclose(flat_grad, 0.0)


# ---------------------------------------------------------------- noise
def test_noise_leaves_input_alone_and_has_its_level():
    X = np.full((200, 50), 0.5)
    before = X.copy()
    g = nn.gaussian_noise(X, 0.1, np.random.default_rng(0))
    sp = nn.salt_and_pepper(X, 0.2, np.random.default_rng(0))
    assert np.array_equal(X, before)
    assert abs(np.std(g - X) - 0.1) < 0.005 and g.min() >= 0 and g.max() <= 1
    changed = sp != X
    assert abs(changed.mean() - 0.2) < 0.01
    assert set(np.unique(sp[changed])) == {0.0, 1.0}
    assert abs((sp[changed] == 1.0).mean() - 0.5) < 0.03


# ---------------------------------------------------------------- contractive
def test_contractive_penalty_is_the_autodiff_jacobian_norm():
    d, k = 5, 3
    W, b = RNG.normal(size=(d, k)), RNG.normal(size=k)
    X = RNG.normal(size=(4, d))
    closed = nn.contractive_penalty(X, W, b)
    for x, value in zip(X, closed):
        rows = [gradients(lambda x_, j=j: sigmoid_ops(ops.matmul(x_, W) + b)[j], x)[0]
                for j in range(k)]
        J_auto = np.stack(rows)
        np.testing.assert_allclose(nn.encoder_jacobian(x, W, b), J_auto, atol=1e-12)
        assert value == pytest.approx(np.sum(J_auto ** 2), rel=1e-10)
    assert nn.contractive_penalty(X[0], W, b) == pytest.approx(closed[0])


# ---------------------------------------------------------------- VAE
def test_gaussian_kl_worked_number_and_monte_carlo():
    mu, log_var = np.array([0.5, -1.0]), np.array([0.0, np.log(0.25)])
    kl = nn.gaussian_kl(mu, log_var)
    assert kl == pytest.approx(0.9431472, abs=5e-8)
    rng = np.random.default_rng(0)
    z = nn.reparameterize(mu, log_var, rng.normal(size=(400_000, 2)))
    sigma2 = np.exp(log_var)
    log_q = -0.5 * np.sum(np.log(2 * np.pi * sigma2) + (z - mu) ** 2 / sigma2, axis=1)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z ** 2, axis=1)
    samples = log_q - log_p
    assert abs(samples.mean() - kl) < 4 * samples.std() / np.sqrt(len(samples))


def test_gaussian_kl_batch_and_gradients():
    mu, log_var = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    assert nn.gaussian_kl(mu, log_var).shape == (3,)
    assert nn.gaussian_kl(np.zeros(4), np.zeros(4)) == 0.0

    def kl(m, lv):
        return -0.5 * ops.sum(1 + lv - m ** 2 - ops.exp(lv))

    auto = gradients(kl, mu[0], log_var[0])
    for a, o in zip(auto, nn.gaussian_kl_grads(mu[0], log_var[0])):
        np.testing.assert_allclose(o, a, atol=1e-12)


def test_reparameterised_gradient_matches_the_closed_form():
    # E[z^2] = mu^2 + sigma^2: d/dmu = 2 mu, d/dlog_var = sigma^2
    mu, log_var = np.array([0.7]), np.array([-0.4])
    eps = np.random.default_rng(1).normal(size=(200_000, 1))

    def mean_square(m, lv):
        z = m + ops.exp(0.5 * lv) * eps
        return ops.sum(z ** 2) / eps.shape[0]

    d_mu, d_lv = gradients(mean_square, mu, log_var)
    sigma2 = np.exp(log_var)
    assert abs(d_mu[0] - 2 * mu[0]) < 0.02
    assert abs(d_lv[0] - sigma2[0]) < 0.02
    z = nn.reparameterize(mu, log_var, eps)
    assert abs(np.mean(z) - mu[0]) < 0.01 and abs(np.var(z) - sigma2[0]) < 0.01


# ---------------------------------------------------------------- RBM
def small_rbm(d=4, k=3, seed=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, k)), rng.normal(size=d), rng.normal(size=k)


def test_rbm_conditionals_follow_from_the_energy():
    W, b, c = small_rbm()
    v = np.array([1.0, 0.0, 1.0, 1.0])
    hs = np.array(list(itertools.product((0.0, 1.0), repeat=3)))
    weights = np.exp(-nn.rbm_energy(np.tile(v, (8, 1)), hs, W, b, c))
    p_h = weights / weights.sum()                      # p(h | v) by brute force
    np.testing.assert_allclose(nn.rbm_hidden_probs(v, W, c), p_h @ hs, atol=1e-12)
    h = np.array([0.0, 1.0, 1.0])
    vs = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    weights = np.exp(-nn.rbm_energy(vs, np.tile(h, (16, 1)), W, b, c))
    np.testing.assert_allclose(nn.rbm_visible_probs(h, W, b), (weights / weights.sum()) @ vs,
                               atol=1e-12)
    # free energy: exp(-F(v)) = sum_h exp(-E(v, h))
    assert np.exp(-nn.rbm_free_energy(v, W, b, c)) == pytest.approx(
        np.exp(-nn.rbm_energy(np.tile(v, (8, 1)), hs, W, b, c)).sum())


def test_cd1_gradient_is_reproducible_and_leaves_input_alone():
    W, b, c = small_rbm()
    V = np.random.default_rng(3).integers(0, 2, size=(5, 4)).astype(float)
    before = (V.copy(), W.copy(), b.copy(), c.copy())
    g1 = nn.cd1_gradient(V, W, b, c, np.random.default_rng(9))
    g2 = nn.cd1_gradient(V, W, b, c, np.random.default_rng(9))
    for a, a2 in zip(g1, g2):
        np.testing.assert_array_equal(a, a2)
    for a, a0 in zip((V, W, b, c), before):
        np.testing.assert_array_equal(a, a0)
    dW, db, dc, v1 = g1
    assert dW.shape == W.shape and db.shape == b.shape and dc.shape == c.shape
    assert v1.shape == V.shape and np.all((v1 > 0) & (v1 < 1))


def test_cd1_training_lowers_error_and_raises_likelihood():
    patterns = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=float)
    V = patterns[np.random.default_rng(0).integers(0, 2, size=60)]
    W, b, c, errors = nn.train_rbm(V, 2, lr=0.5, num_epochs=200, batch_size=10, seed=0)
    W0, b0, c0 = (np.random.default_rng(0).normal(scale=0.01, size=(6, 2)),
                  np.zeros(6), np.zeros(2))
    assert errors[-10:].mean() < 0.5 * errors[:10].mean()
    assert nn.rbm_log_likelihood(V, W, b, c) > nn.rbm_log_likelihood(V, W0, b0, c0) + 2.0
