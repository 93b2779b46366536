"""Exercises of Lab 2, training deep networks.

The notebook is ``solutions/02_training_lab.ipynb``. The exercises check
skills of the Unit 2 chapter:

* q1, q2, q3: the update rules of gradient descent, momentum and Nesterov's
  accelerated gradient (look-ahead form), run by the checker for several steps
  on a quadratic of the chapter and on an ill-conditioned one;
* q4: the VESIT notes' gradient-descent example by hand (gradient, new weight,
  new loss);
* q5: which optimiser of the lab's race reached the lowest training loss;
* q6: per-layer gradient norms of a Keras model, with ``dlbook.autodiff``;
* q7: the diagnosis, which of two 10-layer nets has vanishing gradients;
* q8: regularise an overfitting network until its validation loss beats the
  unregularised baseline's by a margin;
* q9: choose an optimiser, learning rate and schedule that reach, within a
  fixed budget of epochs, a loss the default SGD does not reach.

q1 to q3 use :class:`UpdateRuleExercise`, q6 :class:`GradientNormsExercise`
(both built on :class:`~dlbook.exercises.ProcedureExercise`), q5 and
q7 :class:`ChoiceExercise`, q8 :class:`RegularizationExercise` (built on
:class:`~dlbook.exercises.DesignExercise`) and q9
:class:`OptimizerDesignExercise`. q5 and q7 are judged on the notebook's own
run: the notebook makes them with :func:`race_exercise` and
:func:`vanishing_exercise`; the module's own q5 and q7 hold example results
for the self-tests.

Use: ``from dlbook.labs.lab02 import q1, q2, ..., q9``.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np

from dlbook.autodiff import gradients
from dlbook.datasets import load_small_digits
from dlbook.exercises import DesignExercise, Exercise, Incorrect, ProcedureExercise, Right
from dlbook.exercises import ValueExercise, Wrong
from dlbook.exercises.compare import compare, fmt, type_name
from dlbook.measure import approx

NOTEBOOK = "02_training_lab.ipynb"


# ---- a kind of exercise: an update rule, run for several steps -------------------


class UpdateRuleExercise(ProcedureExercise):
    """An optimiser's update rule, run step by step from the checker's start.

    Each case is ``((w0, grad, lr, mu, steps), words)``. With ``velocity=False``
    the rule is called as ``rule(w, grad, lr)`` and returns the new ``w``;
    otherwise as ``rule(w, v, grad, lr, mu)`` and returns ``(w, v)``, the
    velocity starting at zero. The iterates ``w1, w2, ...`` are compared with
    the reference's (the velocity is the rule's own business: a convention with
    the opposite sign is as good), and a slip is recognised by its iterates.
    """

    kind = "update rule"

    def __init__(self, name: str, title: str, *, velocity: bool, **kwargs):
        super().__init__(name, title, outputs=("w", "v") if velocity else ("w",), **kwargs)
        self.velocity = velocity

    def _results(self, func: Callable, args: tuple, call: str) -> tuple:
        w0, grad, lr, mu, steps = args
        w = np.asarray(w0, dtype=float)
        v = np.zeros_like(w)
        path = []
        for k in range(1, steps + 1):
            step_args = (w, v, grad, lr, mu) if self.velocity else (w, grad, lr)
            got = ProcedureExercise._results(self, func, step_args, f"{call} (step {k})")
            w, v = got if self.velocity else (got[0], v)
            path.append(w)
        return (np.array(path, dtype=float),)

    def _mismatch(self, got: tuple, want: tuple) -> str | None:
        mismatch = compare(got[0], want[0], atol=self.atol, what="your iterates w1, w2, ...")
        return None if mismatch is None else mismatch.text


def quadratic_grad(w):
    """The gradient of the chapter's f(w) = (w - 3)^2, whose minimum is at w = 3."""
    return 2 * (w - 3)


def valley_grad(w):
    """The gradient of f(w) = (w[0]^2 + 10 w[1]^2) / 2, a valley 10 times steeper across."""
    return np.array([1.0, 10.0]) * w


QUADRATIC_WORDS = "f(w) = (w - 3)^2 from w = 0, lr = 0.1"


def first_iterates(rule: Callable, velocity: bool, steps: int = 3) -> str:
    """The first iterates of ``rule`` on (w - 3)^2 from w = 0, lr = 0.1, mu = 0.9, in words."""
    w, v, path = 0.0, 0.0, []
    for _ in range(steps):
        w, v = rule(w, v, quadratic_grad, 0.1, 0.9) if velocity else (
            rule(w, quadratic_grad, 0.1), v)
        path.append(f"{w:.4g}")
    return ", ".join(path) + ", ..."
VALLEY_WORDS = "the valley f(w) = (w1^2 + 10 w2^2) / 2 from w = (1, 1), lr = 0.05"


def gd_step(w, grad, lr):
    """One step of gradient descent: the new weights."""
    return w - lr * grad(w)


def _gd_slip(w, grad, lr, *, sign=1.0, scale=True):
    return w + sign * (lr if scale else 1.0) * grad(w) * -1


GD_HINTS = [
    "The gradient points uphill; a step of gradient descent goes the other way, "
    "by lr times the gradient.",
    "return w - lr * grad(w)",
]

