"""Lab 6's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the NumPy references agree with hand numbers: D* = 1/2 where the densities are equal
  or both 0, V(D*, G) = -log 4 at p_g = p_data and the JS divergence of disjoint
  densities is log 2; the losses from logits are NumPy's at +-50 on this backend;
- dlbook.gan.train_gan updates only the network whose turn it is;
- a function that writes into its input is rejected, and the stored cases stay;
- every target of q4 and q6 has its margin in the numbers measured on TensorFlow and JAX
  at three seeds (lab06.MARGINS), and seed 0 of q4 still gives the recorded numbers;
- the notebook states the checkers' numbers.
"""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

from dlbook.labs import lab06


def to_np(x):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(x), dtype=float)


# ---- the references -------------------------------------------------------------------


def test_optimal_discriminator_by_hand():
    p = np.array([0.2, 0.0, 0.3, 0.0])
    q = np.array([0.2, 0.1, 0.1, 0.0])
    np.testing.assert_allclose(lab06.optimal_discriminator(p, q), [0.5, 0.0, 0.75, 0.5])


def test_value_at_optimum_limits():
    x = np.linspace(-20, 20, 4001)
    p = lab06.mixture_pdf(x, [1.0], [-8.0], [1.0])
    v, js = lab06.value_at_optimum(x, p, p.copy())
    assert v == pytest.approx(-math.log(4), abs=1e-9) and js == pytest.approx(0, abs=1e-9)
    v, js = lab06.value_at_optimum(x, p, lab06.mixture_pdf(x, [1.0], [8.0], [1.0]))
    assert js == pytest.approx(math.log(2), abs=1e-6) and v == pytest.approx(0, abs=1e-5)
    # against an independent quadrature: JS from the two KL divergences to the mixture
    q = lab06.mixture_pdf(x, [0.4, 0.6], [-1.0, 2.0], [0.7, 1.3])
    m = (p + q) / 2
    kl = lambda a, b: np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a / b, 1)), 0)) * 0.01  # noqa: E731
    assert lab06.value_at_optimum(x, p, q)[1] == pytest.approx(0.5 * kl(p, m) + 0.5 * kl(q, m))


def test_gan_losses_are_numpys_at_extreme_logits():
    r = np.array([50.0, -50.0, 0.0, 3.0], "float32")
    f = np.array([-50.0, 50.0, 0.0, -2.0], "float32")
    got = [float(to_np(v)) for v in lab06.gan_losses(r, f)]
    np.testing.assert_allclose(got, lab06._np_losses(r, f), rtol=1e-6, atol=1e-6)
    assert all(np.isfinite(got))
    # at D = 1/2 everywhere: 2 ln 2, -ln 2 and ln 2
    z = np.zeros(5, "float32")
    np.testing.assert_allclose([float(to_np(v)) for v in lab06.gan_losses(z, z)],
                               [2 * math.log(2), -math.log(2), math.log(2)], rtol=1e-6)


def test_coverage_is_the_shared_measure_on_the_ring():
    from dlbook.nn.gan_mixture import mode_centres, mode_coverage, ring_of_gaussians

    x = ring_of_gaussians(3000, std=0.05, seed=9)
    x[:400] = np.random.default_rng(1).uniform(-3, 3, (400, 2))
    assert lab06.coverage(x, mode_centres(), 0.05) == pytest.approx(mode_coverage(x, std=0.05))


# ---- the training helper --------------------------------------------------------------


