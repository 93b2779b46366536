"""Lab 6's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the NumPy references agree with hand numbers: D* = 1/2 where the densities are equal
  or both 0, V(D*, G) = -log 4 at p_g = p_data and the JS divergence of disjoint
  densities is log 2; the losses from logits are NumPy's at +-50 on this backend;
- dlbook.gan.train_gan updates only the network whose turn it is;
- a function that writes into its input is rejected, and the stored cases stay;
- every target of q4 and q6 has its margin in the numbers measured on TensorFlow and JAX
  at three seeds (lab06.MARGINS), and seed 0 of q4 still gives the recorded numbers;
- the notebook states the checkers' numbers;
- q7's and q8's checkers score generated images with their own classifier of the held-out
  digits (real digits pass, blank images fail, wrong shapes and ranges are named);
- the full configuration (DLBOOK_MODE=full) runs its MNIST cell on synthetic 28 x 28
  images, and falls back with a message offline.
"""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

from dlbook.labs import lab05, lab06, lab06_digits
from tests import synthetic
from tests.notebook_scan import full_mode_namespace, solution_cell


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


def test_every_target_has_its_margin_on_both_backends():
    assert {m.exercise for m in lab06.MARGINS} == {"q4", "q6", "q7", "q8"}
    assert [line for m in lab06.MARGINS for line in m.violations()] == []


def test_seed_0_of_q4_gives_the_measured_numbers():
    import keras

    measure = {"|mean - 4|": lambda s: abs(s["mean"] - 4.0),
               "|std - 1.25|": lambda s: abs(s["std"] - 1.25),
               "|d_loss - 2 ln 2|": lambda s: abs(s["d_loss"] - 2 * math.log(2)),
               "|g_loss - ln 2|": lambda s: abs(s["g_loss"] - math.log(2)),
               "log10 of D's logit range over [-6, 14]": lambda s: math.log10(s["d_range"])}
    for m in lab06.MARGINS:
        if m.exercise != "q4" or m.measured[keras.backend.backend()] is None:
            continue
        reference, baseline = m.measured[keras.backend.backend()]
        for code, recorded in [(m.reference, reference), (m.baseline, baseline)]:
            if code is None:
                continue
            value = measure[m.quantity](lab06.gan_1d_scores(*lab06.q4.run(code)))
            assert abs(value - recorded[0]) <= max(_spread(recorded), 0.01), (m.quantity, value)


# ---- the notebook ---------------------------------------------------------------------