q1 = UpdateRuleExercise(
    "q1", "Gradient descent",
    velocity=False,
    reference=gd_step,
    cases=[
        ((0.0, quadratic_grad, 0.1, None, 5), QUADRATIC_WORDS),
        ((np.array([1.0, 1.0]), valley_grad, 0.05, None, 5), VALLEY_WORDS),
    ],
    slips=[
        (functools.partial(_gd_slip, sign=-1.0),
         "your weights climb: grad(w) points uphill, so the step subtracts it, "
         "w - lr * grad(w)."),
        (functools.partial(_gd_slip, scale=False),
         "your steps are the whole gradient: multiply it by the learning rate lr."),
    ],
    correct_message=f"your steps give the reference's iterates, "
                    f"{first_iterates(gd_step, False)} on (w - 3)^2, and on a valley in "
                    "two dimensions.",
    prompt="Write gd_step(w, grad, lr): one step of gradient descent from the weights w "
           "(a number or an array), where grad(w) is the gradient of the loss at w. "
           "Return the new weights. The checker runs it for five steps on the chapter's "
           "(w - 3)^2 and on a valley in two dimensions.",
    hints=GD_HINTS,
    right_answers=[
        Right(lambda w, grad, lr: w + lr * -grad(w), "the step written as w + lr * (-g)"),
    ],
    solution_context=lambda: {"np": np},
)


def momentum_step(w, v, grad, lr, mu):
    """One step of classical momentum: the new weights and velocity."""
    v = mu * v - lr * grad(w)
    return w + v, v


def _momentum_without_memory(w, v, grad, lr, mu):
    v = -lr * grad(w)
    return w + v, v


def _momentum_old_velocity(w, v, grad, lr, mu):
    return w + v, mu * v - lr * grad(w)


def _momentum_pytorch(w, v, grad, lr, mu):
    v = mu * v + grad(w)
    return w - lr * v, v


q2 = UpdateRuleExercise(
    "q2", "Momentum",
    velocity=True,
    reference=momentum_step,
    cases=[
        ((0.0, quadratic_grad, 0.1, 0.9, 6), f"{QUADRATIC_WORDS}, mu = 0.9"),
        ((np.array([1.0, 1.0]), valley_grad, 0.05, 0.8, 6), f"{VALLEY_WORDS}, mu = 0.8"),
    ],
    slips=[
        (_momentum_without_memory,
         "your velocity forgets the past, v = -lr * grad(w): that is plain gradient "
         "descent. Momentum keeps a fraction mu of the old velocity, "
         "v = mu * v - lr * grad(w)."),
        (_momentum_old_velocity,
         "your weights move by the OLD velocity, one step late: first update "
         "v = mu * v - lr * grad(w), then move w + v with the new v."),
    ],
    correct_message=f"your steps give the reference's iterates, "
                    f"{first_iterates(momentum_step, True, 4)} on (w - 3)^2 with mu = 0.9 "
                    "(they overshoot the minimum at 3 before they settle), and on the "
                    "valley.",
    prompt="Write momentum_step(w, v, grad, lr, mu): one step of classical momentum, "
           "v <- mu v - lr grad(w), then w <- w + v. Return the new w and the new v. "
           "The checker starts from v = 0 and runs six steps.",
    hints=[
        "The velocity is a running sum of past gradient steps, each one shrunk by mu "
        "per step. Update v first, then move w by v.",
        "v = mu * v - lr * grad(w); return w + v, v",
    ],
    right_answers=[
        Right(_momentum_pytorch, "PyTorch's convention, v <- mu v + g and w <- w - lr v: "
                                 "the same iterates with a constant lr"),
        Right(lambda w, v, grad, lr, mu: (lambda v: (w + v, v))(mu * v - lr * grad(w)),
              "the same update in one expression"),
    ],
    solution_context=lambda: {"np": np},
)


def nesterov_step(w, v, grad, lr, mu):
    """One step of Nesterov's accelerated gradient, look-ahead form: new w and v."""
    v = mu * v - lr * grad(w + mu * v)
    return w + v, v


def _nesterov_keras(w, v, grad, lr, mu):
    """The weights Keras stores, w + mu v in the look-ahead form's terms."""
    g = grad(w)
    v = mu * v - lr * g
    return w + mu * v - lr * g, v


def _nesterov_behind(w, v, grad, lr, mu):
    v = mu * v - lr * grad(w - mu * v)
    return w + v, v


q3 = UpdateRuleExercise(
    "q3", "Nesterov's accelerated gradient",
    velocity=True,
    reference=nesterov_step,
    cases=q2.cases,
    slips=[
        (momentum_step,
         "you took the gradient at w, which is classical momentum. Nesterov looks "
         "ahead: the gradient is taken at w + mu * v, where momentum is about to carry "
         "the weights."),
        (_nesterov_behind,
         "you took the gradient behind the weights, at w - mu * v. The look-ahead point "
         "is w + mu * v (v points where the weights are going)."),
        (_nesterov_keras,
         "these are the weights Keras's SGD(nesterov=True) stores, the look-ahead points "
         "w + mu v (1.14, 2.3328, ... on (w - 3)^2). This exercise asks for the "
         "look-ahead form itself: v = mu v - lr grad(w + mu v), then return w + v."),
    ],
    correct_message="your steps give the reference's iterates on (w - 3)^2 and on the "
                    "valley: each gradient is taken at the look-ahead point w + mu v.",
    prompt="Write nesterov_step(w, v, grad, lr, mu): one step of Nesterov's accelerated "
           "gradient in the look-ahead form, v <- mu v - lr grad(w + mu v), then "
           "w <- w + v. Return the new w and the new v.",
    hints=[
        "It is momentum with one change: where the gradient is taken. Momentum is about "
        "to carry the weights to w + mu * v; take the gradient there.",
        "v = mu * v - lr * grad(w + mu * v); return w + v, v",
    ],
    right_answers=[
        Right(lambda w, v, grad, lr, mu: (lambda ahead: (
            w + mu * v - lr * grad(ahead), mu * v - lr * grad(ahead)))(w + mu * v),
              "the look-ahead point computed first"),
    ],
    solution_context=lambda: {"np": np},
)


