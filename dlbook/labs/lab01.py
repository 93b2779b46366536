"""Exercises of Lab 1, neural networks from NumPy to Keras.

The notebook is ``solutions/01_neural_networks_lab.ipynb``. Most exercises
check a skill of the Unit 1 chapter on inputs the student has not seen:

* q1: the logistic sigmoid in NumPy (the one formula the prompt gives);
* q2: its derivative, which the student works out (the prompt does not give it);
* q3: the perceptron learning rule, run by the checker on NAND and NOR;
* q4: the forward pass of a two-layer network for a batch, in matrix form;
* q5: one step of backpropagation by hand (deltas and new weights), in NumPy;
* q6: a finite-difference gradient, to check analytic gradients with;
* q7, q8: the 2-2-1 network of the Q&A notes in Keras (the only "build this
  model" exercise), and its weights after one SGD step with Keras's
  MeanSquaredError, whose learning rate the student works out;
* q9: a written answer, why one layer cannot learn XOR, marked by hand;
* q10: a digits classifier the student designs, scored on held-out images that
  the notebook never loads (``design_exercise("MNIST")`` makes the same
  exercise for MNIST in the full configuration).

Slips are named only when an answer matches them on every case. q3 to q6 use
:class:`~dlbook.exercises.ProcedureExercise`; q10 is a
:class:`~dlbook.exercises.DesignExercise` that loads its images at its first
check, not at import. ``ProcedureExercise``, ``DesignExercise`` and
``load_small_digits`` (from :mod:`dlbook.datasets`) can still be imported from here.

Use: ``from dlbook.labs.lab01 import q1, q2, ..., q10``.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from dlbook import nn, notes
from dlbook.datasets import load_small_digits
from dlbook.exercises import Case, DesignExercise, FunctionExercise, ModelExercise
from dlbook.exercises import Incorrect, ProcedureExercise, Right, ValueExercise, Wrong
from dlbook.exercises import WrittenExercise
from dlbook.exercises import variant
from dlbook.exercises.compare import matches

NOTEBOOK = "01_neural_networks_lab.ipynb"


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ---- q1, q2: sigmoid and its derivative --------------------------------------


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), element by element."""
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    """The derivative of the sigmoid at z, element by element."""
    s = sigmoid(z)
    return s * (1 - s)


def _sigmoid_in_place(z):
    """The right values, but it negates the caller's array (z *= -1)."""
    z *= -1
    return 1 / (1 + np.exp(z))


def _sigmoid_prime_in_place(z):
    """The right values, but it zeroes the caller's array (z *= 0)."""
    s = sigmoid(z)
    z *= 0
    return s * (1 - s)


ZS = np.array([-2.0, 0.0, 2.0])
# A case the notebook never prints: 12 net inputs drawn once, shown by shape only.
ZS_HIDDEN = np.round(np.random.default_rng(11).normal(0.0, 3.0, size=(3, 4)), 3)

q1 = FunctionExercise(
    "q1", "The sigmoid in NumPy",
    points=1,
    reference=sigmoid,
    prompt="Write sigmoid(z) = 1 / (1 + exp(-z)). It must work on a number and on a "
           "NumPy array of any shape, and leave its input as it found it.",
    cases=[
        Case((ZS,), sigmoid(ZS)),
        Case((0.0,), 0.5),
        Case((2.0,), _sig(2.0)),
        Case((-2.0,), _sig(-2.0)),
        Case((ZS_HIDDEN,), sigmoid(ZS_HIDDEN)),
    ],
    slips=[
        (lambda z: 1 / (1 + np.exp(z)),
         "on every test your function returns sigmoid(-z), which is 1 - sigmoid(z) (for "
         "example {got} for {call}): a curve that falls where the sigmoid rises. Compare "
         "your formula with 1 / (1 + exp(-z)) sign by sign."),
        (lambda z: 1 + np.exp(-z),
         "on every test your function returns 1 + exp(-z) (for example {got} for {call}): "
         "mind the brackets. 1 / 1 + np.exp(-z) is read as (1 / 1) + np.exp(-z); write "
         "1 / (1 + np.exp(-z))."),
        (lambda z: 1 / (1 - np.exp(-z)),
         "on every test your function returns 1 / (1 - exp(-z)), which is infinite at "
         "z = 0: the denominator of the sigmoid is 1 + exp(-z), with a plus."),
        (np.tanh,
         "on every test your function returns tanh(z), which runs from -1 to 1 and is 0 "
         "at z = 0. The sigmoid runs from 0 to 1 and is 0.5 at z = 0."),
    ],
    hints=[
        "The sigmoid squashes any number z into (0, 1): sigmoid(0) = 0.5, large "
        "positive z gives nearly 1, large negative z nearly 0.",
        "return 1 / (1 + np.exp(-z)). Mind the minus sign and the brackets.",
    ],
    wrong_answers=[
        Wrong(lambda z: 1 / (1 + math.exp(-z)), "raised TypeError"),
        Wrong(lambda z: np.exp(-z) / (1 + np.exp(-z)), "returns sigmoid(-z)"),
        Wrong(_sigmoid_in_place, "changed its first argument in place"),
        Wrong(lambda z: np.maximum(0.0, z), "should return array("),
    ],
    right_answers=[
        Right(lambda z: 0.5 * (1 + np.tanh(z / 2)), "the same curve, written with tanh"),
        Right(lambda z: np.exp(z) / (np.exp(z) + 1), "e^z / (e^z + 1): multiply by e^z"),
        Right(lambda z: np.asarray(1 / (1 + np.exp(-np.asarray(z, dtype="float32")))),
              "float32 arithmetic, a 0-d array for a number"),
    ],
    solution_context=lambda: {"np": np},
)

