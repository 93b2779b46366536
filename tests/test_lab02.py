"""Lab 2's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the update rules of q1 to q3 give the chapter's iterates on (w - 3)^2, agree
  with ``dlbook.nn.optim`` and with ``keras.optimizers.SGD``, and the slips they
  diagnose are real slips (other iterates);
- q6's reference gradient norms agree with finite differences, and the
  diagnosis of q7 holds on the lab's nets: the 10-layer sigmoid net's gradients
  vanish, the ReLU + He net's do not, from several seeds;
- q9's target is out of reach of the default SGD and of Adam's defaults, with
  room to spare, and the reference reaches it with room to spare;
- the full configuration (DLBOOK_MODE=full, Fashion-MNIST) runs: the lab's own
  data, race and gradient cells, on a few batches of synthetic 28x28 images in
  place of Fashion-MNIST (CI has no GPU and no network).
"""

from __future__ import annotations

import numpy as np
import pytest

from dlbook.labs import lab02
from dlbook.nn import optim
from tests import synthetic
from tests.notebook_scan import solution_cell

W0, LR, MU = 0.0, 0.1, 0.9


def iterates(rule, steps=5, velocity=True):
    w, v, path = W0, 0.0, []
    for _ in range(steps):
        if velocity:
            w, v = rule(w, v, lab02.quadratic_grad, LR, MU)
        else:
            w = rule(w, lab02.quadratic_grad, LR)
        path.append((w, v))
    return np.array(path)


def test_update_rules_give_the_chapters_numbers():
    np.testing.assert_allclose(iterates(lab02.gd_step, 2, velocity=False)[:, 0], [0.6, 1.08])
    np.testing.assert_allclose(iterates(lab02.momentum_step, 3)[:, 0], [0.6, 1.62, 2.814])
    nesterov = iterates(lab02.nesterov_step, 3)
    # Keras stores the look-ahead point w + mu v: the chapter's 1.14, 2.3328, 3.325056
    np.testing.assert_allclose(nesterov[:, 0] + MU * nesterov[:, 1], [1.14, 2.3328, 3.325056])


@pytest.mark.parametrize("rule, reference", [
    ("gd", lab02.gd_step), ("momentum", lab02.momentum_step),
    ("nesterov", lab02.nesterov_step)])
def test_update_rules_agree_with_the_books_and_with_keras(rule, reference):
    import keras

    path = optim.descend(W0, lab02.quadratic_grad, LR, 6, rule=rule, mu=MU)[1:]
    mine = iterates(reference, 6, velocity=rule != "gd")
    np.testing.assert_allclose(mine[:, 0], path)
    optimizer = keras.optimizers.SGD(learning_rate=LR, momentum=0.0 if rule == "gd" else MU,
                                     nesterov=rule == "nesterov")
    w = keras.Variable(W0, dtype="float64")
    seen = []
    for _ in range(6):
        optimizer.apply_gradients([(2 * (w - 3), w)])
        seen.append(float(keras.ops.convert_to_numpy(w)))
    shown = mine[:, 0] + (MU * mine[:, 1] if rule == "nesterov" else 0.0)
    np.testing.assert_allclose(seen, shown, atol=1e-9)


@pytest.mark.parametrize("q", [lab02.q1, lab02.q2, lab02.q3], ids=lambda q: q.name)
def test_each_slip_gives_other_iterates(q):
    for args, words in q.cases:
        want = q._results(q.reference, args, words)[0]
        for slip, _ in q.slips:
            assert not np.allclose(q._results(slip, args, words)[0], want, atol=1e-3)


def test_gradient_norms_agree_with_finite_differences():
    import keras

    model = lab02.deep_net("tanh", depth=2, units=3, inputs=2, classes=2, seed=3)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 2)).astype("float32"), np.array([0, 1, 1, 0])
    norms = lab02.gradient_norms(model, X, y)
    kernel = model.layers[0].kernel
    W = keras.ops.convert_to_numpy(kernel).astype(float)

    def loss(W_new):
        kernel.assign(W_new.astype("float32"))
        return float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
            y, model(X))))

    h, grad = 1e-2, np.zeros_like(W)
    for i in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[i] = h
        grad[i] = (loss(W + step) - loss(W - step)) / (2 * h)
    kernel.assign(W.astype("float32"))
    assert len(norms) == 3
    assert norms[0] == pytest.approx(np.linalg.norm(grad), rel=1e-2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_sigmoid_net_vanishes_and_the_relu_net_does_not(seed):
    X, _, y, _ = lab02.load_small_digits()
    X, y = X[:256], y[:256]
    sigmoid = lab02.gradient_norms(lab02.deep_net("sigmoid", seed=seed), X, y)
    relu = lab02.gradient_norms(lab02.deep_net("relu", initializer="he_normal", seed=seed),
                                X, y)
    assert sigmoid[0] / sigmoid[-1] < lab02.VANISHING_RATIO / 10
    assert relu[0] / relu[-1] > lab02.VANISHING_RATIO * 10
    result = lab02.vanishing_exercise({"sigmoid": sigmoid, "relu": relu}).evaluate("sigmoid")
    assert result.correct, result.text


@pytest.mark.xdist_group("lab02.q9")  # q9 caches its losses: shared with its self-tests
def test_the_design_target_has_room_on_both_sides():
    import keras

    q = lab02.q9
    assert q.final_loss(keras.optimizers.SGD()) > 5 * q.target
    assert q.final_loss(keras.optimizers.Adam()) > 2 * q.target
    assert q.final_loss(q.reference_answer()) < q.target / 2


def test_race_exercise_judges_with_a_tolerance():
    q = lab02.race_exercise({"SGD": 2.0, "Adam": 0.100, "RMSprop": 0.103, "Nesterov": 0.5})
    assert q.evaluate("RMSprop").correct  # within RACE_RTOL of the winner
    assert "above Adam's" in q.evaluate("Nesterov").message
    assert "HIGHEST" in q.evaluate("SGD").message


def test_full_mode_race_runs_on_synthetic_fashion_mnist(monkeypatch, capsys):
    import keras

    import dlbook

    fake_fashion_mnist = synthetic.load_data((28, 28), n=320, n_train=256)
    monkeypatch.setenv("DLBOOK_MODE", "full")
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fake_fashion_mnist)
    cfg = dlbook.setup(verbose=False)
    assert not cfg.quick
    namespace = {"cfg": cfg}
    exec(solution_cell(lab02.NOTEBOOK, "import time"), namespace)

    def run(*starts):
        for start in starts:
            exec(solution_cell(lab02.NOTEBOOK, start), namespace)

    run('dataset = "digits"')
    assert "Fashion-MNIST: 256 training images of 784 pixels" in capsys.readouterr().out
    assert namespace["num_epochs"] == 10 and namespace["batch_size"] == 128
    namespace["num_epochs"] = 2  # a few batches are enough to find a crash
    run("def build_model", "class EpochTimer", "q5 = race_exercise", "nets = {",
        "def gradient_norms", "gradient_norms = q6")
    assert set(namespace["final_loss"]) == {"SGD", "Momentum", "Nesterov", "RMSprop", "Adam"}
    assert namespace["q5"].evaluate(namespace["fastest"]).correct
    norms = namespace["norms"]
    assert len(norms["sigmoid"]) == len(norms["relu"]) == 11
    assert norms["sigmoid"][0] / norms["sigmoid"][-1] < lab02.VANISHING_RATIO