# ---- q4: the VESIT notes' gradient-descent example, by hand -----------------------

# One weight w, one input x1 and the label 6; the notes' loss is 1/2 (6 - w x1)^2.
# They never state x1: the optimal weight w* = 3 and w* x1 = 6 give x1 = 2.
GD_X1, GD_LABEL, GD_W0, GD_LR = 2.0, 6.0, 5.0, 0.1


def gd_example(*, half=True, sign=1.0, chain=True):
    """(gradient, new weight, new loss) of the notes' step, or of a step with one slip."""
    factor = 1.0 if half else 2.0
    grad = factor * (GD_X1 if chain else 1.0) * (GD_W0 * GD_X1 - GD_LABEL)
    w_new = GD_W0 - sign * GD_LR * grad
    loss_new = factor / 2 * (GD_LABEL - w_new * GD_X1) ** 2
    return (grad, w_new, loss_new)


q4 = ValueExercise(
    "q4", "The notes' gradient-descent step by hand",
    expected=gd_example(),
    atol=1e-6,
    correct_message="the gradient is 8, the new weight 4.2, and the loss falls from 8 to "
                    "2.88: the prediction moved from 10 to 8.4, towards the label 6.",
    prompt="The VESIT notes' example: one weight w, input x1 = 2, label 6, loss "
           "L(w) = 1/2 (6 - w x1)^2, start w = 5, learning rate 0.1. Compute, in NumPy or "
           "by hand, the gradient dL/dw at w = 5, the weight after one step of gradient "
           "descent, and the loss at the new weight. Give the three numbers as a tuple.",
    hints=[
        "The chain rule: dL/dw = (6 - w x1) times the derivative of (6 - w x1), which "
        "is -x1.",
        "grad = x1 * (w * x1 - 6); w_new = w - lr * grad; the loss at w_new is "
        "0.5 * (6 - w_new * x1) ** 2.",
    ],
    solution=(
        "x1, label, w, lr = 2.0, 6.0, 5.0, 0.1\n"  # given in the lab
        "grad = x1 * (w * x1 - label)\n"
        "w_new = w - lr * grad\n"
        "loss_new = 0.5 * (label - w_new * x1) ** 2\n"
        "gd_answer = (grad, w_new, loss_new)"
    ),
    mistakes=[
        (gd_example(half=False),
         "these are the numbers for the loss (6 - w x1)^2 without the 1/2, whose gradient "
         "is twice as large. The notes' loss has the factor 1/2: the gradient is 8."),
        (gd_example(sign=-1.0),
         "your weight moved up the slope, to 5.8, and the loss grew. Gradient descent "
         "subtracts lr times the gradient: w - 0.1 * 8."),
        (gd_example(chain=False),
         "your gradient is 4 = 10 - 6, the error alone: the chain rule multiplies it by "
         "the derivative of w x1 in w, which is x1 = 2."),
    ],
    right_answers=[
        Right([8, 4.2, 2.88], "a list of the three numbers"),
        Right(np.array(gd_example(), dtype="float32"), "a float32 array"),
    ],
    solution_context=dict,
)


# ---- a kind of exercise: one option of a few, judged on the lab's own run --------


class ChoiceExercise(Exercise):
    """One of a few named options (a string, case ignored), judged on measured results.

    ``right`` is the set of accepted options, ``feedback`` maps each other
    option to what its choice says about the results, and ``correct_message``
    says why the right ones are right. A factory computes all three from the
    run (see :func:`race_exercise`).
    """

    kind = "choice"

    def __init__(self, name: str, title: str, *, options: Sequence[str], right: set[str],
                 feedback: Mapping[str, str], correct_message: str, **kwargs):
        super().__init__(name, title, **kwargs)
        self.options = list(options)
        self.right = {o.lower() for o in right}
        self.feedback = {k.lower(): v for k, v in feedback.items()}
        self.correct_message = correct_message

    def grade(self, answer: Any) -> str:
        if not isinstance(answer, str):
            raise Incorrect(f"expected one of the names {', '.join(map(repr, self.options))} "
                            f"as a string, but you passed {fmt(answer)} ({type_name(answer)}).")
        choice = answer.strip().lower()
        if choice in self.right:
            return self.correct_message
        if choice in self.feedback:
            raise Incorrect(self.feedback[choice])
        raise Incorrect(f"{answer!r} is not one of the options: "
                        f"{', '.join(map(repr, self.options))}.")


# ---- q5: the optimiser race ----------------------------------------------------

#: Optimisers whose final loss is within this fraction of the lowest count as winners
#: (the race's numbers move a little between backends and library versions).
RACE_RTOL = 0.05