q2 = FunctionExercise(
    "q2", "The derivative of the sigmoid",
    points=1,
    reference=sigmoid_prime,
    prompt="Work out the derivative of the sigmoid, d sigmoid(z) / dz, and write "
           "sigmoid_prime(z), its value at z (a number or a NumPy array of any shape). "
           "The prompt does not give the formula: differentiate 1 / (1 + exp(-z)).",
    cases=[
        Case((ZS,), sigmoid_prime(ZS)),
        Case((0.0,), 0.25),
        Case((2.0,), _sig(2.0) * (1 - _sig(2.0))),
        Case((-2.0,), _sig(-2.0) * (1 - _sig(-2.0))),
        Case((ZS_HIDDEN,), sigmoid_prime(ZS_HIDDEN)),
    ],
    slips=[
        (lambda z: sigmoid(z) * (1 + sigmoid(z)),
         "on every test your function returns s * (1 + s) with s = sigmoid(z) (for "
         "example {got} for {call}). The derivative has a minus there."),
        (lambda z: z * (1 - z),
         "on every test your function returns z * (1 - z): the sigmoid's derivative is "
         "a function of the sigmoid's output s = sigmoid(z), not of z itself."),
        (sigmoid,
         "on every test your function returns sigmoid(z) itself, not its slope."),
        (lambda z: sigmoid(z) ** 2,
         "on every test your function returns s**2 with s = sigmoid(z): the chain rule "
         "gives exp(-z) / (1 + exp(-z))**2; write exp(-z) / (1 + exp(-z)) in terms of s."),
        (lambda z: 1 - sigmoid(z),
         "on every test your function returns exp(-z) / (1 + exp(-z)) = 1 - sigmoid(z): "
         "the derivative of 1 / u is -u' / u**2, so the denominator is squared."),
        (lambda z: -sigmoid_prime(z),
         "on every test your function returns minus the derivative: the sigmoid rises, "
         "so its slope is positive (the two minus signs of the chain rule, from 1 / u "
         "and from exp(-z), cancel)."),
    ],
    hints=[
        "Write sigmoid(z) = (1 + exp(-z))**-1 and use the chain rule; then write "
        "exp(-z) / (1 + exp(-z)) in terms of sigmoid(z). The slope is largest at z = 0.",
        "exp(-z) / (1 + exp(-z))**2 = sigmoid(z) * (1 - sigmoid(z)): compute "
        "s = sigmoid(z) once (you may call your sigmoid from q1).",
    ],
    wrong_answers=[
        Wrong(_sigmoid_prime_in_place, "changed its first argument in place"),
        Wrong(lambda z: np.exp(-z) / (1 + np.exp(z)) ** 2, "should return array("),
    ],
    right_answers=[
        Right(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "the quotient rule, not simplified"),
        Right(lambda z: sigmoid(z) - sigmoid(z) ** 2, "s - s**2, multiplied out"),
        Right(lambda z: 0.25 / np.cosh(np.asarray(z) / 2) ** 2, "1 / (4 cosh^2(z / 2))"),
    ],
    solution_context=lambda: {"np": np, "sigmoid": sigmoid},
)



# ---- q3: the perceptron learning rule ------------------------------------------


def perceptron_train(X, y, lr=1.0, num_epochs=20):
    """Rosenblatt's rule from w = 0, b = 0; returns w, b and the number of epochs run."""
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, num_epochs + 1):
        mistakes = 0
        for x, t in zip(X, y):
            o = 1 if x @ w + b > 0 else 0
            w = w + lr * (t - o) * x
            b = b + lr * (t - o)
            mistakes += int(o != t)
        if mistakes == 0:
            return w, b, epoch
    return w, b, num_epochs


def _perceptron_slip(X, y, lr=1.0, num_epochs=20, *, strict=True, sign=1.0, first_epoch=1):
    """The rule with one slip: a >= threshold, the update's sign, or epochs counted from 0."""
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(first_epoch, num_epochs + first_epoch):
        mistakes = 0
        for x, t in zip(X, y):
            net = x @ w + b
            o = int(net > 0) if strict else int(net >= 0)
            w = w + sign * lr * (t - o) * x
            b = b + sign * lr * (t - o)
            mistakes += int(o != t)
        if mistakes == 0:
            return w, b, epoch
    return w, b, num_epochs + first_epoch - 1


GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
NAND_Y = np.array([1, 1, 1, 0])
NOR_Y = np.array([1, 0, 0, 0])
# A third case with three inputs: the majority vote of three bits, in a scrambled order.
MAJ_X = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 0],
                  [0, 1, 1], [1, 0, 0]], dtype=float)
MAJ_Y = (MAJ_X.sum(axis=1) >= 2).astype(int)

q3 = ProcedureExercise(
    "q3", "The perceptron learning rule",
    points=3,
    reference=perceptron_train,
    outputs=("w", "b", "epochs"),
    cases=[
        ((GATE_X, NAND_Y, 1.0, 20), "NAND with lr = 1"),
        ((GATE_X, NOR_Y, 0.5, 20), "NOR with lr = 0.5"),
        ((MAJ_X, MAJ_Y, 1.0, 50), "the 3-input majority vote with lr = 1"),
    ],
    slips=[
        (functools.partial(_perceptron_slip, strict=False),
         "your perceptron fires when w.x + b = 0. The chapter's perceptron outputs 1 "
         "only when w.x + b > 0 (strictly), so at the start (w = 0, b = 0) it says 0."),
        (functools.partial(_perceptron_slip, sign=-1.0),
         "your updates push the weights the wrong way, so the rule never converges. "
         "The update is w += lr * (t - o) * x and b += lr * (t - o): target minus output."),
        (functools.partial(_perceptron_slip, first_epoch=0),
         "your w and b are right but the epoch count is one short: count epochs from 1, "
         "and include the last, error-free epoch."),
    ],
    correct_message="your rule gives the reference's w, b and number of epochs on NAND, "
                    "NOR and a 3-input majority vote.",
    prompt="Write perceptron_train(X, y, lr=1.0, num_epochs=20): start from w = 0, b = 0; "
           "for each example in order, output o = 1 if w.x + b > 0 else 0, then "
           "w += lr (t - o) x and b += lr (t - o); stop after the first epoch without a "
           "mistake. Return w, b and the number of epochs run. The checker runs it on "
           "gates you have not traced.",
    hints=[
        "Two loops: over the epochs, and inside it over the examples (zip(X, y)). Count "
        "the mistakes of the epoch; if there were none, return at once.",
        "The threshold test is strict: o = 1 if x @ w + b > 0 else 0. When o equals t the "
        "update is zero, so you may update on every example.",
    ],
    right_answers=[
        Right(lambda X, y, lr=1.0, num_epochs=20: (
            lambda run: (run.w, run.b, run.epochs))(nn.perceptron_train(X, y, lr, num_epochs)),
              "the book's nn.perceptron_train, which also keeps the history"),
    ],
    solution_context=lambda: {"np": np},
)