def test_train_gan_updates_only_the_network_whose_turn_it_is():
    import keras

    from dlbook.gan import train_gan

    def pair():
        keras.utils.set_random_seed(3)
        g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
        d = keras.Sequential([keras.Input((1,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
        return g, d

    data = np.random.default_rng(0).normal(4, 1, (256, 1))
    for frozen in ("g", "d"):
        g, d = pair()
        before = {"g": [to_np(w) for w in g.weights], "d": [to_np(w) for w in d.weights]}
        opts = {"d_optimizer": keras.optimizers.SGD(0.0 if frozen == "d" else 0.05),
                "g_optimizer": keras.optimizers.SGD(0.0 if frozen == "g" else 0.05)}
        h = train_gan(g, d, data, 5, batch_size=32, seed=0, **opts)
        assert h["d_loss"].shape == (5,) and np.isfinite(h["g_loss"]).all()
        for name, model in (("g", g), ("d", d)):
            same = all(np.array_equal(a, to_np(w)) for a, w in zip(before[name], model.weights))
            assert same == (name == frozen), (frozen, name)


# ---- the checkers ---------------------------------------------------------------------


@pytest.mark.parametrize("q", [lab06.q1, lab06.q2, lab06.q5], ids=lambda q: q.name)
def test_a_function_writing_into_its_input_is_rejected_and_the_cases_stay(q):
    before = [tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
              for args, _ in q.cases]
    wrong = next(w for w in q.wrong_answers if "in place" in w.message)
    assert not q.evaluate(wrong.answer).correct
    for (args, _), saved in zip(q.cases, before):
        for a, b in zip(args, saved):
            np.testing.assert_array_equal(a, b)


def test_a_numpy_loss_is_told_to_use_keras_ops():
    def numpy_losses(r, f):
        r, f = np.asarray(r, float), np.asarray(f, float)
        return lab06._np_losses(r, f)

    result = lab06.q3.evaluate(numpy_losses)
    assert not result.correct and "keras.ops" in result.message


def test_q6_rejects_a_model_and_a_long_recipe_without_training():
    assert "recipe function itself" in lab06.q6.evaluate(object()).message


# ---- the targets' margins -------------------------------------------------------------


def _spread(values) -> float:
    return max(values) - min(values)


def _beyond(margin, value) -> float:
    return value - margin.target if margin.higher else margin.target - value


def test_every_target_has_its_margin_on_both_backends():
    assert {m.exercise for m in lab06.MARGINS} == {"q4", "q6"}
    for m in lab06.MARGINS:
        assert set(m.measured) == {"tensorflow", "jax"}, m.exercise
        for backend, values in m.measured.items():
            where = f"{m.exercise} ({m.quantity}) on {backend}"
            assert values is not None, f"{where}: not measured"
            reference, baseline = values
            assert len(reference) == 3, where
            assert min(_beyond(m, v) for v in reference) >= 2 * _spread(reference), where
            if m.baseline is None:
                assert baseline == (), where
                continue
            assert len(baseline) == 3, where
            assert min(-_beyond(m, v) for v in baseline) >= 2 * _spread(baseline), where


def test_seed_0_of_q4_gives_the_measured_numbers():
    import keras

    keys = {"|mean - 4|": ("mean", 4.0), "|std - 1.25|": ("std", 1.25),
            "|d_loss - 2 ln 2|": ("d_loss", 2 * math.log(2)),
            "|g_loss - ln 2|": ("g_loss", math.log(2))}
    for m in lab06.MARGINS:
        if m.exercise != "q4" or m.measured[keras.backend.backend()] is None:
            continue
        reference, baseline = m.measured[keras.backend.backend()]
        key, centre = keys[m.quantity]
        for code, recorded in [(m.reference, reference), (m.baseline, baseline)]:
            if code is None:
                continue
            value = abs(lab06.gan_1d_scores(*lab06.q4.run(code))[key] - centre)
            assert abs(value - recorded[0]) <= max(_spread(recorded), 0.01), (m.quantity, value)


# ---- the notebook ---------------------------------------------------------------------


def test_the_notebook_states_the_checkers_numbers():
    nb = nbformat.read("solutions/06_gans_lab.ipynb", as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for number in [f"within {lab06.MEAN_TOL} of 4", f"within {lab06.STD_TOL} of 1.25",
                   f"within {lab06.LOSS_TOL} of 2 ln 2", f"at least {lab06.DESIGN_MODES} of "
                   "the 8 modes", f"{lab06.DESIGN_QUALITY:.0%}".replace("%", " %"),
                   f"{lab06.MAX_BATCH})", "20,000 noise vectors", "±50"]:
        assert number in " ".join(text.split()), number