def race_exercise(final_loss: Mapping[str, float], num_epochs: int = 20) -> ChoiceExercise:
    """Exercise q5 for the race the lab ran: ``final_loss`` maps each optimiser's name to
    its training loss after the last epoch."""
    losses = {name: float(loss) for name, loss in final_loss.items()}
    best = min(losses, key=losses.get)
    worst = max(losses, key=losses.get)
    right = {n for n, loss in losses.items() if loss <= losses[best] * (1 + RACE_RTOL)}
    feedback = {}
    for name, loss in losses.items():
        if name == worst:
            feedback[name] = (f"{name} ended with the HIGHEST training loss, {approx(loss)}. "
                              "Read the last point of each curve in the per-epoch plot: "
                              "the lowest curve wins.")
        else:
            feedback[name] = (f"{name} ended at {approx(loss)}, above {best}'s "
                              f"{approx(losses[best])}. Compare the curves at the last epoch.")
    summary = ", ".join(f"{n} {approx(loss)}" for n, loss in sorted(losses.items(),
                                                                key=lambda kv: kv[1]))
    return ChoiceExercise(
        "q5", "Which optimiser won the race",
        options=list(losses), right=right, feedback=feedback,
        correct_message=f"{best} reached the lowest training loss after {num_epochs} "
                        f"epochs. Final losses: {summary}.",
        prompt=f"Which optimiser reached the lowest training loss after {num_epochs} "
               f"epochs? Give its name as it appears in the race, one of "
               f"{', '.join(map(repr, losses))}.",
        hints=["Look at the right end of the loss-per-epoch plot, or at the dictionary "
               "final_loss.",
               "min(final_loss, key=final_loss.get) is the name with the smallest value."],
        solution="fastest = min(final_loss, key=final_loss.get)",
        answer_name="fastest",
        reference=best,
        wrong_answers=[Wrong(worst, "HIGHEST training loss"),
                       Wrong("Adagrad", "not one of the options")],
        right_answers=[Right(best.upper(), "the name in capitals"),
                       Right(f" {best} ", "the name with spaces around it")],
        solution_context=lambda: {"final_loss": dict(losses)},
    )


#: Example results for the module's own q5 (its self-tests); the notebook makes its q5
#: from the race it runs.
EXAMPLE_RACE = {"SGD": 1.9, "Momentum": 0.41, "Nesterov": 0.40, "RMSprop": 0.12,
                "Adam": 0.08}

q5 = race_exercise(EXAMPLE_RACE)


# ---- q6: per-layer gradient norms -----------------------------------------------


def gradient_norms(model, X, y):
    """The norm of the loss gradient for each Dense kernel, first layer first."""
    def loss(*weights):
        y_pred, _ = model.stateless_call(list(weights), model.non_trainable_variables, X)
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, y_pred))

    variables = model.trainable_variables
    weights = [keras.ops.convert_to_numpy(v) for v in variables]
    grads = gradients(loss, *weights, dtype="float32")
    return np.array([np.linalg.norm(g) for g, v in zip(grads, variables)
                     if v.path.endswith("kernel")])


def _variable_grads(model, X, y, reduce=keras.ops.mean):
    """[(gradient, variable)] of the cross-entropy, reduced over the batch by ``reduce``."""
    def loss(*weights):
        y_pred, _ = model.stateless_call(list(weights), model.non_trainable_variables, X)
        return reduce(keras.losses.sparse_categorical_crossentropy(y, y_pred))

    variables = model.trainable_variables
    weights = [keras.ops.convert_to_numpy(v) for v in variables]
    return list(zip(gradients(loss, *weights, dtype="float32"), variables))


def _norm_slip(model, X, y, *, what="weights"):
    """Norms with one slip: of the kernels themselves, of every variable, of a summed loss."""
    if what == "weights":
        return np.array([np.linalg.norm(keras.ops.convert_to_numpy(v))
                         for v in model.trainable_variables if v.path.endswith("kernel")])
    if what == "sum":
        return np.array([np.linalg.norm(g) for g, v in _variable_grads(model, X, y,
                                                                       keras.ops.sum)
                         if v.path.endswith("kernel")])
    return np.array([np.linalg.norm(g) for g, _ in _variable_grads(model, X, y)])


def deep_net(activation: str, depth: int = 10, units: int = 32, *, inputs: int = 64,
             classes: int = 10, initializer: str = "glorot_uniform", seed: int = 0):
    """``depth`` Dense layers of ``units`` units and one softmax layer, from ``seed``."""
    from keras import layers

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input(shape=(inputs,))]
        + [layers.Dense(units, activation=activation, kernel_initializer=initializer)
           for _ in range(depth)]
        + [layers.Dense(classes, activation="softmax")])


class GradientNormsExercise(ProcedureExercise):
    """``f(model, X, y)`` run on small networks the checker builds.

    Each case is ``((net_options, batch, seed), words)``: the checker builds
    ``deep_net(**net_options)`` and a random batch of ``batch`` examples once,
    and calls the student's function on them. Results match within ``rtol``.
    """

    kind = "gradient norms"

    def __init__(self, name: str, title: str, *, rtol: float = 1e-4, **kwargs):
        super().__init__(name, title, outputs=("the norms",), **kwargs)
        self.rtol = rtol
        self._built: dict[str, tuple] = {}

    def _inputs(self, args: tuple) -> tuple:
        key = json.dumps(args, sort_keys=True)
        if key not in self._built:
            options, batch, seed = args
            rng = np.random.default_rng(seed)
            model = deep_net(**options, seed=seed)
            X = rng.normal(size=(batch, model.input_shape[1])).astype("float32")
            y = rng.integers(0, model.output_shape[1], size=batch)
            self._built[key] = (model, X, y)
        return self._built[key]

    def _results(self, func: Callable, args: tuple, call: str) -> tuple:
        return ProcedureExercise._results(self, func, self._inputs(args), call)

    def _mismatch(self, got: tuple, want: tuple) -> str | None:
        mismatch = compare(got[0], want[0], atol=0.0, rtol=self.rtol, what="your norms")
        return None if mismatch is None else mismatch.text