# ---- q4: the forward pass in matrix form ----------------------------------------


def forward(X, W1, b1, W2, b2):
    """The outputs of a two-layer sigmoid network for a batch X (one example a row)."""
    H = sigmoid(X @ W1 + b1)
    return sigmoid(H @ W2 + b2)


def _forward_transposed(X, W1, b1, W2, b2):
    return sigmoid(sigmoid(X @ W1.T + b1) @ W2 + b2)


def _forward_linear_output(X, W1, b1, W2, b2):
    return sigmoid(X @ W1 + b1) @ W2 + b2


def _forward_linear_hidden(X, W1, b1, W2, b2):
    return sigmoid((X @ W1 + b1) @ W2 + b2)


def _forward_no_bias(X, W1, b1, W2, b2):
    return sigmoid(sigmoid(X @ W1) @ W2)


_rng = np.random.default_rng(1)
FWD_SQUARE = (np.round(_rng.uniform(-1, 1, (4, 3)), 1), np.round(_rng.uniform(-1, 1, (3, 3)), 1),
              np.array([0.1, -0.2, 0.3]), np.round(_rng.uniform(-1, 1, (3, 2)), 1),
              np.array([0.05, -0.05]))
# W1 is square in both cases, so that a W1 read transposed still computes (and its
# slip is named on every case); their other shapes differ.
FWD_WIDE = (np.round(_rng.uniform(-1, 1, (5, 4)), 1), np.round(_rng.uniform(-1, 1, (4, 4)), 1),
            np.array([0.2, 0.0, -0.1, 0.4]), np.round(_rng.uniform(-1, 1, (4, 1)), 1),
            np.array([-0.3]))

q4 = ProcedureExercise(
    "q4", "The forward pass in matrix form",
    points=2,
    reference=forward,
    outputs=("the output",),
    cases=[
        (FWD_SQUARE, "a batch of 4 examples, 3 inputs, 3 hidden units, 2 outputs"),
        (FWD_WIDE, "a batch of 5 examples, 4 inputs, 4 hidden units, 1 output"),
    ],
    slips=[
        (_forward_transposed,
         "you multiplied by W1 transposed. W1[i, j] is the weight from input i to hidden "
         "unit j, so W1 has shape (inputs, hidden units), like a Keras kernel, and the "
         "layer computes X @ W1 + b1 (no .T)."),
        (_forward_linear_output,
         "your output layer is linear: the network's output units are sigmoid units too, "
         "so apply sigmoid to H @ W2 + b2."),
        (_forward_linear_hidden,
         "your hidden layer is linear: the hidden units are sigmoid units, so apply "
         "sigmoid to X @ W1 + b1 (H = sigmoid(X @ W1 + b1)) before the output layer "
         "uses H. Without it the two layers collapse into one."),
        (_forward_no_bias, "you left out the biases: each layer adds its bias vector."),
    ],
    correct_message="your forward pass gives the reference's outputs for both batches.",
    prompt="Write forward(X, W1, b1, W2, b2): the outputs of a network with a sigmoid "
           "hidden layer and a sigmoid output layer, for a whole batch X (one example per "
           "row), with matrix products and no loop. W1 has shape (inputs, hidden units).",
    hints=[
        "A layer is a matrix product, a bias added to every row (broadcasting), and the "
        "activation applied element by element.",
        "First the hidden outputs H from X, W1 and b1; then the outputs from H, W2 and b2. "
        "The @ operator multiplies matrices.",
    ],
    right_answers=[
        Right(lambda X, W1, b1, W2, b2: nn.forward(X, W1, W2, b1, b2).o,
              "the book's nn.forward, which also returns the net inputs"),
        Right(lambda X, W1, b1, W2, b2: np.stack([forward(x[None, :], W1, b1, W2, b2)[0]
                                                  for x in X]),
              "one example at a time, stacked"),
    ],
    solution_context=lambda: {"np": np, "sigmoid": sigmoid},
)

# ---- q5: backpropagation by hand ----------------------------------------------------


def backprop_step(x, t, W1, W2, lr):
    """One SGD step on E = 1/2 sum (t - o)^2 for a two-layer sigmoid network, no biases.

    Returns the output deltas, the hidden deltas (delta = dE/dz) and the new W1, W2.
    """
    h = sigmoid(x @ W1)
    o = sigmoid(h @ W2)
    delta_out = (o - t) * o * (1 - o)
    delta_hidden = (delta_out @ W2.T) * h * (1 - h)
    W1_new = W1 - lr * np.outer(x, delta_hidden)
    W2_new = W2 - lr * np.outer(h, delta_out)
    return delta_out, delta_hidden, W1_new, W2_new


def _backprop_slip(x, t, W1, W2, lr, *, updated_W2=False, out_prime=True,
                   hidden_prime=True, sign=1.0):
    h = sigmoid(x @ W1)
    o = sigmoid(h @ W2)
    delta_out = (o - t) * (o * (1 - o) if out_prime else 1.0)
    W2_new = W2 - lr * np.outer(h, delta_out)
    delta_hidden = (delta_out @ (W2_new if updated_W2 else W2).T) * (
        h * (1 - h) if hidden_prime else 1.0)
    W1_new = W1 - lr * np.outer(x, delta_hidden)
    return sign * delta_out, sign * delta_hidden, W1_new, W2_new


BP_CASES = [
    ((np.array([0.5, -1.0, 0.25]), np.array([1.0, 0.0]),
      np.array([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]),
      np.array([[0.6, -0.2], [-0.8, 0.9]]), 0.5),
     "a 3-2-2 network (x = [0.5, -1, 0.25], t = [1, 0], lr = 0.5)"),
    ((np.array([1.0, 0.2]), np.array([0.1]),
      np.array([[0.3, -0.5, 0.8], [0.4, 0.9, -0.6]]),
      np.array([[1.2], [-0.7], [0.5]]), 2.0),
     "a 2-3-1 network (x = [1, 0.2], t = [0.1], lr = 2)"),
]

