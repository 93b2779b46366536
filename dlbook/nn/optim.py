"""Gradient-descent update rules, one step at a time, in NumPy.

Derived in the Unit 2 chapter (``chapters/02_training_deep_networks``),
sections "Gradient descent by hand" (label ``ch2-gradient-descent``),
"Momentum" (``ch2-momentum``) and "Nesterov's accelerated gradient"
(``ch2-nesterov``). Each step takes the current weights ``w`` (a number or
an array), the gradient function ``grad`` (``grad(w)`` is ``dL/dw`` at
``w``), and the optimiser's state, and returns the new weights and state, so
that a loop can record every iterate. :func:`descend` runs such a loop.

The rules, with learning rate ``eta`` and momentum ``mu``:

* gradient descent: ``w <- w - eta * grad(w)``;
* classical momentum (Polyak's heavy ball, Keras ``SGD(momentum=mu)``):
  ``v <- mu * v - eta * grad(w)``, then ``w <- w + v``;
* Nesterov, look-ahead form (Sutskever et al. 2013):
  ``v <- mu * v - eta * grad(w + mu * v)``, then ``w <- w + v``;
* Nesterov as Keras writes it (``SGD(momentum=mu, nesterov=True)``): the
  gradient is taken at the stored weights, which are the look-ahead point
  ``w + mu * v`` of the form above: ``v <- mu * v - eta * grad(w)``, then
  ``w <- w + mu * v - eta * grad(w)``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["gd_step", "momentum_step", "nesterov_step", "nesterov_keras_step", "descend"]

Grad = Callable[[np.ndarray], np.ndarray]


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


_RULES = {
    "gd": None,
    "momentum": momentum_step,
    "nesterov": nesterov_step,
    "nesterov_keras": nesterov_keras_step,
}


def descend(w0, grad: Grad, eta: float, steps: int, rule: str = "gd", mu: float = 0.9):
    """The iterates ``[w0, w1, ..., w_steps]`` of one update rule, as an array.

    ``rule`` is ``"gd"``, ``"momentum"``, ``"nesterov"`` or
    ``"nesterov_keras"``; the velocity starts at zero.
    """
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {sorted(_RULES)}, not {rule!r}")
    w = np.asarray(w0, dtype=float)
    v = np.zeros_like(w)
    path = [w]
    for _ in range(steps):
        if rule == "gd":
            w = gd_step(w, grad, eta)
        else:
            w, v = _RULES[rule](w, v, grad, eta, mu)
        path.append(w)
    return np.array(path)