q6 = GradientNormsExercise(
    "q6", "Gradient norms, layer by layer",
    reference=gradient_norms,
    cases=[
        (({"activation": "sigmoid", "depth": 3, "units": 8, "inputs": 5, "classes": 3},
          16, 1), "a 3-layer sigmoid net of 8 units, 5 inputs, 3 classes, 16 examples"),
        (({"activation": "relu", "depth": 4, "units": 6, "inputs": 4, "classes": 2,
           "initializer": "he_normal"}, 12, 2),
         "a 4-layer ReLU net of 6 units (He init), 4 inputs, 2 classes, 12 examples"),
    ],
    slips=[
        (_norm_slip,
         "these are the norms of the kernels themselves, not of their gradients: "
         "differentiate the loss with dlbook.autodiff.gradients."),
        (functools.partial(_norm_slip, what="biases"),
         "you gave a norm for every variable, biases included. The exercise asks for one "
         "norm per Dense layer, of its kernel: keep the variables whose path ends in "
         "'kernel'."),
        (functools.partial(_norm_slip, what="sum"),
         "your norms are batch-size times too large: you summed the loss over the batch. "
         "Take the mean, as Keras's losses do."),
    ],
    correct_message="your norms are the reference's on a sigmoid and a ReLU net.",
    prompt="Write gradient_norms(model, X, y): for a Keras classifier with a softmax "
           "output and integer labels y, the norm of the gradient of the mean "
           "sparse categorical cross-entropy with respect to each Dense layer's kernel, "
           "first layer first, as an array. Use dlbook.autodiff.gradients, so that it "
           "runs on any Keras backend.",
    hints=[
        "Write the loss as a function of the weights: model.stateless_call(weights, "
        "model.non_trainable_variables, X) returns the outputs and the updated "
        "non-trainable state. Then gradients(loss, *weights, dtype=\"float32\"), with "
        "weights the trainable variables as NumPy arrays (keras.ops.convert_to_numpy), "
        "gives one gradient per variable, in the same order.",
        "Keep the gradients of the variables whose v.path ends with \"kernel\", and take "
        "np.linalg.norm of each.",
    ],
    right_answers=[
        Right(lambda model, X, y: [float(np.sqrt(np.sum(g ** 2)))
                                   for g, v in _variable_grads(model, X, y)
                                   if "kernel" in v.path.split("/")[-1]],
              "the norms as a list, computed as sqrt(sum(g^2))"),
    ],
    solution_context=lambda: _keras_names(),
)


def _keras_names() -> dict:
    return {"np": np, "keras": keras, "layers": keras.layers, "gradients": gradients}


# ---- q7: which net's gradients vanish ---------------------------------------------

#: A net's gradients "vanish" when its first layer's gradient norm is less than this
#: fraction of its last layer's.
VANISHING_RATIO = 0.01
VANISHING_OPTIONS = ("sigmoid", "relu", "both", "neither")


def vanishing_exercise(norms: Mapping[str, Sequence[float]]) -> ChoiceExercise:
    """Exercise q7 for the gradient norms the lab measured: ``norms["sigmoid"]`` and
    ``norms["relu"]``, one norm per Dense layer, first layer first."""
    ratio = {net: float(n[0] / n[-1]) for net, n in norms.items()}
    vanishes = {net for net, r in ratio.items() if r < VANISHING_RATIO}
    truth = ("both" if len(vanishes) == 2 else "neither" if not vanishes
             else next(iter(vanishes)))
    measured = (f"first layer / last layer: {ratio['sigmoid']:.2g} for the sigmoid net, "
                f"{ratio['relu']:.2g} for the ReLU net")
    feedback = {
        "sigmoid": f"the sigmoid net's ratio is {ratio['sigmoid']:.2g}, not below "
                   f"{VANISHING_RATIO:g}.",
        "relu": f"the ReLU net's ratio is {ratio['relu']:.2g}: with He initialisation its "
                "gradients keep their size through the layers. Look at the other net.",
        "both": f"only one net's ratio is below {VANISHING_RATIO:g}: {measured}.",
        "neither": f"one net's ratio is far below {VANISHING_RATIO:g}: {measured}. Each "
                   "sigmoid layer multiplies the backward signal by sigma' <= 0.25.",
    }
    feedback.pop(truth)
    wrong = [o for o in VANISHING_OPTIONS if o != truth]
    return ChoiceExercise(
        "q7", "Which gradients vanish",
        options=list(VANISHING_OPTIONS), right={truth}, feedback=feedback,
        correct_message=f"{measured}. In the sigmoid net each layer shrinks the gradient "
                        "(sigma' is at most 0.25), so the first layers hardly learn.",
        prompt=f"Which net's gradients vanish, that is, whose first-layer gradient norm is "
               f"less than {VANISHING_RATIO:g} times its last layer's: "
               f"{', '.join(map(repr, VANISHING_OPTIONS))}?",
        hints=["Divide each net's first norm by its last: norms[net][0] / norms[net][-1].",
               "The log-scale plot shows it too: a line that falls steeply towards the "
               "first layers is a vanishing gradient."],
        solution='ratio = {net: n[0] / n[-1] for net, n in norms.items()}\n'
                 'vanishing = [net for net, r in ratio.items() if r < 0.01]\n'
                 'diagnosis = vanishing[0] if len(vanishing) == 1 else '
                 '("both" if vanishing else "neither")',
        answer_name="diagnosis",
        reference=truth,
        wrong_answers=[Wrong(wrong[0], feedback[wrong[0]][:30]),
                       Wrong(wrong[1], feedback[wrong[1]][:30]),
                       Wrong(3, "as a string")],
        right_answers=[Right(truth.capitalize(), "the name capitalised")],
        solution_context=lambda: {"norms": {k: list(v) for k, v in norms.items()}},
    )