def _as_vector(got: Any, want: Any) -> Any:
    """A row vector of shape (1, n) as the vector of shape (n,) it stands for."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return got
    if np.ndim(want) == 1 and arr.shape == (1, *np.shape(want)):
        return arr[0]
    return got


class RowVectorProcedure(ProcedureExercise):
    """q5: the chapter writes x, h, o and the deltas as row vectors, so a delta of shape
    (1, n) is the same answer as one of shape (n,)."""

    def _mismatch(self, got: tuple, want: tuple) -> str | None:
        return super()._mismatch(tuple(_as_vector(g, w) for g, w in zip(got, want)), want)


def _backprop_rows(x, t, W1, W2, lr):
    """backprop_step with x and t as row vectors of shape (1, n) throughout."""
    x, t = np.reshape(x, (1, -1)), np.reshape(t, (1, -1))
    h = sigmoid(x @ W1)
    o = sigmoid(h @ W2)
    delta_out = (o - t) * o * (1 - o)
    delta_hidden = (delta_out @ W2.T) * h * (1 - h)
    return delta_out, delta_hidden, W1 - lr * x.T @ delta_hidden, W2 - lr * h.T @ delta_out


q5 = RowVectorProcedure(
    "q5", "Backpropagation by hand",
    points=3,
    reference=backprop_step,
    outputs=("delta_out", "delta_hidden", "W1_new", "W2_new"),
    cases=BP_CASES,
    slips=[
        (functools.partial(_backprop_slip, updated_W2=True),
         "your output delta and W2_new are right, but the hidden deltas used the UPDATED "
         "W2 (the slip the notes make). Backpropagation takes every gradient at the old "
         "weights: compute delta_hidden with W2 before changing it."),
        (functools.partial(_backprop_slip, out_prime=False),
         "your output delta lacks the sigma' factor: delta_out = (o - t) * o * (1 - o), "
         "because the output unit is a sigmoid."),
        (functools.partial(_backprop_slip, hidden_prime=False),
         "your hidden deltas lack the sigma' factor h * (1 - h): a hidden delta is the "
         "weighted sum of the output deltas times the slope of its own sigmoid."),
        (functools.partial(_backprop_slip, sign=-1.0),
         "your deltas have the opposite sign, t - o instead of o - t (the notes' sign). "
         "This lab uses the chapter's delta = dE/dz, so delta_out = (o - t) o (1 - o) "
         "and the update subtracts lr * delta * input."),
    ],
    correct_message="your deltas and new weights are the reference's on a 3-2-2 and a "
                    "2-3-1 network.",
    prompt="Write backprop_step(x, t, W1, W2, lr) for a network of sigmoid units without "
           "biases and the loss E = 1/2 sum (t - o)^2: return delta_out and delta_hidden "
           "(delta = dE/dz, as in the chapter), then W1_new and W2_new after one step "
           "w -= lr * delta * input. x and t are 1-D arrays; W1 has shape (inputs, hidden).",
    hints=[
        "Forward first (h, then o). Then delta_out from o and t; then delta_hidden from "
        "delta_out, the OLD W2 and h. Only then change the weights.",
        "In matrix form the hidden deltas are (delta_out @ W2.T) * h * (1 - h), and the "
        "gradient of a weight matrix is the outer product of the layer's input and its "
        "deltas, np.outer(x, delta_hidden).",
    ],
    right_answers=[
        Right(lambda x, t, W1, W2, lr: (
            lambda g: (g.delta2, g.delta1, W1 - lr * g.dW1, W2 - lr * g.dW2))(
                nn.backward(x, t, W1, W2)), "the book's nn.backward"),
        Right(_backprop_rows, "row vectors of shape (1, n), as the chapter writes them"),
    ],
    solution_context=lambda: {"np": np, "sigmoid": sigmoid},
)

# ---- q6: a finite-difference gradient ----------------------------------------------


def numerical_gradient(f, x, h=1e-5):
    """The gradient of f at x (an array of any shape) by central differences."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _gradient_slip(f, x, h=1e-5, *, kind="forward"):
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        if kind == "forward":
            grad[i] = (f(x + step) - f0) / h
        elif kind == "step":
            grad[i] = (f(x + step) - f(x - step)) / h
        else:
            grad[i] = (f(x - step) - f(x + step)) / (2 * h)
    return grad


def _cubic(x):
    """f(x) = sum(x**3) + x[0] * x[1], gradient 3 x**2 + (x[1], x[0], 0...)."""
    return float(np.sum(x ** 3) + x[0] * x[1])


def _cubic_grad(x):
    g = 3 * x ** 2
    g[0] += x[1]
    g[1] += x[0]
    return g


def _sine_of_matrix(W):
    """f(W) = sum(sin(W) * A) for a fixed A, gradient cos(W) * A."""
    return float(np.sum(np.sin(W) * GRAD_A))


def _sine_of_matrix_grad(W):
    return np.cos(W) * GRAD_A


GRAD_A = np.array([[1.0, -2.0], [0.5, 3.0]])
# (function, its analytic gradient, the point): the checker's test functions
GRAD_TESTS = [
    (_cubic, _cubic_grad, np.array([1.5, -2.0, 0.7])),
    (_sine_of_matrix, _sine_of_matrix_grad, np.array([[0.3, -1.2], [2.0, 0.8]])),
]
GRAD_ATOL = 1e-6

q6 = ProcedureExercise(
    "q6", "A finite-difference gradient",
    points=2,
    reference=numerical_gradient,
    outputs=("the gradient",),
    atol=GRAD_ATOL,
    cases=[
        ((GRAD_TESTS[0][0], GRAD_TESTS[0][2], 1e-5),
         "f(x) = sum(x**3) + x[0] x[1] at x = [1.5, -2, 0.7], h = 1e-5"),
        ((GRAD_TESTS[1][0], GRAD_TESTS[1][2], 1e-5),
         "f(W) = sum(sin(W) * A) at a 2x2 matrix W, h = 1e-5"),
    ],
    slips=[
        (_gradient_slip,
         f"a forward difference (f(x + h) - f(x)) / h is off by about h/2 f'' (here more "
         f"than the tolerance {GRAD_ATOL:g}). Use the central difference "
         "(f(x + h) - f(x - h)) / (2h), whose error shrinks like h**2."),
        (functools.partial(_gradient_slip, kind="step"),
         "your gradient is twice the true one: the central difference spans 2h, from "
         "x - h to x + h, so divide by 2 * h."),
        (functools.partial(_gradient_slip, kind="sign"),
         "your gradient has the wrong sign: it is (f(x + h) - f(x - h)) / (2h), the "
         "value ahead minus the value behind."),
    ],
    correct_message=f"your central differences agree with the analytic gradients to "
                    f"{GRAD_ATOL:g}.",
    prompt="Write numerical_gradient(f, x, h=1e-5): the gradient of the scalar function f "
           "at the array x (any shape), one entry at a time, by central differences. It "
           f"must agree with the analytic gradient to {GRAD_ATOL:g}, and leave x as it "
           "found it.",
    hints=[
        "For each index i of x (np.ndindex(x.shape) visits them all), nudge x[i] up by h "
        "and down by h, evaluate f each time, and put x[i] back.",
        "grad[i] = (f(x with x[i] + h) - f(x with x[i] - h)) / (2 * h). A forward "
        "difference is not accurate enough for the tolerance.",
    ],
    right_answers=[
        Right(lambda f, x, h=1e-5: _gradient_slip(f, x, h, kind="sign") * -1,
              "central differences on copies of x, written the other way round"),
        Right(lambda f, x, h=1e-5: _gradient_slip(f, x, 1e-4, kind="step") / 2,
              "another step size, 1e-4, is as good"),
    ],
    solution_context=lambda: {"np": np},
)


