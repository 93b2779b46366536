"""Train a GAN with whichever Keras backend is active (TensorFlow or JAX).

A GAN has two networks and two optimizers, which ``Model.fit`` does not
serve, and the classic Keras 2 recipe (compile the discriminator, set
``trainable = False``, compile the generator-plus-discriminator stack) does
not do what it says in Keras 3: a model gathers its trainable variables when
it builds its training function, so the flag's timing decides what trains.
:func:`train_gan` instead runs one compiled step per batch, as ``fit`` does:
a ``tf.function`` with two ``GradientTape`` s on TensorFlow, and a
``jax.jit`` of ``stateless_call`` and ``stateless_apply`` on JAX (the same
dispatch as :mod:`dlbook.autodiff`). Each step

1. updates the discriminator on a batch of data and a batch of fakes, with
   ``d_loss(real_logits, fake_logits)``, the generator held fixed;
2. updates the generator on fresh noise with ``g_loss(fake_logits)``, the
   discriminator held fixed.

The losses take LOGITS (the discriminator's last layer is linear) and are
written with ``keras.ops``, so a notebook passes its own; the defaults are
:func:`d_loss_bce` and the non-saturating :func:`g_loss_nonsaturating`.
Noise and batches are drawn with NumPy from ``seed``, so a run is the same
each time on one backend.

A conditional GAN passes ``labels``: the generator is called on
``[z, labels]`` and the discriminator on ``[x, labels]``; the fakes of a
step carry the labels of that step's real batch.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

__all__ = ["d_loss_bce", "g_loss_nonsaturating", "g_loss_saturating", "train_gan",
           "generate"]


def d_loss_bce(real_logits, fake_logits):
    """The discriminator's loss, ``-mean(log D(x)) - mean(log(1 - D(G(z))))``,
    from logits: ``softplus(-real) + softplus(fake)`` averaged."""
    from keras import ops

    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def g_loss_nonsaturating(fake_logits):
    """The non-saturating generator loss ``-mean(log D(G(z)))`` from logits."""
    from keras import ops

    return ops.mean(ops.softplus(-fake_logits))


def g_loss_saturating(fake_logits):
    """The minimax generator loss ``mean(log(1 - D(G(z))))`` from logits: it is
    minimised, and ``log(1 - sigmoid(t)) = -softplus(t)``."""
    from keras import ops

    return -ops.mean(ops.softplus(fake_logits))


def _inputs(x, labels):
    return x if labels is None else [x, labels]


def generate(generator, n: int, latent_dim: int | None = None, seed=0, labels=None) -> np.ndarray:
    """``n`` samples of ``generator`` (NumPy) on standard normal noise drawn from
    ``seed``; ``labels`` (length ``n``) for a conditional generator."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    latent_dim = latent_dim or _latent_dim(generator)
    z = rng.standard_normal((int(n), latent_dim)).astype("float32")
    lab = None if labels is None else np.asarray(labels)
    from keras import ops

    return ops.convert_to_numpy(generator(_inputs(z, lab), training=False))


def _latent_dim(generator) -> int:
    shape = generator.inputs[0].shape if getattr(generator, "inputs", None) else None
    if shape is None or shape[-1] is None:
        raise ValueError("pass latent_dim: the generator's input size is not known")
    return int(shape[-1])


def train_gan(generator, discriminator, data, steps: int, *, batch_size: int = 64,
              latent_dim: int | None = None, d_optimizer=None, g_optimizer=None,
              d_loss: Callable = d_loss_bce, g_loss: Callable = g_loss_nonsaturating,
              labels=None, seed=0, callback: Callable | None = None,
              every: int | None = None) -> dict:
    """Train ``generator`` and ``discriminator`` for ``steps`` alternating steps.

    ``data`` is an array of real examples (first axis: examples); batches of
    ``batch_size`` are drawn at random from it. The optimizers default to
    ``Adam(1e-3)`` each. ``callback(step, history)`` is called every ``every``
    steps (the weights are in the models then) and at the end.

    Returns the history: ``{"d_loss": array, "g_loss": array, "seconds": float}``,
    the losses of every step (NumPy, float) and the wall time.
    """
    import keras

    backend = keras.backend.backend()
    x_all = np.asarray(data, dtype="float32")
    lab_all = None if labels is None else np.asarray(labels)
    if lab_all is not None and len(lab_all) != len(x_all):
        raise ValueError("labels must have one entry per example of data")
    latent_dim = latent_dim or _latent_dim(generator)
    d_opt = d_optimizer if d_optimizer is not None else keras.optimizers.Adam(1e-3)
    g_opt = g_optimizer if g_optimizer is not None else keras.optimizers.Adam(1e-3)
    if d_opt is g_opt:
        raise ValueError("the discriminator and the generator need one optimizer each")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = len(x_all)
    batch = min(int(batch_size), n)

    def draws():
        idx = rng.integers(0, n, size=batch)
        z1 = rng.standard_normal((batch, latent_dim)).astype("float32")
        z2 = rng.standard_normal((batch, latent_dim)).astype("float32")
        lab = None if lab_all is None else lab_all[idx]
        return x_all[idx], z1, z2, lab

    if backend == "tensorflow":
        step_fn, finish = _tf_step(generator, discriminator, d_opt, g_opt, d_loss, g_loss,
                                   lab_all is not None)
    elif backend == "jax":
        step_fn, finish = _jax_step(generator, discriminator, d_opt, g_opt, d_loss, g_loss,
                                    lab_all is not None)
    else:  # pragma: no cover
        raise RuntimeError(f"train_gan runs on tensorflow or jax, not {backend!r}")

    d_hist = np.empty(int(steps))
    g_hist = np.empty(int(steps))
    history = {"d_loss": d_hist, "g_loss": g_hist, "seconds": 0.0}
    start = time.perf_counter()
    pending = []
    for i in range(int(steps)):
        x, z1, z2, lab = draws()
        pending.append(step_fn(x, z1, z2, lab))
        last = i + 1 == int(steps)
        if last or (every and (i + 1) % every == 0) or len(pending) >= 200:
            base = i + 1 - len(pending)
            for j, (dl, gl) in enumerate(pending):
                d_hist[base + j] = float(dl)
                g_hist[base + j] = float(gl)
            pending = []
        if callback is not None and (last or (every and (i + 1) % every == 0)):
            finish()
            history["seconds"] = time.perf_counter() - start
            callback(i + 1, history)
    finish()
    history["seconds"] = time.perf_counter() - start
    return history