#: Example norms for the module's own q7 (its self-tests); the notebook makes its q7
#: from the norms it measures.
EXAMPLE_NORMS = {"sigmoid": [2e-6, 1e-5, 4e-3, 0.3], "relu": [0.2, 0.25, 0.3, 0.4]}

q7 = vanishing_exercise(EXAMPLE_NORMS)


# ---- q8: regularise an overfitting network ---------------------------------------

REG_TRAIN, REG_NOISE = 200, 0.3


def overfitting_data():
    """``(X_train, X_val, y_train, y_val)``: 200 training images of the 8x8 digits, 30 %
    of them with a wrong label (fixed by a seed), and 360 clean validation images."""
    from sklearn.model_selection import train_test_split

    X_train, X_val, y_train, y_val = load_small_digits()
    X_small, _, y_small, _ = train_test_split(X_train, y_train, train_size=REG_TRAIN,
                                              stratify=y_train, random_state=0)
    rng = np.random.default_rng(0)
    flip = rng.random(REG_TRAIN) < REG_NOISE
    y_noisy = np.where(flip, (y_small + rng.integers(1, 10, REG_TRAIN)) % 10, y_small)
    return X_small, X_val, y_noisy, y_val


#: The validation loss must be below (1 - REG_MARGIN) times the unregularised
#: baseline's. Measured (TensorFlow, CPU, seeds 0, 1, 2): the baseline ends at 0.97 to
#: 1.01 (it learns the wrong labels by heart), the reference 0.57 to 0.62, early stopping
#: alone 0.60 to 0.66, L2 and dropout without batch normalisation 0.56 to 0.59: all
#: below the target of 0.73 to 0.76. On JAX the baseline ends lower (0.868 at seed 0)
#: and the reference at 0.62, so a 30% margin failed there; 25% holds on both backends.
REG_MARGIN = 0.25
REG_EPOCHS = 30



def mlp_code(*widths: int) -> str:
    """Notebook code that builds, from ``seed``, a digits MLP with ReLU hidden layers of
    the given widths."""
    hidden = "".join(f'    layers.Dense({w}, activation="relu"),\n' for w in widths)
    return ("keras.utils.set_random_seed(seed)\nmodel = keras.Sequential([\n"
            f"    keras.Input(shape=(64,)),\n{hidden}"
            '    layers.Dense(10, activation="softmax"),\n])')


BASELINE = mlp_code(256, 256) + """
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
              loss="sparse_categorical_crossentropy")
history = model.fit(X_train, y_train, epochs=num_epochs, batch_size=50,
                    validation_data=(X_val, y_val), verbose=0)"""

REGULARIZED = """\
keras.utils.set_random_seed(seed)
l2 = keras.regularizers.L2(1e-3)
model = keras.Sequential([
    keras.Input(shape=(64,)),
    layers.Dense(256, kernel_regularizer=l2),
    layers.BatchNormalization(momentum=0.9),
    layers.Activation("relu"),
    layers.Dropout(0.5),
    layers.Dense(256, kernel_regularizer=l2),
    layers.BatchNormalization(momentum=0.9),
    layers.Activation("relu"),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
              loss="sparse_categorical_crossentropy")
early_stopping = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
history = model.fit(X_train, y_train, epochs=num_epochs, batch_size=50,
                    validation_data=(X_val, y_val), callbacks=[early_stopping],
                    verbose=0)"""

EARLY_STOPPING_ONLY = BASELINE.replace(
    "validation_data=(X_val, y_val), verbose=0)",
    "validation_data=(X_val, y_val), verbose=0,\n"
    "                    callbacks=[keras.callbacks.EarlyStopping(\n"
    "                        patience=5, restore_best_weights=True)])")
UNTRAINED_REG = REGULARIZED.split("model.compile")[0]
WRONG_OUTPUT = UNTRAINED_REG.replace('Dense(10, activation="softmax")',
                                     'Dense(1, activation="sigmoid")')


def validation_loss(model, X, y) -> float:
    """The mean cross-entropy of ``model`` on (X, y), without the L2 penalties (they
    count in training only)."""
    proba = model.predict(X, verbose=0)
    return float(keras.ops.convert_to_numpy(keras.ops.mean(
        keras.losses.sparse_categorical_crossentropy(y, proba))))