# ---- q7, q8: the 2-2-1 network of the Q&A notes ------------------------------

# Inputs, target and starting weights of the worked example. W[i, j] is the
# weight from unit i to unit j, laid out like the kernel of a Keras Dense layer:
# rows are the inputs of the layer, columns its units.
BP_X = np.array([0.35, 0.9])
BP_T = 0.5
BP_W1 = np.array([[0.1, 0.4],    # from x1: w13, w14
                  [0.8, 0.6]])   # from x2: w23, w24
BP_W2 = np.array([[0.3],         # from unit 3: w35
                  [0.9]])        # from unit 4: w45
BP_LR = 1.0
TABLE_NAMES = ("w13", "w23", "w14", "w24", "w35", "w45")
# The notes' table of the weights after one step (4 decimals), from the registry.
NOTES_NEW_WEIGHTS = tuple(notes.claim(f"qa.backprop.{n}-new").notes_value
                          for n in TABLE_NAMES)


def table_order(W1, W2):
    """The six weights in the order of the notes' table: w13 w23 w14 w24 w35 w45."""
    W1, W2 = np.asarray(W1), np.asarray(W2)
    return np.array([W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1], W2[0, 0], W2[1, 0]])


def _after_step(W1=BP_W1, W2=BP_W2, lr=BP_LR, steps=1):
    """The six weights after ``steps`` steps of SGD on the notes' example, by hand."""
    W1, W2 = np.asarray(W1, dtype=float), np.asarray(W2, dtype=float)
    for _ in range(steps):
        W1, W2, _, _ = nn.sgd_step(BP_X, BP_T, W1, W2, lr=lr)
    return table_order(W1, W2)


NEW_WEIGHTS = _after_step()


def backprop_network():
    """2 inputs, 2 sigmoid hidden units, 1 sigmoid output, no biases."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(2, activation="sigmoid", use_bias=False),
        layers.Dense(1, activation="sigmoid", use_bias=False),
    ])


def backprop_network_functional():
    """The same network with the functional API and Activation layers."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(2,))
    hidden = layers.Activation("sigmoid")(layers.Dense(2, use_bias=False)(inputs))
    output = layers.Dense(1, use_bias=False)(hidden)
    return keras.Model(inputs, layers.Activation(keras.activations.sigmoid)(output))


q7 = ModelExercise(
    "q7", "The 2-2-1 network of the Q&A notes",
    points=2,
    reference=backprop_network,
    prompt="Build the network of the worked example: 2 inputs, a Dense layer of 2 "
           "sigmoid units and a Dense layer of 1 sigmoid unit, both without biases.",
    hints=[
        "keras.Sequential with keras.Input(shape=(2,)) and two layers.Dense. The "
        "notes' network has no biases: Dense adds one unless you pass use_bias=False.",
        "Each Dense layer takes its number of units first, then activation=\"sigmoid\" "
        "and use_bias=False.",
    ],
    wrong_answers=[
        Wrong(variant(backprop_network, use_bias=True),
              "use_bias True; the exercise asks for False"),
        Wrong(variant(backprop_network, 1, activation="relu"),
              "activation 'relu'; the exercise asks for 'sigmoid'"),
        Wrong(variant(backprop_network, 1, units=3),
              "Dense layer 1 has 3 units; the exercise asks for 2"),
        Wrong(variant(backprop_network, drop=1), "has 1 layer"),
    ],
    right_answers=[
        Right(backprop_network_functional, "functional API; Activation layers fold into "
                                           "the Dense layer before them"),
    ],
)


def half_squared_error(y_true, y_pred):
    """The notes' loss, 1/2 (t - y)^2, averaged over the outputs (as in the lab)."""
    import keras

    return 0.5 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def one_step_context() -> dict:
    """What the lab has defined when q8 is asked: the q7 model with the notes' weights."""
    import keras

    model = backprop_network()
    model.set_weights([BP_W1, BP_W2])
    return {"keras": keras, "model": model, "lr": BP_LR, "X": BP_X[None, :],
            "y": np.array([[BP_T]]), "W1": BP_W1, "W2": BP_W2, "table_order": table_order}


#: q8's tolerance: Keras works in float32 (about 1e-7 here), and the values the solved
#: notebook prints (4 and 5 decimals) are off by up to 4.6e-5 and 4.5e-6, so no copy of
#: them passes.
STEP_ATOL = 1e-6
HALF_LR_SOLUTION = (
    "model.set_weights([W1, W2])  # the notes' weights, also when this cell runs again\n"
    "model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr / 2),\n"
    "              loss=keras.losses.MeanSquaredError())\n"
    "model.train_on_batch(X, y)\n"
    "W1_new, W2_new = model.get_weights()\n"
    "new_weights = table_order(W1_new, W2_new)"
)


class StepExercise(ValueExercise):
    """q8: the weights after one step; weights trained further than one step are named."""

    def grade(self, answer: Any) -> str:
        known = any(matches(answer, value, atol=self.options["atol"])
                    for value, _ in self.mistakes)
        further = None if known or matches(answer, self.expected, atol=self.options["atol"]) \
            else _trained_further(answer)
        if further:
            raise Incorrect(further)
        return super().grade(answer)