def test_the_notebook_states_the_checkers_numbers():
    nb = nbformat.read("solutions/06_gans_lab.ipynb", as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for number in [f"within {lab06.MEAN_TOL} of 4", f"within {lab06.STD_TOL} of 1.25",
                   f"within {lab06.LOSS_TOL} of 2 ln 2", f"at least {lab06.DESIGN_MODES} of "
                   "the 8 modes", f"{lab06.DESIGN_QUALITY:.0%}".replace("%", " %"),
                   f"{lab06.MAX_BATCH})", "20,000 noise vectors", "±50",
                   f"at least {lab06.DCGAN_CLASSES} classes must each hold at least "
                   f"{lab06_digits.COVER_SHARE:.0%}".replace("%", " %"),
                   f"must be at least {lab06.DCGAN_CONFIDENCE}",
                   f"{lab06_digits.Q7_SAMPLES:,} samples",
                   f"requests {lab06_digits.PER_CLASS} digits of each class",
                   f"at least {lab06.CGAN_ACCURACY:.0%} of them".replace("%", " %")]:
        assert number in " ".join(text.split()), number


# ---- q7 and q8: the checker's classifier ------------------------------------------------


def test_the_checkers_classifier_reads_real_digits_and_not_blanks():
    (X_lab, y_lab), _ = lab05._lab_and_held_out()
    clf = lab06_digits.digits_classifier()
    assert clf.score(X_lab, y_lab) > 0.9
    p = clf.predict_proba(X_lab)
    # real digits are read confidently; a blank image is not
    assert p.max(axis=1).mean() > 0.75
    assert clf.predict_proba(np.zeros((1, 64))).max() < 0.6


def _fixed_generator(images, n_inputs=1):
    """A Keras 'generator' that returns images[i % len(images)] for the i-th noise vector
    (for q8: the first image of the requested class)."""
    import keras

    table = np.asarray(images, "float32").reshape(len(images), -1)
    z = keras.Input(shape=(4,))
    if n_inputs == 1:
        out = keras.layers.Lambda(lambda t: keras.ops.take(table, keras.ops.mod(
            keras.ops.arange(keras.ops.shape(t)[0]), len(table)), axis=0),
            output_shape=(table.shape[1],))(z)
        return keras.Model(z, out)
    label = keras.Input(shape=(1,), dtype="int32")
    out = keras.layers.Lambda(
        lambda t: keras.ops.take(table, keras.ops.reshape(t[1], (-1,)), axis=0),
        output_shape=(table.shape[1],))([z, label])
    return keras.Model([z, label], out)


def test_q7_passes_unseen_digits_and_names_copies_collapse_and_range():
    X, y = lab06_digits.load_digit_images()
    assert X.shape == (1437, 8, 8, 1) and 0 <= X.min() and X.max() <= 1
    _, (X_held, y_held) = lab05._lab_and_held_out()
    assert lab06.q7.evaluate(_fixed_generator(X_held)).correct
    copies = lab06.q7.evaluate(_fixed_generator(X[:500]))
    assert not copies.correct and "copies" in copies.message
    collapsed = lab06.q7.evaluate(_fixed_generator(X_held[y_held == 3]))
    assert not collapsed.correct and "classes in at least" in collapsed.message
    shifted = lab06.q7.evaluate(_fixed_generator(2 * X_held - 1))
    assert not shifted.correct and "tanh" in shifted.message


def test_q8_rejects_one_image_per_class_and_stored_digits():
    X, y = lab06_digits.load_digit_images()
    _, (X_held, y_held) = lab05._lab_and_held_out()
    firsts = np.stack([X_held[y_held == c][0] for c in range(10)])
    result = lab06.q8.evaluate(_fixed_generator(firsts, n_inputs=2))
    assert not result.correct and "same image" in result.message
    stored = np.stack([X[y == c][0] for c in range(10)])
    result = lab06.q8.evaluate(_fixed_generator(stored, n_inputs=2))
    assert not result.correct and "copies" in result.message


# ---- the full configuration, on synthetic MNIST -------------------------------------------

#: The first line of the MNIST cell.
FULL_CELL = "# alt: In the full configuration only"


def _full_namespace(monkeypatch):
    return full_mode_namespace(monkeypatch, lab06.NOTEBOOK, "import math")


def test_full_mode_mnist_dcgan_runs_on_synthetic_images(monkeypatch, capsys):
    import keras

    monkeypatch.setattr(keras.datasets.mnist, "load_data",
                        synthetic.load_data((28, 28), n=320, n_train=256))
    namespace = _full_namespace(monkeypatch)
    cell = solution_cell(lab06.NOTEBOOK, FULL_CELL).replace("mnist_steps = 5000",
                                                            "mnist_steps = 3")
    exec(cell, namespace)
    out = capsys.readouterr().out
    assert "MNIST, 256 training images, 3 steps: final losses" in out, out
    assert namespace["mnist_generator"].output_shape == (None, 28, 28, 1)
    assert np.isfinite(namespace["mnist_fakes"]).all()


def test_full_mode_falls_back_offline(monkeypatch, capsys):
    import keras

    def no_network():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    namespace = _full_namespace(monkeypatch)
    exec(solution_cell(lab06.NOTEBOOK, FULL_CELL), namespace)
    assert ("Could not download MNIST (OSError); the digits above are its offline "
            "version.") in capsys.readouterr().out