class RegularizationExercise(DesignExercise):
    """A trained classifier whose validation loss must beat a baseline's by a margin.

    ``baseline`` is the unregularised model the lab trained; when it is None the
    checker trains ``BASELINE`` itself, from the same seed, on the same images.
    """

    kind = "regularization"

    def __init__(self, name: str, title: str, *, data: tuple, margin: float,
                 num_epochs: int, baseline=None, **kwargs):
        super().__init__(name, title, data=data, target=0.0, data_name="digits", **kwargs)
        self.margin = margin
        self.num_epochs = num_epochs
        self.baseline = baseline

    def context(self) -> dict:
        """The names the lab's cell has: keras, layers, the data, seed, num_epochs."""
        return {**super().context(), "X_val": self.X_test, "y_val": self.y_test,
                "num_epochs": self.num_epochs}

    def baseline_loss(self) -> float:
        baseline = self.baseline if self.baseline is not None else self.recorded(BASELINE)
        return validation_loss(baseline, self.X_test, self.y_test)

    def blank_message(self) -> str:
        return "build, compile and train your regularised model, then run this cell again."

    def grade(self, answer: Any) -> str:
        if not isinstance(answer, keras.Model):
            raise Incorrect(f"expected a trained Keras model, but you passed {fmt(answer)} "
                            f"({type_name(answer)}).")
        if tuple(answer.output_shape) != (None, 10):
            raise Incorrect(f"your model's output has shape {fmt(tuple(answer.output_shape))}"
                            ": it must end with Dense(10, activation=\"softmax\").")
        loss = validation_loss(answer, self.X_test, self.y_test)
        base = self.baseline_loss()
        target = (1 - self.margin) * base
        words = (f"validation loss {approx(loss)}; the unregularised baseline's is "
                 f"{approx(base)}, and the target, {self.margin:.0%} lower, is {approx(target)}")
        if loss <= target:
            return f"{words}. Regularisation pays."
        if not np.isfinite(loss) or loss > 2.0:
            raise Incorrect(f"{words}: the model has hardly learned. Did you compile and "
                            "train it? Is the penalty so strong that the weights cannot grow?")
        raise Incorrect(f"{words}. Combine the techniques: an L2 penalty of about 1e-3 on "
                        "the kernels, BatchNormalization and Dropout(0.5) after each hidden "
                        "Dense layer, and EarlyStopping(restore_best_weights=True) watching "
                        "val_loss.")


def regularization_exercise(baseline=None, seed: int = 0) -> RegularizationExercise:
    """Exercise q8, judged against ``baseline``, the unregularised model the lab trained
    (None: the checker trains it)."""
    return RegularizationExercise(
        "q8", "Regularise an overfitting network",
        data=overfitting_data, margin=REG_MARGIN, num_epochs=REG_EPOCHS,
        baseline=baseline, seed=seed,
        solution=REGULARIZED,
        answer_name="model",
        prompt=f"The baseline network (two hidden layers of 256 ReLU units) learns the "
               f"noisy labels of its {REG_TRAIN} training images by heart. Train a "
               f"regularised version for at most {REG_EPOCHS} epochs, with L2 weight "
               f"penalties, dropout, batch normalisation and early stopping. Its "
               f"validation loss must be at least {REG_MARGIN:.0%} lower than the "
               f"baseline's.",
        hints=[
            "Keep the widths. Add kernel_regularizer=keras.regularizers.L2(1e-3) to the "
            "hidden Dense layers, and after each of them BatchNormalization, the ReLU and "
            "Dropout(0.5).",
            "keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True) in "
            "fit's callbacks stops when val_loss stops improving and keeps the best "
            "weights.",
        ],
        wrong_answers=[
            Wrong(BASELINE, "Combine the techniques"),
            Wrong(UNTRAINED_REG, "hardly learned"),
            Wrong(WRONG_OUTPUT, "must end with Dense(10"),
        ],
        right_answers=[Right(EARLY_STOPPING_ONLY, "early stopping alone keeps the weights "
                                                  "of the epoch before memorising starts")],
    )


q8 = regularization_exercise()


# ---- q9: an optimiser that beats the default SGD within a budget ------------------

#: Epochs the design may train for, and the training loss it must reach. Measured on the
#: 8x8 digits (TensorFlow, CPU, seeds 0, 1, 2; tests/test_lab02.py checks the margins):
#: the default SGD (lr 0.01) ends near 2.1, Adam's defaults near 1.2, SGD(0.1) near 0.7;
#: SGD(0.1, momentum=0.9) 0.09 to 0.15, Adam(0.01) 0.12 to 0.13.
DESIGN_EPOCHS, DESIGN_TARGET, DESIGN_BATCH = 5, 0.3, 64

DESIGN_MODEL = mlp_code(32)

OPTIMIZER_SOLUTION = """\
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.1, decay_steps=num_epochs * steps_per_epoch)
optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True)"""


