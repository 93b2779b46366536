"""Gradient-descent update rules, one step at a time, in NumPy.

Derived in the Unit 2 chapter (``chapters/02_training_deep_networks``),
sections "Gradient descent by hand" (label ``ch2-gradient-descent``),
"Momentum" (``ch2-momentum``), "Nesterov's accelerated gradient"
(``ch2-nesterov``) and "Adaptive learning rates" (``ch2-adaptive``). Each
step takes the current weights ``w`` (a number or an array), the gradient
function ``grad`` (``grad(w)`` is ``dL/dw`` at ``w``), and the optimiser's
state, and returns the new weights and state, so that a loop can record every
iterate. :func:`descend` runs such a loop; :func:`keras_iterates` runs a
``keras.optimizers`` optimizer on the same problem, for the cross-checks.

The rules, with learning rate ``eta`` and momentum ``mu``:

* gradient descent: ``w <- w - eta * grad(w)``;
* classical momentum (Polyak's heavy ball, Keras ``SGD(momentum=mu)``):
  ``v <- mu * v - eta * grad(w)``, then ``w <- w + v``;
* Nesterov, look-ahead form (Sutskever et al. 2013):
  ``v <- mu * v - eta * grad(w + mu * v)``, then ``w <- w + v``;
* Nesterov as Keras writes it (``SGD(momentum=mu, nesterov=True)``): the
  gradient is taken at the stored weights, which are the look-ahead point
  ``w + mu * v`` of the form above: ``v <- mu * v - eta * grad(w)``, then
  ``w <- w + mu * v - eta * grad(w)``;
* Nesterov's original convex form (Nesterov 1983, as in Bubeck's lecture
  notes): :func:`nag_lambdas` and :func:`nag_convex`;
* AdaGrad (Duchi et al. 2011, Keras ``Adagrad``): ``a <- a + g**2``, then
  ``w <- w - eta * g / sqrt(a + eps)``; Keras starts ``a`` at
  ``initial_accumulator_value = 0.1``;
* RMSprop (Hinton 2012, Keras ``RMSprop``): ``s <- rho * s + (1 - rho) * g**2``,
  then ``w <- w - eta * g / sqrt(s + eps)`` (``eps`` inside the root, as Keras);
* Adam (Kingma and Ba 2015, Keras ``Adam``): ``m <- b1 * m + (1 - b1) * g``,
  ``v <- b2 * v + (1 - b2) * g**2``, then at step ``t = 1, 2, ...``
  ``w <- w - eta * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)``:
  the bias corrections are folded into the step size and ``eps`` is added
  to the uncorrected root, as Keras and the paper's "efficient version" do.

``g`` is ``grad(w)``. The defaults of the adaptive rules are Keras's.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "gd_step", "momentum_step", "nesterov_step", "nesterov_keras_step",
    "adagrad_step", "rmsprop_step", "adam_step", "descend", "keras_iterates",
    "nag_lambdas", "nag_convex",
]

Grad = Callable[[np.ndarray], np.ndarray]

EPSILON = 1e-7  # keras.config.epsilon(), the default of Keras's adaptive optimizers


def gd_step(w, grad: Grad, eta: float):
    """One step of plain gradient descent: ``w - eta * grad(w)``."""
    return w - eta * grad(w)


def momentum_step(w, v, grad: Grad, eta: float, mu: float):
    """One step of classical momentum; returns ``(w_new, v_new)``."""
    v = mu * v - eta * grad(w)
    return w + v, v


def nesterov_step(w, v, grad: Grad, eta: float, mu: float):
    """One step of Nesterov's look-ahead form; returns ``(w_new, v_new)``."""
    v = mu * v - eta * grad(w + mu * v)
    return w + v, v


def nesterov_keras_step(w, v, grad: Grad, eta: float, mu: float):
    """One step of Nesterov as ``keras.optimizers.SGD(nesterov=True)`` computes it."""
    g = grad(w)
    v = mu * v - eta * g
    return w + mu * v - eta * g, v


def adagrad_step(w, acc, grad: Grad, eta: float, eps: float = EPSILON):
    """One AdaGrad step; ``acc`` is the running sum of squared gradients.

    Returns ``(w_new, acc_new)``.
    """
    g = grad(w)
    acc = acc + g ** 2
    return w - eta * g / np.sqrt(acc + eps), acc


def rmsprop_step(w, s, grad: Grad, eta: float, rho: float = 0.9, eps: float = EPSILON):
    """One RMSprop step; ``s`` is the moving average of squared gradients.

    Returns ``(w_new, s_new)``.
    """
    g = grad(w)
    s = rho * s + (1 - rho) * g ** 2
    return w - eta * g / np.sqrt(s + eps), s


