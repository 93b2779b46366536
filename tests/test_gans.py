"""dlbook.nn.gans: the optimal discriminator against a pointwise optimum, the value
V(D*, G) = -log 4 + 2 JS, the losses' gradients against autodiff, the saturating and
non-saturating gradient claims, backpropagation through D into G, and a 1-D GAN run.

Written with keras.ops and dlbook.autodiff, so that it runs on TensorFlow and on JAX.
"""

import numpy as np
import pytest
from keras import ops

import dlbook
from dlbook import nn
from dlbook.autodiff import gradients


@pytest.fixture(scope="module", autouse=True)
def _setup():
    # float64 on JAX too (off by default there), so the 1e-12 gradient checks hold
    dlbook.setup(verbose=False)


RNG = np.random.default_rng(6)
GRID = np.linspace(-12, 16, 28001)


def softplus_ops(t):
    return ops.log(1 + ops.exp(t))


# ---------------------------------------------------------------- D* and the value
@pytest.mark.parametrize("x", [-1.0, 0.3, 2.0, 4.5])
def test_optimal_discriminator_is_the_pointwise_maximum(x):
    # for fixed x, D maximises a log D + b log(1 - D) with a = p_data(x), b = p_g(x)
    a, b = nn.gaussian_pdf(x, 4.0, 1.25), nn.gaussian_pdf(x, 0.0, 1.0)
    d = np.linspace(1e-6, 1 - 1e-6, 200001)
    best = d[np.argmax(a * np.log(d) + b * np.log1p(-d))]
    assert nn.optimal_discriminator(a, b) == pytest.approx(best, abs=1e-5)


def test_optimal_discriminator_edge_cases():
    np.testing.assert_array_equal(nn.optimal_discriminator([1.0, 0.0, 0.0], [1.0, 2.0, 0.0]),
                                  [0.5, 0.0, 0.5])


@pytest.mark.parametrize("mean_g,std_g", [(0.0, 1.0), (3.0, 2.0), (4.0, 1.25), (10.0, 0.5)])
def test_optimal_value_is_minus_log4_plus_twice_js(mean_g, std_g):
    p_data = nn.gaussian_pdf(GRID, 4.0, 1.25)
    p_g = nn.gaussian_pdf(GRID, mean_g, std_g)
    js = nn.js_divergence(p_data, p_g, GRID)
    assert 0 <= js <= np.log(2) + 1e-9
    assert nn.optimal_value(p_data, p_g, GRID) == pytest.approx(-np.log(4) + 2 * js, abs=1e-9)


def test_value_at_equilibrium_is_minus_log4():
    p = nn.gaussian_pdf(GRID, 4.0, 1.25)
    assert nn.js_divergence(p, p, GRID) == pytest.approx(0.0, abs=1e-12)
    assert nn.optimal_value(p, p, GRID) == pytest.approx(-np.log(4), abs=1e-9)
    assert nn.value_function(np.full(5, 0.5), np.full(7, 0.5)) == pytest.approx(-np.log(4))
    # no D does better against p_g = p_data than D = 1/2
    for d in (0.3, 0.7):
        assert nn.value_function([d], [d]) < -np.log(4)


def test_js_of_disjoint_densities_is_log2():
    x = np.linspace(-5, 5, 100001)
    p = np.where(np.abs(x + 2) < 1, 0.5, 0.0)
    q = np.where(np.abs(x - 2) < 1, 0.5, 0.0)
    assert nn.js_divergence(p, q, x) == pytest.approx(np.log(2), abs=1e-3)


def test_kl_of_two_gaussians_matches_the_closed_form():
    m1, s1, m2, s2 = 1.0, 0.7, -0.5, 1.3
    closed = np.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    kl = nn.kl_divergence(nn.gaussian_pdf(GRID, m1, s1), nn.gaussian_pdf(GRID, m2, s2), GRID)
    assert kl == pytest.approx(closed, abs=1e-8)


# ---------------------------------------------------------------- losses and their gradients
def test_discriminator_loss_is_minus_v_and_matches_autodiff():
    lr_, lf = RNG.normal(size=(6, 1)), RNG.normal(size=(4, 1))
    loss, g_r, g_f = nn.discriminator_loss(lr_, lf)
    assert loss == pytest.approx(-nn.value_function(nn.sigmoid(lr_), nn.sigmoid(lf)), rel=1e-12)

    def f(a, b):
        return ops.sum(softplus_ops(-a)) / 6 + ops.sum(softplus_ops(b)) / 4

    auto = gradients(f, lr_, lf)
    np.testing.assert_allclose(g_r, auto[0], atol=1e-12)
    np.testing.assert_allclose(g_f, auto[1], atol=1e-12)


def test_label_smoothing_changes_only_the_real_term():
    lr_, lf = RNG.normal(size=(5, 1)), RNG.normal(size=(5, 1))
    loss, g_r, g_f = nn.discriminator_loss(lr_, lf, real_label=0.9)

    def f(a):
        return ops.sum(0.9 * softplus_ops(-a) + 0.1 * softplus_ops(a)) / 5

    (auto,) = gradients(f, lr_)
    np.testing.assert_allclose(g_r, auto, atol=1e-12)
    assert np.allclose(g_f, nn.discriminator_loss(lr_, lf)[2])
    # the smoothed D's best logit on a real point is log(0.9/0.1), not +infinity
    assert np.isclose(nn.discriminator_loss(np.array([np.log(9.0)]), lf, 0.9)[1], 0.0)


