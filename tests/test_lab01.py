"""Lab 1's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the NumPy references of q3 to q6 agree with the book's ``dlbook.nn`` code and
  with analytic gradients, and the slips they diagnose are real slips (the
  forward difference does fail q6's tolerance);
- the full configuration (DLBOOK_MODE=full, MNIST) of the design exercise runs:
  the lab's own data, design, check and evaluation cells, on a few batches of
  synthetic 28x28 images in place of MNIST (CI has no GPU and no network);
- the kinds and the data helper Lab 1 moved to the package can still be imported
  from it, and q10 loads its digits at its first use, not at import.
"""

from __future__ import annotations

import numpy as np
import nbformat
import pytest

import subprocess
import sys

from dlbook import measure
from dlbook import datasets, exercises, nn
from dlbook.labs import lab01
from tests import synthetic
from tools import book, conventions


@pytest.mark.parametrize("args, _", lab01.q3.cases)
def test_perceptron_reference_is_the_books(args, _):
    w, b, epochs = lab01.perceptron_train(*args)
    run = nn.perceptron_train(*args)
    assert run.converged and epochs == run.epochs and b == run.b
    np.testing.assert_array_equal(w, run.w)


@pytest.mark.parametrize("args, _", lab01.q5.cases)
def test_backprop_reference_is_the_books(args, _):
    x, t, W1, W2, lr = args
    delta_out, delta_hidden, W1_new, W2_new = lab01.backprop_step(*args)
    g = nn.backward(x, t, W1, W2)
    np.testing.assert_allclose(delta_out, g.delta2)
    np.testing.assert_allclose(delta_hidden, g.delta1)
    new_W1, new_W2, _, _ = nn.sgd_step(x, t, W1, W2, lr=lr)
    np.testing.assert_allclose(W1_new, new_W1)
    np.testing.assert_allclose(W2_new, new_W2)


@pytest.mark.parametrize("f, grad, x", lab01.GRAD_TESTS)
def test_gradient_reference_meets_the_tolerance_and_forward_differences_do_not(f, grad, x):
    error = np.abs(lab01.numerical_gradient(f, x.copy()) - grad(x)).max()
    assert error < lab01.GRAD_ATOL / 100
    assert np.abs(lab01._gradient_slip(f, x) - grad(x)).max() > lab01.GRAD_ATOL


def test_forward_reference_is_the_books():
    for args, _ in lab01.q4.cases:
        X, W1, b1, W2, b2 = args
        np.testing.assert_allclose(lab01.forward(*args), nn.forward(X, W1, W2, b1, b2).o)


def test_full_mode_design_runs_on_synthetic_mnist(monkeypatch, capsys):
    import keras

    import dlbook

    fake_mnist = synthetic.load_data((28, 28), n=320, n_train=256)
    monkeypatch.setenv("DLBOOK_MODE", "full")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_mnist)
    nb = nbformat.read(book.ROOT / "solutions" / lab01.NOTEBOOK, as_version=4)
    namespace = {"cfg": dlbook.setup(verbose=False), "keras": keras, "np": np,
                 "layers": keras.layers, "load_small_digits": lab01.load_small_digits,
                 "design_exercise": lab01.design_exercise, "measured": measure.measured}
    assert not namespace["cfg"].quick
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    data = next(s for s in cells if s.startswith('dataset = "digits"'))
    design = next(s for s in cells if conventions.BEGIN in s and "set_random_seed(seed)" in s)
    evaluate = next(s for s in cells if s.startswith("model = q10.answer_or_reference"))
    exec(data, namespace)
    assert "MNIST: 256 training and 64 test images of 28x28 pixels" in capsys.readouterr().out
    exec(design.replace(conventions.BEGIN, "").replace(conventions.END, ""), namespace)
    model = namespace["model"]
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)
    result = namespace["q10"].evaluate(model)
    # random labels: the model cannot reach the target, and the feedback says why
    assert result.status == "incorrect" and "64 MNIST images" in result.message
    with pytest.raises(AssertionError):
        exec(evaluate, namespace)  # the evaluation asserts the target


def test_moved_kinds_are_still_importable_from_lab01():
    from dlbook.labs.lab01 import DesignExercise, ProcedureExercise, load_small_digits

    assert DesignExercise is exercises.DesignExercise
    assert ProcedureExercise is exercises.ProcedureExercise
    assert load_small_digits is datasets.load_small_digits


def test_importing_lab01_loads_no_digits():
    code = ("import sys, dlbook.labs.lab01 as lab\n"
            "assert 'sklearn.datasets' not in sys.modules, 'the digits loaded at import'\n"
            "assert lab.q10.X_train.shape == (1437, 64) and lab.q10.y_test.shape == (360,)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_design_data_loads_once_at_the_first_use():
    calls = []

    def load():
        calls.append(1)
        return lab01.load_small_digits()

    q = lab01.design_exercise(load)
    assert not calls
    assert q.X_train.shape[1] == q.X_test.shape[1] == 64 and len(q.y_test) == len(q.X_test)
    assert q.context()["X_train"] is q.X_train and len(calls) == 1