def adam_step(w, m, v, t: int, grad: Grad, eta: float, beta_1: float = 0.9,
              beta_2: float = 0.999, eps: float = EPSILON):
    """Adam's step number ``t`` (1, 2, ...); returns ``(w_new, m_new, v_new)``."""
    if t < 1:
        raise ValueError(f"Adam counts its steps from t = 1, not {t}")
    g = grad(w)
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g ** 2
    alpha = eta * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return w - alpha * m / (np.sqrt(v) + eps), m, v


_MOMENTUM_RULES = {
    "momentum": momentum_step,
    "nesterov": nesterov_step,
    "nesterov_keras": nesterov_keras_step,
}
RULES = ("gd", *_MOMENTUM_RULES, "adagrad", "rmsprop", "adam")


def descend(w0, grad: Grad, eta: float, steps: int, rule: str = "gd", mu: float = 0.9,
            **options):
    """The iterates ``[w0, w1, ..., w_steps]`` of one update rule, as an array.

    ``rule`` is one of :data:`RULES`: ``"gd"``, ``"momentum"``, ``"nesterov"``,
    ``"nesterov_keras"`` (these start with zero velocity and use ``mu``),
    ``"adagrad"`` (``initial_accumulator_value``, default 0.1 as in Keras;
    ``eps``), ``"rmsprop"`` (``rho``, ``eps``) or ``"adam"`` (``beta_1``,
    ``beta_2``, ``eps``).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; not {rule!r}")
    allowed = {"adagrad": {"initial_accumulator_value", "eps"},
               "rmsprop": {"rho", "eps"},
               "adam": {"beta_1", "beta_2", "eps"}}.get(rule, set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"rule {rule!r} takes no option {', '.join(unknown)}"
                         + (f" (it takes {', '.join(sorted(allowed))})" if allowed else ""))
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be a whole number >= 0, not {steps!r}")
    w = np.asarray(w0, dtype=float)
    path = [w]
    if rule == "adagrad":
        options = dict(options)
        state = np.full_like(w, options.pop("initial_accumulator_value", 0.1))
    else:
        state = np.zeros_like(w)
    second = np.zeros_like(w)  # Adam's second moment
    for t in range(1, steps + 1):
        if rule == "gd":
            w = gd_step(w, grad, eta)
        elif rule == "adagrad":
            w, state = adagrad_step(w, state, grad, eta, **options)
        elif rule == "rmsprop":
            w, state = rmsprop_step(w, state, grad, eta, **options)
        elif rule == "adam":
            w, state, second = adam_step(w, state, second, t, grad, eta, **options)
        else:
            w, state = _MOMENTUM_RULES[rule](w, state, grad, eta, mu)
        path.append(w)
    return np.array(path)


def keras_iterates(optimizer, w0, grad: Grad, steps: int, dtype: str = "float64"):
    """The iterates of a ``keras.optimizers`` optimizer on the gradient ``grad``.

    The weights live in a ``keras.Variable`` (of ``dtype``) that the optimizer
    updates in place with ``optimizer.apply``; ``grad`` is the same NumPy
    function :func:`descend` takes. Backend-neutral (TensorFlow, JAX, torch).
    """
    import keras
    from keras import ops

    w = keras.Variable(np.asarray(w0, dtype=dtype), dtype=dtype)
    path = [ops.convert_to_numpy(w)]
    for _ in range(steps):
        g = np.asarray(grad(path[-1]), dtype=dtype)
        optimizer.apply([ops.convert_to_tensor(g, dtype=dtype)], [w])
        path.append(ops.convert_to_numpy(w))
    return np.array(path, dtype=float)


def nag_lambdas(n: int) -> np.ndarray:
    """``[lambda_0, ..., lambda_n]`` with ``lambda_0 = 0`` and
    ``lambda_s = (1 + sqrt(1 + 4 lambda_{s-1}**2)) / 2``."""
    lam = [0.0]
    for _ in range(n):
        lam.append((1 + np.sqrt(1 + 4 * lam[-1] ** 2)) / 2)
    return np.array(lam)


def nag_convex(x1, grad: Grad, beta: float, steps: int):
    """Nesterov's accelerated gradient in its convex form, from ``x_1 = y_1``.

    ``y_{s+1} = x_s - grad(x_s) / beta`` and
    ``x_{s+1} = (1 - gamma_s) y_{s+1} + gamma_s y_s`` with
    ``gamma_s = (1 - lambda_s) / lambda_{s+1}``. Returns the arrays
    ``(x, y)`` of shape ``(steps + 1, ...)``; row ``i`` holds ``x_{i+1}``
    and ``y_{i+1}``, so ``y[t - 1]`` is the theorem's ``y_t``.
    """
    lam = nag_lambdas(steps + 1)
    x = [np.asarray(x1, dtype=float)]
    y = [x[0]]
    for s in range(1, steps + 1):
        gamma = (1 - lam[s]) / lam[s + 1]
        y_next = x[-1] - grad(x[-1]) / beta
        x.append((1 - gamma) * y_next + gamma * y[-1])
        y.append(y_next)
    return np.array(x), np.array(y)
