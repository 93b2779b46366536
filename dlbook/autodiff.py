"""Automatic differentiation with whichever Keras backend is active.

The chapters cross-check their hand-derived gradients with autodiff. Written
with ``keras.ops``, a function runs on TensorFlow, JAX and PyTorch alike;
:func:`gradients` differentiates it with the active backend's own machinery
(``tf.GradientTape``, ``jax.grad`` or ``torch.autograd``) and returns NumPy
arrays::

    from dlbook.autodiff import gradients
    from keras import ops

    def loss(W):
        return 0.5 * ops.sum((t - ops.sigmoid(x @ W)) ** 2)

    (dW,) = gradients(loss, W)

The arguments are converted to tensors of ``dtype`` (float64 by default, so
that a check against NumPy can ask for 1e-12; ``dlbook.setup()`` enables
float64 on JAX). One exception, measured with Keras 3.15.1: on the JAX
backend ``keras.ops.tanh`` returns float32 for a float64 input (``sigmoid``
and ``exp`` keep float64), so a function that calls it is only as exact as
float32 there (about 1e-8 a call): bound such a check at 1e-5, not 1e-12.
Likewise the gradient of ``keras.ops.mean`` is only float32-exact on JAX
(about 3e-9 off for a float64 input): divide ``ops.sum`` by the count instead.
"""

from __future__ import annotations

from typing import Callable, Sequence

__all__ = ["gradients", "value_and_gradients"]


def value_and_gradients(f: Callable, *args, dtype: str = "float64"):
    """``(f(*args), [df/darg for each arg])`` for a scalar ``f``, as NumPy."""
    import keras
    from keras import ops

    if not args:
        raise TypeError("gradients() needs at least one argument to differentiate by")
    tensors = [ops.convert_to_tensor(a, dtype=dtype) for a in args]
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            value = f(*tensors)
        grads = tape.gradient(value, tensors)
    elif backend == "jax":
        import jax

        value, grads = jax.value_and_grad(f, argnums=tuple(range(len(tensors))))(*tensors)
    elif backend == "torch":
        import torch

        tensors = [t.detach().requires_grad_(True) for t in tensors]
        value = f(*tensors)
        grads = torch.autograd.grad(value, tensors)
    else:  # pragma: no cover - numpy and openvino backends have no autodiff
        raise RuntimeError(f"the Keras backend {backend!r} cannot differentiate; "
                           "use tensorflow, jax or torch")
    to_np = ops.convert_to_numpy
    return float(to_np(value)), [to_np(g) for g in _sequence(grads)]


def gradients(f: Callable, *args, dtype: str = "float64") -> list:
    """The gradients of a scalar ``f`` with respect to each argument, as NumPy arrays."""
    return value_and_gradients(f, *args, dtype=dtype)[1]


def _sequence(grads) -> Sequence:
    return list(grads) if isinstance(grads, (list, tuple)) else [grads]