def _trained_further(answer: Any) -> str | None:
    """The feedback for weights that moved the way of the notes' step, but further."""
    try:
        got = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    if got.shape != (6,) or not np.isfinite(got).all():
        return None
    start = table_order(BP_W1, BP_W2)
    step, moved = NEW_WEIGHTS - start, got - start
    along = float(moved @ step / (step @ step))
    if along < 1.5 or np.linalg.norm(moved - along * step) > 0.2 * np.linalg.norm(moved):
        return None
    return (f"your weights moved the way of the notes' step but about {along:.1f} times as "
            "far: the model was trained more than once from the notes' weights. Running "
            "the training cell a second time trains the already-trained model again (and "
            "so does a second fit). Start the cell with model.set_weights([W1, W2]) so that "
            "every run takes the one step from the notes' weights.")


q8 = StepExercise(
    "q8", "The weights after one SGD step",
    points=2,
    expected=NEW_WEIGHTS, atol=STEP_ATOL,
    correct_message="one SGD step in Keras gives the six weights that backpropagation "
                    "by hand gives (to 6 decimals).",
    prompt="Compile the q7 model with plain SGD and keras.losses.MeanSquaredError(), which "
           "is (t - y)^2 without the notes' 1/2, and with the learning rate that makes one "
           "Keras step the notes' step with lr = 1: work it out from the gradients of the "
           "two losses. Take one step from the notes' weights and give the six new weights "
           "in the order of the notes' table: w13, w23, w14, w24, w35, w45 (read from the "
           f"model: they are checked to {STEP_ATOL:g}).",
    hints=[
        "The gradient of (t - y)^2 is twice that of 1/2 (t - y)^2, and an SGD step is "
        "learning rate times gradient. keras.optimizers.SGD() defaults to "
        "learning_rate=0.01; model.train_on_batch(X, y) takes exactly one step.",
        "SGD(learning_rate=lr / 2). Then W1_new, W2_new = model.get_weights() gives the "
        "kernels (rows: inputs, columns: units), and table_order(W1_new, W2_new) puts "
        "them in the table's order.",
    ],
    solution=HALF_LR_SOLUTION,
    mistakes=[
        (NOTES_NEW_WEIGHTS,
         "these are the rounded values of the notes' table. Take them from your Keras "
         "model instead: the notes round as they go, so their w35 and w45 are off in the "
         f"4th decimal ({NOTES_NEW_WEIGHTS[4]:.4f} and {NOTES_NEW_WEIGHTS[5]:.4f})."),
        (np.round(NEW_WEIGHTS, 4),
         "these are the weights rounded to 4 decimals, as a table prints them: pass the "
         "model's own values, table_order(W1_new, W2_new), not a copy of printed numbers."),
        (np.round(NEW_WEIGHTS, 5),
         "these are the weights rounded to 5 decimals, as the notes' comparison prints "
         "them: pass the model's own values, table_order(W1_new, W2_new), not a copy of "
         "printed numbers."),
        (table_order(BP_W1, BP_W2),
         "these are the starting weights: run one training step "
         "(model.train_on_batch(X, y)) before reading model.get_weights()."),
        (_after_step(lr=2.0),
         "every weight moved twice as far as it should. MeanSquaredError is (t - y)^2 "
         "without the 1/2, so its gradient is twice the notes' one: halve the learning "
         "rate to take the notes' step."),
        (_after_step(lr=0.02),
         "the weights hardly moved: keras.optimizers.SGD() defaults to learning_rate=0.01, "
         "and the notes take a step of lr = 1 on their loss."),
        (_after_step(lr=0.01),
         "the weights hardly moved: keras.optimizers.SGD() defaults to learning_rate=0.01, "
         "and the notes take a step of lr = 1 on their loss."),
        (_after_step(W1=BP_W1.T, lr=1.0),
         "the hidden layer started from the wrong weights: you loaded W1 transposed. The "
         "kernel's rows are the inputs (x1, x2) and its columns the units (3, 4), so "
         "W1 = [[w13, w14], [w23, w24]]."),
        (np.concatenate([NEW_WEIGHTS[[0, 2, 1, 3]], NEW_WEIGHTS[4:]]),
         "the numbers are right but in Keras's order (W1 row by row: w13, w14, w23, w24). "
         "The exercise asks for the notes' order: w13, w23, w14, w24, w35, w45."),
    ],
    wrong_answers=[
        Wrong(_after_step(steps=2), "trained more than once"),
        Wrong(_after_step(steps=3), "trained more than once"),
        Wrong(_after_step(lr=0.5), "6 of 6 entries"),
    ],
    right_answers=[
        Right(NEW_WEIGHTS.tolist(), "a list of the six numbers"),
        Right(NEW_WEIGHTS.reshape(6, 1).astype("float32"), "a float32 column of six"),
    ],
    solution_context=one_step_context,
)

# ---- q9: a written answer ----------------------------------------------------

q9 = WrittenExercise(
    "q9", "Why one layer cannot learn XOR", by_hand=True,
    points=2,
    prompt="In two or three sentences: why can no single-layer perceptron (or "
           "logistic regression) classify all four XOR points, while an MLP with a hidden layer can?",
    model_answer=(
        "A single layer computes one weighted sum w1*x1 + w2*x2 + b and thresholds it, so "
        "its decision boundary is one straight line. XOR's class-1 points (0, 1) and "
        "(1, 0) lie on one diagonal and its class-0 points (0, 0) and (1, 1) on the other, "
        "and no line separates them: from the four inequalities, b <= 0 and w1 + w2 + b "
        "<= 0 would need w1 + b > 0 and w2 + b > 0, whose sum w1 + w2 + 2b > 0 contradicts "
        "them. A hidden layer computes new features (for example OR and AND of the "
        "inputs) in which the classes are linearly separable, so the output unit's one "
        "line suffices there."
    ),
    key_points=[
        "one layer gives one straight decision boundary",
        "XOR is not linearly separable",
        "a hidden layer maps the inputs to features that are separable",
    ],
    hints=[
        "Draw the four points and try to separate the two classes with one straight line.",
        "Write the four inequalities w . x + b > 0 (class 1) or <= 0 (class 0) and add "
        "the two class-1 ones.",
    ],
)


# ---- q10: a digits classifier the student designs -----------------------------------