@pytest.mark.parametrize("kind", ["saturating", "non-saturating"])
def test_generator_loss_gradients_match_autodiff(kind):
    lf = RNG.normal(scale=3.0, size=(7, 1))
    loss, grad = nn.generator_loss(lf, kind)

    def f(t):
        d = 1 / (1 + ops.exp(-t))
        if kind == "saturating":
            return ops.sum(ops.log(1 - d)) / 7
        return -ops.sum(ops.log(d)) / 7

    (auto,) = gradients(f, lf)
    np.testing.assert_allclose(grad, auto, atol=1e-12)
    assert loss == pytest.approx(float(f(ops.convert_to_tensor(lf))), rel=1e-12)


def test_generator_loss_rejects_unknown_kind():
    with pytest.raises(ValueError):
        nn.generator_loss(np.zeros(3), "minimax")


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    # D rejects the samples: D(G(z)) = sigmoid(-8), about 3e-4
    lf = np.full((1, 1), -8.0)
    _, sat = nn.generator_loss(lf, "saturating")
    _, non = nn.generator_loss(lf, "non-saturating")
    assert abs(sat.item()) < 1e-3 and abs(non.item()) > 0.999
    assert abs(non.item()) / abs(sat.item()) > 1000
    # both push the logit up (negative gradient of a loss to minimise) ...
    assert sat.item() < 0 and non.item() < 0
    # ... and they agree in direction everywhere, with ratio (1 - D)/D
    t = np.linspace(-6, 6, 13).reshape(-1, 1)
    _, s = nn.generator_loss(t, "saturating")
    _, n = nn.generator_loss(t, "non-saturating")
    d = nn.sigmoid(t)
    np.testing.assert_allclose(n / s, (1 - d) / d, rtol=1e-10)


def test_equilibrium_losses_are_2ln2_and_ln2():
    zeros = np.zeros((4, 1))
    assert nn.discriminator_loss(zeros, zeros)[0] == pytest.approx(2 * np.log(2))
    assert nn.generator_loss(zeros)[0] == pytest.approx(np.log(2))
    assert nn.generator_loss(zeros, "saturating")[0] == pytest.approx(-np.log(2))


def test_softplus_is_stable():
    assert nn.softplus(1000.0) == pytest.approx(1000.0)
    assert nn.softplus(-1000.0) == pytest.approx(0.0, abs=1e-300)
    assert nn.softplus(0.0) == pytest.approx(np.log(2))


# ---------------------------------------------------------------- backprop through D into G
@pytest.mark.parametrize("act", ["tanh", "leaky_relu"])
def test_generator_gradient_through_discriminator_matches_autodiff(act):
    rng = np.random.default_rng(3)
    G = nn.init_mlp([2, 5, 2], rng)
    D = nn.init_mlp([2, 4, 1], rng)
    z = rng.normal(size=(6, 2))
    x, cache_g = nn.mlp_forward(G, z, act)
    logit, cache_d = nn.mlp_forward(D, x, act)
    _, g_logit = nn.generator_loss(logit)
    _, d_x = nn.mlp_backward(D, cache_d, g_logit, act)
    grads, _ = nn.mlp_backward(G, cache_g, d_x, act)

    def hid(t):
        return ops.tanh(t) if act == "tanh" else ops.where(t > 0, t, 0.2 * t)

    def loss(W1, b1, W2, b2):
        xg = ops.matmul(hid(ops.matmul(z, W1) + b1), W2) + b2
        (V1, c1), (V2, c2) = D
        out = ops.matmul(hid(ops.matmul(xg, V1) + c1), V2) + c2
        return ops.sum(softplus_ops(-out)) / 6

    auto = gradients(loss, *G[0], *G[1])
    ours = [g for layer in grads for g in layer]
    for a, o in zip(auto, ours):
        np.testing.assert_allclose(o, a, atol=1e-5)   # JAX's tanh is float32


def test_pack_reshapes_and_trains():
    def data(n, rng):
        return rng.normal(size=(n, 2))

    r = nn.train_gan(data, dim_z=2, dim_x=2, hidden=8, steps=5, batch_size=8, pack=2,
                     snapshot_steps=(0, 5), num_snapshot=10)
    assert r["snapshots"][5].shape == (10, 2) and len(r["d_loss"]) == 5
    with pytest.raises(ValueError):
        nn.train_gan(data, dim_x=2, batch_size=9, pack=2, steps=1)


def test_one_d_gan_matches_the_data():
    def data(n, rng):
        return rng.normal(4.0, 1.25, size=(n, 1))

    r = nn.train_gan(data, steps=2500, batch_size=128, seed=0, snapshot_steps=(0, 2500))
    before, after = r["snapshots"][0], r["snapshots"][2500]
    assert abs(before.mean() - 4.0) > 2
    assert abs(after.mean() - 4.0) < 0.4 and abs(after.std() - 1.25) < 0.3
    assert abs(r["d_loss"][-500:].mean() - 2 * np.log(2)) < 0.05
    assert abs(r["g_loss"][-500:].mean() - np.log(2)) < 0.05