def _tf_step(G, D, d_opt, g_opt, d_loss, g_loss, conditional):
    import tensorflow as tf

    d_opt.build(D.trainable_variables)
    g_opt.build(G.trainable_variables)

    def step(x, z1, z2, lab):
        fake = G(_inputs(z1, lab), training=True)
        with tf.GradientTape() as tape:
            real_logits = D(_inputs(x, lab), training=True)
            fake_logits = D(_inputs(tf.stop_gradient(fake), lab), training=True)
            dl = d_loss(real_logits, fake_logits)
        grads = tape.gradient(dl, D.trainable_variables)
        d_opt.apply_gradients(zip(grads, D.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logits = D(_inputs(G(_inputs(z2, lab), training=True), lab), training=True)
            gl = g_loss(fake_logits)
        grads = tape.gradient(gl, G.trainable_variables)
        g_opt.apply_gradients(zip(grads, G.trainable_variables))
        return dl, gl

    if conditional:
        compiled = tf.function(step, reduce_retracing=True)
        run = lambda x, z1, z2, lab: compiled(x, z1, z2, lab)  # noqa: E731
    else:
        compiled = tf.function(lambda x, z1, z2: step(x, z1, z2, None), reduce_retracing=True)
        run = lambda x, z1, z2, lab: compiled(x, z1, z2)  # noqa: E731
    return run, (lambda: None)


def _jax_step(G, D, d_opt, g_opt, d_loss, g_loss, conditional):
    import jax

    d_opt.build(D.trainable_variables)
    g_opt.build(G.trainable_variables)
    values = lambda vs: [v.value for v in vs]  # noqa: E731
    state = [values(G.trainable_variables), values(G.non_trainable_variables),
             values(D.trainable_variables), values(D.non_trainable_variables),
             values(g_opt.variables), values(d_opt.variables)]

    def step(state, x, z1, z2, lab):
        g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
        fake, g_ntv = G.stateless_call(g_tv, g_ntv, _inputs(z1, lab), training=True)
        fake = jax.lax.stop_gradient(fake)

        def d_objective(d_tv):
            real_logits, ntv = D.stateless_call(d_tv, d_ntv, _inputs(x, lab), training=True)
            fake_logits, ntv = D.stateless_call(d_tv, ntv, _inputs(fake, lab), training=True)
            return d_loss(real_logits, fake_logits), ntv

        (dl, d_ntv), grads = jax.value_and_grad(d_objective, has_aux=True)(d_tv)
        d_tv, d_ov = d_opt.stateless_apply(d_ov, grads, d_tv)

        def g_objective(g_tv):
            fake, ntv = G.stateless_call(g_tv, g_ntv, _inputs(z2, lab), training=True)
            logits, _ = D.stateless_call(d_tv, d_ntv, _inputs(fake, lab), training=True)
            return g_loss(logits), ntv

        (gl, g_ntv), grads = jax.value_and_grad(g_objective, has_aux=True)(g_tv)
        g_tv, g_ov = g_opt.stateless_apply(g_ov, grads, g_tv)
        return [g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov], (dl, gl)

    compiled = jax.jit(step)

    def run(x, z1, z2, lab):
        state[:], losses = compiled(state, x, z1, z2, lab)
        return losses

    def finish():
        for variables, vals in zip(
                (G.trainable_variables, G.non_trainable_variables, D.trainable_variables,
                 D.non_trainable_variables, g_opt.variables, d_opt.variables), state):
            for v, val in zip(variables, vals):
                v.assign(val)

    return run, finish