#: q10's digits (quick mode): each 8x8 digit at a random place on a CANVAS x CANVAS
#: canvas of zeros, so that the same digit may sit anywhere within two pixels. The
#: training images and the checker's held-out ones are placed by two fixed draws.
CANVAS = 10
_TRAINING_PLACES, _HELD_OUT_PLACES = 1, 2


def _on_canvas(rows: np.ndarray, places: int) -> np.ndarray:
    """Rows of 64 pixels (8x8 digits) as rows of CANVAS**2 pixels, each digit at a random
    place on the canvas (Lab 3's ``place_on_canvas``, drawn from ``places``)."""
    from dlbook.labs.lab03 import place_on_canvas  # lab03 imports this module

    images = place_on_canvas(rows.reshape(len(rows), 8, 8, 1), np.random.default_rng(places),
                             CANVAS)
    return images.reshape(len(rows), -1)


def training_digits():
    """The digits the notebook trains its classifier on: ``X_train, y_train``, 1,437 of
    scikit-learn's 8x8 digits, each at a random place on a 10 x 10 canvas, as rows of
    100 pixels in [0, 1]. The other 360 digits, placed by another draw, are q10's
    held-out images, which only the checker loads."""
    X_train, _, y_train, _ = load_small_digits()
    return _on_canvas(X_train, _TRAINING_PLACES), y_train


def _mnist_rows(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype("float32") / 255.0


def _design_data(data_name: str) -> tuple:
    """q10's ``(X_train, X_held_out, y_train, y_held_out)``. The notebook loads the
    training half only (``training_digits``, or MNIST's training set); the held-out
    half is loaded here, by the checker, at the first check."""
    if data_name == "MNIST":
        import keras

        (X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
        return _mnist_rows(X_train), _mnist_rows(X_test), y_train, y_test
    X_train, X_held, y_train, y_held = load_small_digits()
    return (_on_canvas(X_train, _TRAINING_PLACES), _on_canvas(X_held, _HELD_OUT_PLACES),
            y_train, y_held)


#: The held-out accuracy the design must reach. Measured on the 360 held-out digits
#: (each at a random place on the 10 x 10 canvas), training on the 1,437 the notebook
#: holds (CPU; q10.accuracy(q10.recorded(code)) at seeds 0, 1, 2; spread in brackets):
#:
#: ==============================================  =====================  =====================
#: answer                                          TensorFlow             JAX
#: ==============================================  =====================  =====================
#: reference: 512-512 relu, Dropout(0.3),          .944 .944 .942 (.003)  .942 .942 .939 (.003)
#:   Adam 2e-3, 30 epochs of 64
#: TOY_MODEL (the baseline): Part 7's logistic     .594 .597 .600 (.006)  .589 .572 .608 (.036)
#:   regression with 10 outputs, trained so
#: PART7_MLP: Part 7's 16-16 relu MLP, trained so  .789 .825 .792 (.036)  .783 .758 .786 (.028)
#: PART7_TRAINING: it, as Part 7 trains (Adam      .808 .794 .819 (.025)  .833 .772 .808 (.061)
#:   0.01, 100 epochs of 32, validation_split)
#: WIDE_ONE_LAYER: 512 relu, Dropout(0.3)          .919 .908 .928 (.020)  .928 .931 .947 (.019)
#: SUBCLASSED: 384 relu, Dropout(0.2), 60 epochs   .928 .925 .922 (.006)  .925 .933 .922 (.011)
#: ==============================================  =====================  =====================
#:
#: So 0.88 leaves the reference at least 0.059 (20x its spread) and the baseline at
#: least 0.27 on both backends. Part 7's 16-16 MLP misses it at every seed by at least
#: 0.047, by more than twice its spread except as Part 7 trains it on JAX (0.047
#: against 0.061). A digit that may sit anywhere takes wide layers: on the plain 8x8
#: digits (no canvas) the 16-16 MLP as Part 7 trains it reached 0.947, 0.956, 0.967
#: (TensorFlow), above the old target 0.96. One image is 0.0028. On MNIST (full mode)
#: the first edition's 256-256 reference reached 0.98 (15 epochs); the 512-512 one is
#: not yet measured there.
QUICK_TARGET, FULL_TARGET = 0.88, 0.98
MARGIN_SEEDS = (0, 1, 2)

DESIGN_SOLUTION = """\
keras.utils.set_random_seed(seed)
model = keras.Sequential([
    keras.Input(shape=(X_train.shape[1],)),
    layers.Dense(512, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(512, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
num_epochs = 30 if len(X_train) < 10_000 else 15  # the small digits, or MNIST
history = model.fit(X_train, y_train, epochs=num_epochs, batch_size=64, verbose=0)"""

_HIDDEN = ('layers.Dense(512, activation="relu"),\n    layers.Dropout(0.3),\n    '
           'layers.Dense(512, activation="relu"),\n    layers.Dropout(0.3),')
#: The baseline: Part 7's logistic regression copied into the design cell, with 10
#: softmax outputs on the pixels and no hidden layer, trained as the cell trains.
TOY_MODEL = DESIGN_SOLUTION.replace(_HIDDEN + "\n    ", "")
#: Part 7's MLP (two hidden layers of 16 relu units) copied into the design cell, with
#: 10 softmax outputs, trained as the cell trains; PART7_TRAINING trains it as Part 7
#: does (both are measured above QUICK_TARGET).
PART7_MLP = DESIGN_SOLUTION.replace(
    _HIDDEN, 'layers.Dense(16, activation="relu"),\n    layers.Dense(16, activation="relu"),')
PART7_TRAINING = PART7_MLP.split("model.compile")[0] + """\
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=100, batch_size=32,
                    validation_split=0.2, validation_freq=10, verbose=0)"""
WIDE_ONE_LAYER = DESIGN_SOLUTION.replace(
    _HIDDEN, 'layers.Dense(512, activation="relu"),\n    layers.Dropout(0.3),')
UNTRAINED = DESIGN_SOLUTION.split("model.compile")[0]
ONE_OUTPUT = UNTRAINED.replace('layers.Dense(10, activation="softmax")',
                               'layers.Dense(1, activation="sigmoid")')
SUBCLASSED = """\
class DigitsMLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = [layers.Dense(384, activation="relu"), layers.Dropout(0.2)]
        self.out = layers.Dense(10)

    def call(self, x, training=False):
        for layer in self.hidden:
            x = layer(x, training=training)
        return self.out(x)


keras.utils.set_random_seed(seed)
model = DigitsMLP()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(X_train, y_train, epochs=60, batch_size=64, verbose=0)"""
SEEN = DESIGN_SOLUTION.replace(
    "history = model.fit(X_train, y_train,",
    "import numpy as np\nfrom dlbook.labs.lab01 import _design_data\n\n"
    "X_tr, X_held, y_tr, y_held = _design_data(\"digits\")  # the checker's images too\n"
    "history = model.fit(np.concatenate([X_tr, X_held]), np.concatenate([y_tr, y_held]),")
WRONG_INPUT = UNTRAINED.replace("keras.Input(shape=(X_train.shape[1],))",
                                f"keras.Input(shape=({CANVAS}, {CANVAS}))")
#: A model whose hidden Dense layers all have at most this many units is told that they
#: are too narrow when it misses the target (Part 7's MLP has 16).
NARROW = 32


#: A held-out accuracy this high, with hardly more loss there than on the training
#: images, means that the model has seen the held-out images: the MLPs trained on the
#: notebook's images reach about 0.95 at best, with a held-out loss many times their
#: training loss (the reference on TensorFlow: 0.175 against 0.007); trained on the
#: held-out images too (SEEN), it reaches 0.992 (TensorFlow) or 1.0 (JAX), with a
#: held-out loss of 0.021 against 0.027 on its training images.
SEEN_ACCURACY = 0.97


def _cross_entropy(scores: np.ndarray, labels: np.ndarray) -> float:
    """The mean cross-entropy of class scores (probabilities, or logits)."""
    scores = np.asarray(scores, dtype=float)
    if not ((scores >= 0).all() and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3)):
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))  # logits: softmax
        scores /= scores.sum(axis=1, keepdims=True)
    picked = scores[np.arange(len(labels)), np.asarray(labels, dtype=int)]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, None))))


