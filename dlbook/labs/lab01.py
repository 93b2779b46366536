"""Exercises of Lab 1, neural networks from NumPy to Keras.

The notebook is ``solutions/01_neural_networks_lab.ipynb``. Most exercises
check a skill of the Unit 1 chapter on inputs the student has not seen:

* q1, q2: the logistic sigmoid and its derivative, in NumPy;
* q3: the perceptron learning rule, run by the checker on NAND and NOR;
* q4: the forward pass of a two-layer network for a batch, in matrix form;
* q5: one step of backpropagation by hand (deltas and new weights), in NumPy;
* q6: a finite-difference gradient, to check analytic gradients with;
* q7, q8: the 2-2-1 network of the Q&A notes in Keras, and its weights after
  one SGD step (the only "build this model" exercise);
* q9: a written answer, why one layer cannot learn XOR;
* q10: a digits classifier the student designs, which must reach a test
  accuracy that the lab's old two-layer model does not (``design_exercise``
  makes the same exercise for MNIST in the full configuration).

q3 to q6 use :class:`~dlbook.exercises.ProcedureExercise` and q10
:class:`~dlbook.exercises.DesignExercise`, two kinds of :mod:`dlbook.exercises`;
q10 loads its digits at its first use, not at import. ``ProcedureExercise``,
``DesignExercise`` and ``load_small_digits`` (from :mod:`dlbook.datasets`) can
still be imported from here.

Use: ``from dlbook.labs.lab01 import q1, q2, ..., q10``.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from dlbook import nn, notes
from dlbook.datasets import load_small_digits
from dlbook.exercises import Case, DesignExercise, FunctionExercise, ModelExercise
from dlbook.exercises import ProcedureExercise, Right, ValueExercise, Wrong, WrittenExercise
from dlbook.exercises import variant

NOTEBOOK = "01_neural_networks_lab.ipynb"


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ---- q1, q2: sigmoid and its derivative --------------------------------------


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), element by element."""
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    """The derivative of the sigmoid: sigmoid(z) * (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1 - s)


ZS = np.array([-2.0, 0.0, 2.0])

q1 = FunctionExercise(
    "q1", "The sigmoid in NumPy",
    reference=sigmoid,
    prompt="Write sigmoid(z) = 1 / (1 + exp(-z)). It must work on a number and "
           "on a NumPy array.",
    cases=[
        Case((0.0,), 0.5, mistakes=[
            (2.0, "{call} returned 2.0: mind the brackets. 1 / 1 + np.exp(-z) is "
                  "1 + exp(-z); write 1 / (1 + np.exp(-z))."),
            (0.0, "{call} returned 0.0, but a sigmoid neuron with net input 0 sits "
                  "half-way: sigmoid(0) = 0.5 (0 is what tanh and ReLU give)."),
            (math.inf, "{call} returned inf: 1 - exp(-z) is 0 at z = 0. The "
                       "denominator of the sigmoid is 1 + exp(-z)."),
        ]),
        Case((2.0,), _sig(2.0), mistakes=[
            (_sig(-2.0), "{call} returned {got}, which is sigmoid(-2): you wrote "
                         "exp(z) where the sigmoid has exp(-z)."),
            (1 / (1 - math.exp(-2.0)), "{call} returned {got}: the denominator is "
                                       "1 + exp(-z), with a plus."),
        ]),
        Case((-2.0,), _sig(-2.0)),
        Case((ZS,), sigmoid(ZS), message="{call} should return the array {expected}; "
                                         "you returned {got}. Use np.exp, which works "
                                         "element by element (math.exp does not)."),
    ],
    hints=[
        "The sigmoid squashes any number z into (0, 1): sigmoid(0) = 0.5, large "
        "positive z gives nearly 1, large negative z nearly 0.",
        "return 1 / (1 + np.exp(-z)). Mind the minus sign and the brackets.",
    ],
    wrong_answers=[
        Wrong(lambda z: 1 / (1 + np.exp(z)), "exp(-z)"),
        Wrong(lambda z: 1 / 1 + np.exp(-z), "brackets"),
        Wrong(lambda z: 1 / (1 - np.exp(-z)), "1 + exp(-z)"),
        Wrong(lambda z: 1 / (1 + math.exp(-z)), "raised TypeError"),
        Wrong(np.tanh, "0 is what tanh and ReLU give"),
    ],
    right_answers=[
        Right(lambda z: 0.5 * (1 + np.tanh(z / 2)), "the same curve, written with tanh"),
        Right(lambda z: np.exp(z) / (np.exp(z) + 1), "e^z / (e^z + 1): multiply by e^z"),
    ],
    solution_context=lambda: {"np": np},
)

q2 = FunctionExercise(
    "q2", "The derivative of the sigmoid",
    reference=sigmoid_prime,
    prompt="Write sigmoid_prime(z), the derivative of the sigmoid at z. "
           "Use the identity sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)).",
    cases=[
        Case((0.0,), 0.25, mistakes=[
            (0.75, "{call} returned 0.75 = 0.5 * (1 + 0.5): the derivative is "
                   "s * (1 - s), with a minus, not s * (1 + s)."),
            (0.5, "{call} returned 0.5, which is sigmoid(0) itself, not its slope. "
                  "The derivative is s * (1 - s) with s = sigmoid(z)."),
            (0.0, "{call} returned 0.0 = 0 * (1 - 0): you applied z * (1 - z) to z "
                  "itself. First compute s = sigmoid(z), then s * (1 - s)."),
        ]),
        Case((2.0,), _sig(2.0) * (1 - _sig(2.0)), mistakes=[
            (_sig(2.0) * (1 + _sig(2.0)), "{call} returned {got}: that is s * (1 + s). "
                                          "The derivative is s * (1 - s)."),
            (-2.0, "{call} returned -2.0 = 2 * (1 - 2): you applied z * (1 - z) to z. "
                   "Use s = sigmoid(z) in the formula."),
            (_sig(2.0) ** 2, "{call} returned {got} = s**2. The derivative is "
                             "s * (1 - s), not s * s."),
        ]),
        Case((-2.0,), _sig(-2.0) * (1 - _sig(-2.0))),
        Case((ZS,), sigmoid_prime(ZS), message="{call} should return the array "
                                               "{expected}; you returned {got}."),
    ],
    hints=[
        "The sigmoid has a neat derivative: sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)). "
        "Its largest value is 0.25, at z = 0.",
        "s = sigmoid(z); return s * (1 - s)   (you may call your sigmoid from q1).",
    ],
    wrong_answers=[
        Wrong(lambda z: sigmoid(z) * (1 + sigmoid(z)), "not s * (1 + s)"),
        Wrong(lambda z: z * (1 - z), "applied z * (1 - z)"),
        Wrong(sigmoid, "sigmoid(0) itself"),
        Wrong(lambda z: sigmoid(z) ** 2, "s**2"),
    ],
    right_answers=[
        Right(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "the quotient rule, not simplified"),
        Right(lambda z: sigmoid(z) - sigmoid(z) ** 2, "s - s**2, multiplied out"),
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


def _forward_no_bias(X, W1, b1, W2, b2):
    return sigmoid(sigmoid(X @ W1) @ W2)


_rng = np.random.default_rng(1)
FWD_SQUARE = (np.round(_rng.uniform(-1, 1, (4, 3)), 1), np.round(_rng.uniform(-1, 1, (3, 3)), 1),
              np.array([0.1, -0.2, 0.3]), np.round(_rng.uniform(-1, 1, (3, 2)), 1),
              np.array([0.05, -0.05]))
FWD_WIDE = (np.round(_rng.uniform(-1, 1, (5, 2)), 1), np.round(_rng.uniform(-1, 1, (2, 4)), 1),
            np.array([0.2, 0.0, -0.1, 0.4]), np.round(_rng.uniform(-1, 1, (4, 1)), 1),
            np.array([-0.3]))

q4 = ProcedureExercise(
    "q4", "The forward pass in matrix form",
    reference=forward,
    outputs=("the output",),
    cases=[
        (FWD_SQUARE, "a batch of 4 examples, 3 inputs, 3 hidden units, 2 outputs"),
        (FWD_WIDE, "a batch of 5 examples, 2 inputs, 4 hidden units, 1 output"),
    ],
    slips=[
        (_forward_transposed,
         "you multiplied by W1 transposed. W1[i, j] is the weight from input i to hidden "
         "unit j, so W1 has shape (inputs, hidden units), like a Keras kernel, and the "
         "layer computes X @ W1 + b1 (no .T)."),
        (_forward_linear_output,
         "your output layer is linear: the network's output units are sigmoid units too, "
         "so apply sigmoid to H @ W2 + b2."),
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

q5 = ProcedureExercise(
    "q5", "Backpropagation by hand",
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


def _after_step(W1=BP_W1, W2=BP_W2, lr=BP_LR):
    new_W1, new_W2, _, _ = nn.sgd_step(BP_X, BP_T, W1, W2, lr=lr)
    return table_order(new_W1, new_W2)


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
            "y": np.array([[BP_T]]), "half_squared_error": half_squared_error,
            "table_order": table_order}


q8 = ValueExercise(
    "q8", "The weights after one SGD step",
    expected=NEW_WEIGHTS, atol=1e-5,
    correct_message="one SGD step in Keras gives the six weights that backpropagation "
                    "by hand gives (to 5 decimals).",
    prompt="Load the notes' weights, take one SGD step with lr = 1 and the loss "
           "1/2 (t - y)^2, and give the six new weights in the order of the notes' "
           "table: w13, w23, w14, w24, w35, w45.",
    hints=[
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), "
        "loss=half_squared_error); mind that SGD's default learning rate is 0.01. "
        "Then model.train_on_batch(X, y) takes exactly one step.",
        "W1_new, W2_new = model.get_weights() gives the kernels (rows: inputs, "
        "columns: units); new_weights = table_order(W1_new, W2_new) puts them in the "
        "table's order, the same as np.array([W1_new[0, 0], W1_new[1, 0], "
        "W1_new[0, 1], W1_new[1, 1], W2_new[0, 0], W2_new[1, 0]]).",
    ],
    solution=(
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),\n"
        "              loss=half_squared_error)\n"
        "model.train_on_batch(X, y)\n"
        "W1_new, W2_new = model.get_weights()\n"
        "new_weights = table_order(W1_new, W2_new)"
    ),
    mistakes=[
        (NOTES_NEW_WEIGHTS,
         "these are the rounded values of the notes' table. Take them from your Keras "
         "model instead: the notes round as they go, so their w35 and w45 are off in the "
         f"4th decimal ({NOTES_NEW_WEIGHTS[4]:.4f} and {NOTES_NEW_WEIGHTS[5]:.4f}; full "
         f"precision gives {NEW_WEIGHTS[4]:.4f} and {NEW_WEIGHTS[5]:.4f})."),
        (table_order(BP_W1, BP_W2),
         "these are the starting weights: run one training step "
         "(model.train_on_batch(X, y)) before reading model.get_weights()."),
        (_after_step(lr=2.0),
         "every weight moved twice as far as it should. Keras's MeanSquaredError is "
         "(t - y)^2 without the 1/2, so its gradient is twice the notes' one: use the "
         "half squared error as the loss (or learning_rate=0.5)."),
        (_after_step(lr=0.01),
         "the weights hardly moved: keras.optimizers.SGD() defaults to learning_rate=0.01, "
         "and the notes use 1."),
        (_after_step(W1=BP_W1.T),
         "the hidden layer started from the wrong weights: you loaded W1 transposed. The "
         "kernel's rows are the inputs (x1, x2) and its columns the units (3, 4), so "
         "W1 = [[w13, w14], [w23, w24]]."),
        (np.concatenate([_after_step()[[0, 2, 1, 3]], _after_step()[4:]]),
         "the numbers are right but in Keras's order (W1 row by row: w13, w14, w23, w24). "
         "The exercise asks for the notes' order: w13, w23, w14, w24, w35, w45."),
    ],
    right_answers=[
        Right(NEW_WEIGHTS.tolist(), "a list of the six numbers"),
        Right(NEW_WEIGHTS.reshape(6, 1).astype("float32"), "a float32 column of six"),
    ],
    solution_context=one_step_context,
)

# ---- q9: a written answer ----------------------------------------------------

q9 = WrittenExercise(
    "q9", "Why one layer cannot learn XOR",
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


#: The test accuracy the design must reach. Measured on the 8x8 digits (TensorFlow,
#: CPU, seeds 0, 1, 2): the lab's old model (128 and 64 relu units, 30 epochs of
#: batches of 32) gets 0.967, 0.978, 0.964 (0.967 at the lab's seed 0), a copied
#: toy model (16 and 16 units) 0.94; the reference design (256 and 256 units with
#: Dropout(0.2), 60 epochs of 64) 0.981, 0.981, 0.983. On the 360 test images one
#: image is 0.0028. On MNIST (full mode) a 256-256 MLP reaches 0.98.
QUICK_TARGET, FULL_TARGET = 0.975, 0.98

DESIGN_SOLUTION = """\
keras.utils.set_random_seed(seed)
model = keras.Sequential([
    keras.Input(shape=(X_train.shape[1],)),
    layers.Dense(256, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(256, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
num_epochs = 60 if len(X_train) < 10_000 else 15  # the 8x8 digits, or MNIST
history = model.fit(X_train, y_train, epochs=num_epochs, batch_size=64, verbose=0)"""


OLD_TOY_MODEL = DESIGN_SOLUTION.replace(
    'layers.Dense(256, activation="relu"),\n    layers.Dropout(0.2),\n    '
    'layers.Dense(256, activation="relu"),\n    layers.Dropout(0.2),',
    'layers.Dense(128, activation="relu"),\n    layers.Dense(64, activation="relu"),'
).replace("60 if", "30 if").replace("batch_size=64, verbose",
                                    "batch_size=32, validation_split=0.2, verbose")
WIDE_ONE_LAYER = DESIGN_SOLUTION.replace(
    'layers.Dense(256, activation="relu"),\n    layers.Dropout(0.2),\n    '
    'layers.Dense(256, activation="relu"),\n    layers.Dropout(0.2),',
    'layers.Dense(512, activation="relu"),\n    layers.Dropout(0.3),')
UNTRAINED = DESIGN_SOLUTION.split("model.compile")[0]
ONE_OUTPUT = UNTRAINED.replace('layers.Dense(10, activation="softmax")',
                               'layers.Dense(1, activation="sigmoid")')


def design_exercise(data: tuple | Callable[[], tuple], data_name: str = "digits",
                    seed: int = 0):
    """Exercise q10 for the data the lab loaded, ``(X_train, X_test, y_train, y_test)``
    (MNIST in the full configuration), or a function that loads them at the first use."""
    target = FULL_TARGET if data_name == "MNIST" else QUICK_TARGET
    return DesignExercise(
        "q10", "A digits classifier of your own design",
        data=data, target=target, data_name=data_name, seed=seed,
        solution=DESIGN_SOLUTION,
        answer_name="model",
        prompt=f"Design, compile and train a classifier of the training images: choose the "
               f"depth, the widths, the learning rate and the epochs. It must reach a test "
               f"accuracy of at least {target:g}, which the lab's old two-layer model "
               f"(128 and 64 units, 30 epochs) does not reach.",
        hints=[
            "Start from an MLP that works and change one thing at a time, watching the "
            "validation accuracy (validation_split=0.1). Wider layers and Dropout help "
            "more here than depth.",
            "Two hidden layers of 256 relu units, each followed by Dropout(0.2), Adam "
            "with learning rate 1e-3, 60 epochs of batches of 64 on the 8x8 digits.",
        ],
        wrong_answers=[
            Wrong(UNTRAINED, "the model has hardly learned"),
            Wrong(OLD_TOY_MODEL, "below the target"),
            Wrong(ONE_OUTPUT, "one probability per digit"),
        ],
        right_answers=[Right(WIDE_ONE_LAYER, "one wide hidden layer with dropout")],
    )




q10 = design_exercise(load_small_digits)  # the digits load at q10's first use

EXERCISES = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