class OptimizerDesignExercise(Exercise):
    """A Keras optimiser, judged by the training loss it reaches on a fixed model.

    The checker trains ``DESIGN_MODEL`` from the same seed with a fresh copy
    of the student's optimiser (its config) for ``num_epochs`` epochs, and
    compares the training loss with ``target``. Recorded answers are code
    that assigns ``optimizer``.
    """

    kind = "optimizer design"

    def __init__(self, name: str, title: str, *, data: Callable[[], tuple], num_epochs: int,
                 target: float, batch_size: int, seed: int = 0, **kwargs):
        super().__init__(name, title, answer_name="optimizer",
                         solution_context=self.context, **kwargs)
        self._load = data
        self.num_epochs, self.target, self.batch_size = num_epochs, target, batch_size
        self.seed = seed
        self._losses: dict[str, float] = {}

    @functools.cached_property
    def _arrays(self) -> tuple:
        """``(X_train, y_train)``, loaded at the first use, not when the lab is imported."""
        return tuple(np.asarray(a) for a in self._load())

    X_train = property(lambda self: self._arrays[0], doc="The training inputs.")
    y_train = property(lambda self: self._arrays[1], doc="The training labels.")

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.X_train) // self.batch_size)

    def context(self) -> dict:
        """The names the lab's cell has."""
        return {**_keras_names(), "num_epochs": self.num_epochs,
                "steps_per_epoch": self.steps_per_epoch}

    def recorded(self, answer: Any) -> Any:
        if not isinstance(answer, str):
            return answer
        namespace = self.context()
        exec(compile(answer, f"<{self.name} design>", "exec"), namespace)
        return namespace["optimizer"]

    def reference_answer(self) -> Any:
        return self.recorded(self.solution_text())

    def blank_message(self) -> str:
        return "create your optimizer in place of the ..., then run this cell again."

    def final_loss(self, optimizer) -> float:
        """The training loss of the fixed model after the budget, with a fresh copy of
        ``optimizer`` (cached by its config)."""
        config = keras.optimizers.serialize(optimizer)
        settings = {k: v for k, v in config["config"].items() if k != "name"}
        key = json.dumps([config["class_name"], settings], sort_keys=True, default=str)
        if key not in self._losses:
            namespace = self.context() | {"seed": self.seed}
            exec(DESIGN_MODEL, namespace)
            model = namespace["model"]
            model.compile(optimizer=keras.optimizers.deserialize(config),
                          loss="sparse_categorical_crossentropy")
            model.fit(self.X_train, self.y_train, epochs=self.num_epochs,
                      batch_size=self.batch_size, verbose=0)
            self._losses[key] = float(model.evaluate(self.X_train, self.y_train, verbose=0))
        return self._losses[key]

    def grade(self, answer: Any) -> str:
        if not isinstance(answer, keras.optimizers.Optimizer):
            raise Incorrect(f"expected a Keras optimizer such as keras.optimizers.SGD(...), "
                            f"but you passed {fmt(answer)} ({type_name(answer)}).")
        loss = self.final_loss(answer)
        words = (f"training loss {approx(loss)} after {self.num_epochs} epochs "
                 f"(target {self.target:g})")
        if loss <= self.target:
            return f"{words}: your optimiser beats the budget."
        name = type(answer).__name__
        if not np.isfinite(loss) or loss > 2.25:
            raise Incorrect(f"{words}: the loss is stuck at chance level (ln 10 = 2.30) or "
                            "diverged. If the learning rate is large (1 or more), the first "
                            "steps blew the weights up: lower it. If it is tiny, raise it.")
        config = answer.get_config()
        if name == "SGD" and not config.get("momentum"):
            raise Incorrect(f"{words}. Plain SGD takes small, noisy steps: add "
                            "momentum=0.9 (nesterov=True for the look-ahead), and a larger "
                            "learning rate, 0.05 to 0.1.")
        raise Incorrect(f"{words}. Try a larger learning rate (Adam or RMSprop at 1e-2, "
                        "SGD with momentum 0.9 at 0.1), perhaps with a schedule that "
                        "decays it towards the end (CosineDecay).")


def _design_data() -> tuple:
    X_train, _, y_train, _ = load_small_digits()
    return X_train, y_train


q9 = OptimizerDesignExercise(
    "q9", "Beat the default SGD within the budget",
    data=_design_data, num_epochs=DESIGN_EPOCHS, target=DESIGN_TARGET,
    batch_size=DESIGN_BATCH,
    solution=OPTIMIZER_SOLUTION,
    prompt=f"The checker trains a small digits classifier (one hidden layer of 32 ReLU "
           f"units) for {DESIGN_EPOCHS} epochs of batches of {DESIGN_BATCH} with your "
           f"optimiser. Choose the optimiser, its learning rate and a schedule so that the "
           f"training loss ends at most {DESIGN_TARGET:g}; the default "
           f"keras.optimizers.SGD() ends near 2.",
    hints=[
        "Watch the race of Part 3: which optimisers fell fastest, and would a larger "
        "learning rate help the slow ones?",
        "SGD with momentum 0.9 and learning rate 0.1, or Adam with 0.01. A schedule "
        "such as keras.optimizers.schedules.CosineDecay(0.1, decay_steps=num_epochs * "
        "steps_per_epoch) lowers the rate as training ends.",
    ],
    wrong_answers=[
        Wrong("optimizer = keras.optimizers.SGD()", "add momentum=0.9"),
        Wrong("optimizer = keras.optimizers.SGD(learning_rate=5.0)", "chance level"),
        Wrong("optimizer = keras.optimizers.Adam()", "Try a larger learning rate"),
        Wrong("optimizer = 0.1", "expected a Keras optimizer"),
    ],
    right_answers=[
        Right("optimizer = keras.optimizers.Adam(learning_rate=0.01)",
              "Adam with a learning rate ten times its default"),
    ],
)

EXERCISES = [q1, q2, q3, q4, q5, q6, q7, q8, q9]