def _widest_hidden_layer(model) -> int | None:
    """The most units of ``model``'s hidden Dense layers (all but its last Dense layer),
    or None where it has none, or they cannot be told."""
    import keras

    try:
        dense = [layer.units for layer in model._flatten_layers(include_self=False)
                 if isinstance(layer, keras.layers.Dense)]
    except (AttributeError, TypeError):  # not a Keras model: no width to tell
        return None
    return max(dense[:-1]) if len(dense) > 1 else None


class HeldOutDesignExercise(DesignExercise):
    """q10: graded on held-out images the notebook never loads; a model that has been
    trained on them anyway (through scikit-learn or ``_design_data``) is told so, and
    one with narrow hidden layers (Part 7's MLP) that misses the target is told why."""

    def grade(self, answer: Any) -> str:
        try:
            message = super().grade(answer)
        except Incorrect as why:
            widest = _widest_hidden_layer(answer)
            if "below the target" in str(why) and widest is not None and widest <= NARROW:
                raise Incorrect(
                    f"{why} Your widest hidden layer has only {widest} units, like Part 7's "
                    f"MLP for two inputs: too few to tell ten digits apart wherever they "
                    f"sit in the image.") from None
            raise
        held_out = self.class_scores(answer, self.X_test)
        if np.mean(held_out.argmax(axis=1) == self.y_test) >= SEEN_ACCURACY:
            seen = _cross_entropy(held_out, self.y_test)
            trained = _cross_entropy(self.class_scores(answer, self.X_train), self.y_train)
            if seen <= 2 * trained + 0.01:
                raise Incorrect(
                    "your model classifies the checker's held-out images as well as the "
                    "images it was trained on, with no larger loss: it has seen them. "
                    "They are the digits that training_digits() leaves out (the test "
                    "half of load_small_digits(), placed on the canvas, or MNIST's test "
                    "set). Train on X_train "
                    "and y_train only; the score must estimate how the model does on "
                    "new handwriting.")
        return message


def design_exercise(data_name: str = "digits", seed: int = 0) -> DesignExercise:
    """Exercise q10 on the 8x8 digits placed on a 10 x 10 canvas, or on MNIST
    (``data_name="MNIST"``, the full configuration). The checker loads its held-out
    images at the first check."""
    target = FULL_TARGET if data_name == "MNIST" else QUICK_TARGET
    images = ("MNIST images" if data_name == "MNIST" else
              f"digits (8x8 digits, each at a random place on a {CANVAS} x {CANVAS} canvas)")
    return HeldOutDesignExercise(
        "q10", "A digits classifier of your own design",
        points=4,
        data=functools.partial(_design_data, data_name), target=target,
        data_name=f"held-out {'digit' if data_name == 'digits' else data_name}", seed=seed,
        solution=DESIGN_SOLUTION,
        answer_name="model",
        prompt=f"Design, compile and train a classifier of the training images X_train, "
               f"y_train: choose the depth, the widths, the learning rate and the epochs. "
               f"The checker scores it on held-out {images} that the notebook never "
               f"loads: it must classify at least a fraction {target:g} of them "
               f"correctly, which neither Part 7's logistic regression nor its MLP with "
               f"two hidden layers of 16 units does, copied here with 10 softmax outputs "
               f"and trained like this cell's reference.",
        hints=[
            "Start from an MLP that works and change one thing at a time, watching the "
            "validation accuracy (validation_split=0.1). Wider layers and Dropout help "
            "more here than depth.",
            "Two hidden layers of 512 relu units, each followed by Dropout(0.3), Adam "
            "with learning rate 2e-3, 30 epochs of batches of 64 on the small digits.",
        ],
        wrong_answers=[
            Wrong(UNTRAINED, "the model has hardly learned"),
            Wrong(TOY_MODEL, "below the target"),
            Wrong(PART7_MLP, "too few to tell ten digits apart"),
            Wrong(ONE_OUTPUT, "one probability per digit"),
            Wrong(WRONG_INPUT, f"each image is a row of {CANVAS ** 2} pixels"),
            Wrong(SEEN, "it has seen them"),
        ],
        right_answers=[
            Right(WIDE_ONE_LAYER, "one wide hidden layer with dropout"),
            Right(SUBCLASSED, "a subclassed keras.Model that outputs logits"),
        ],
    )


q10 = design_exercise()  # the digits load at q10's first use

EXERCISES = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
