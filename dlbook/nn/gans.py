"""Generative adversarial networks in NumPy: the value of the game, the optimal
discriminator, the two generator losses and a small GAN trained by hand.

Written for the Unit 6 chapter (generative adversarial networks,
``chapters/06_gans``); each function names the section that derives it.
Probabilities are the discriminator's outputs ``D(x)`` in (0, 1); a *logit*
is the number before its sigmoid, ``D(x) = sigmoid(logit)``, which is what
the losses take, as Keras's ``from_logits=True`` does.

* ``ch6-generative``: :func:`gaussian_pdf`;
* ``ch6-gan-game``: :func:`value_function`, :func:`optimal_discriminator`,
  :func:`kl_divergence`, :func:`js_divergence` (by quadrature on a grid) and
  :func:`optimal_value`, the value ``V(D*, G) = -log 4 + 2 JS``;
* ``ch6-training``: :func:`discriminator_loss` and :func:`generator_loss`
  (``"saturating"`` or ``"non-saturating"``), each with its gradient with
  respect to the logits; :func:`init_mlp`, :func:`mlp_forward`,
  :func:`mlp_backward` (a small tanh or leaky-ReLU network and its
  backpropagation) and :func:`train_gan`, alternating updates with Adam;
* ``ch6-failures``: :func:`train_gan`'s ``loss``, ``k``, learning rates and
  ``real_label`` (one-sided label smoothing) are the remedies the chapter
  compares.
"""

from __future__ import annotations

import contextlib

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = [
    "gaussian_pdf", "value_function", "optimal_discriminator",
    "kl_divergence", "js_divergence", "optimal_value",
    "softplus", "discriminator_loss", "generator_loss",
    "init_mlp", "mlp_forward", "mlp_backward", "train_gan",
]

LOG4 = float(np.log(4.0))


# ---------------------------------------------------------------- ch6-generative
def gaussian_pdf(x, mean=0.0, std=1.0):
    """The density of N(mean, std**2) at ``x`` (element-wise)."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


# ---------------------------------------------------------------- ch6-gan-game
def value_function(d_real, d_fake) -> float:
    """``V(D, G) = mean log D(x) + mean log(1 - D(G(z)))`` from D's probabilities.

    ``d_real`` holds ``D(x)`` on samples of the data, ``d_fake`` holds
    ``D(G(z))`` on generated samples; the means estimate the two expectations.
    D maximises V, G minimises it.
    """
    d_real = np.asarray(d_real, dtype=float)
    d_fake = np.asarray(d_fake, dtype=float)
    return float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))


def optimal_discriminator(p_data, p_g):
    """``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, the best D for a fixed G.

    Where both densities are zero D* is undefined; it is returned as 1/2 there.
    """
    p_data = np.asarray(p_data, dtype=float)
    p_g = np.asarray(p_g, dtype=float)
    total = p_data + p_g
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, p_data / safe, 0.5)


def _trapezoid(f, x) -> float:
    f, x = np.asarray(f, dtype=float), np.asarray(x, dtype=float)
    return float(np.sum((f[1:] + f[:-1]) * np.diff(x)) / 2)


def kl_divergence(p, q, x) -> float:
    """``KL(p || q) = integral p log(p/q)``, by the trapezoid rule on the grid ``x``.

    ``p`` and ``q`` are densities evaluated on ``x``; terms with ``p = 0`` count 0.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    ratio = np.where(p > 0, p / np.where(q > 0, q, 1.0), 1.0)
    integrand = np.where(p > 0, p * np.log(ratio), 0.0)
    return _trapezoid(integrand, x)


def js_divergence(p, q, x) -> float:
    """``JS(p || q) = KL(p || m)/2 + KL(q || m)/2`` with ``m = (p + q)/2``, in nats.

    Between 0 (p = q) and log 2 (no overlap).
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, x) + 0.5 * kl_divergence(q, m, x)


def optimal_value(p_data, p_g, x) -> float:
    """``V(D*, G)`` by quadrature: the integral of
    ``p_data log D* + p_g log(1 - D*)`` over the grid ``x``.

    Equal to ``-log 4 + 2 JS(p_data || p_g)``, the identity the chapter checks.
    """
    p_data, p_g = np.asarray(p_data, dtype=float), np.asarray(p_g, dtype=float)
    total = p_data + p_g
    log_total = np.log(np.where(total > 0, total, 1.0))
    # log D* = log p_data - log(p_data + p_g), log(1 - D*) = log p_g - log(p_data + p_g),
    # written so that 1 - D* never rounds to 0 where p_g is tiny but positive
    a = np.where(p_data > 0, p_data * (np.log(np.where(p_data > 0, p_data, 1.0)) - log_total), 0.0)
    b = np.where(p_g > 0, p_g * (np.log(np.where(p_g > 0, p_g, 1.0)) - log_total), 0.0)
    return _trapezoid(a + b, x)


# ---------------------------------------------------------------- ch6-training: losses
def softplus(t):
    """``log(1 + e^t)``, computed without overflow; ``-log sigmoid(t) = softplus(-t)``."""
    t = np.asarray(t, dtype=float)
    return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))


def discriminator_loss(real_logits, fake_logits, real_label: float = 1.0):
    """D's loss and its gradients with respect to the logits.

    The binary cross-entropy of the real samples against ``real_label`` plus
    that of the generated ones against 0, each a mean over its batch, as
    Keras's ``BinaryCrossentropy(from_logits=True)`` computes them. With
    ``real_label = 1`` it is ``-V(D, G)``: minimising it is D's gradient
    *ascent* on V. At ``D = 1/2`` everywhere it is ``2 log 2``.
    ``real_label < 1`` is one-sided label smoothing (Salimans et al., 2016).

    Returns ``(loss, d_loss/d_real_logits, d_loss/d_fake_logits)``.
    """
    lr_, lf = np.asarray(real_logits, dtype=float), np.asarray(fake_logits, dtype=float)
    t = real_label
    # BCE(t, sigmoid(l)) = t softplus(-l) + (1 - t) softplus(l)
    loss = float(np.mean(t * softplus(-lr_) + (1 - t) * softplus(lr_)) + np.mean(softplus(lf)))
    g_real = (sigmoid(lr_) - t) / lr_.size
    g_fake = sigmoid(lf) / lf.size
    return loss, g_real, g_fake


def generator_loss(fake_logits, kind: str = "non-saturating"):
    """G's loss and its gradient with respect to the logits ``D``'s gives G's samples.

    * ``"saturating"``: ``mean log(1 - D(G(z))) = -mean softplus(logit)``, the
      term of ``V`` that G minimises; its gradient ``-sigmoid(logit)/n``
      vanishes when D rejects the samples (``D(G(z))`` near 0).
    * ``"non-saturating"``: ``-mean log D(G(z)) = mean softplus(-logit)``
      (Goodfellow et al., 2014); its gradient ``(sigmoid(logit) - 1)/n`` is
      near ``-1/n`` there. At ``D = 1/2`` it is ``log 2``.

    Returns ``(loss, d_loss/d_logits)``.
    """
    lf = np.asarray(fake_logits, dtype=float)
    if kind == "saturating":
        return float(-np.mean(softplus(lf))), -sigmoid(lf) / lf.size
    if kind == "non-saturating":
        return float(np.mean(softplus(-lf))), (sigmoid(lf) - 1) / lf.size
    raise ValueError(f"kind must be 'saturating' or 'non-saturating', not {kind!r}")


# ---------------------------------------------------------------- ch6-training: networks
def init_mlp(sizes, rng, scale: float | None = None) -> list:
    """Weights ``[(W1, b1), (W2, b2), ...]`` of a dense network with layer ``sizes``.

    ``W`` has shape ``(n_in, n_out)`` as in Keras; by default its entries are
    normal with standard deviation ``1/sqrt(n_in)``, biases zero.
    """
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = scale if scale is not None else 1.0 / np.sqrt(n_in)
        params.append((rng.normal(scale=std, size=(n_in, n_out)), np.zeros(n_out)))
    return params


def _act(z, act):
    if act == "tanh":
        return np.tanh(z)
    if act == "leaky_relu":
        return np.where(z > 0, z, 0.2 * z)
    raise ValueError(f"act must be 'tanh' or 'leaky_relu', not {act!r}")


def _act_grad(z, a, act):
    if act == "tanh":
        return 1 - a ** 2
    return np.where(z > 0, 1.0, 0.2)


def mlp_forward(params, X, act: str = "tanh"):
    """The output of the network (linear last layer) and a cache for the backward pass."""
    cache = [np.asarray(X, dtype=float)]
    a = cache[0]
    for i, (W, b) in enumerate(params):
        z = a @ W + b
        if i < len(params) - 1:
            a = _act(z, act)
            cache += [z, a]
        else:
            a = z
    return a, cache


def mlp_backward(params, cache, d_out, act: str = "tanh"):
    """Backpropagation: ``([(dW1, db1), ...], d_input)`` for the upstream gradient ``d_out``.

    ``d_input``, the gradient with respect to the network's input, is what
    carries G's gradient back through D.
    """
    grads = [None] * len(params)
    delta = np.asarray(d_out, dtype=float)
    for i in range(len(params) - 1, -1, -1):
        W, _ = params[i]
        a_in = cache[0] if i == 0 else cache[2 * i]
        grads[i] = (a_in.T @ delta, delta.sum(axis=0))
        delta = delta @ W.T
        if i > 0:
            z, a = cache[2 * i - 1], cache[2 * i]
            delta = delta * _act_grad(z, a, act)
    return grads, delta


def _one_blas_thread():
    """Run the tiny matrix products of :func:`train_gan` on one BLAS thread.

    With matrices of 16 to 64 columns, a multi-threaded BLAS spends more time
    waking threads than multiplying (measured: 20 times slower on a busy
    2-core machine). ``threadpoolctl`` ships with scikit-learn; without it,
    nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn absent
        return contextlib.nullcontext()
    return threadpool_limits(1)


class _Adam:
    def __init__(self, params, lr, beta_1=0.5, beta_2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, beta_1, beta_2, eps, 0
        self.m = [[np.zeros_like(p) for p in layer] for layer in params]
        self.v = [[np.zeros_like(p) for p in layer] for layer in params]

    def step(self, params, grads):
        self.t += 1
        new = []
        for i, (layer, glayer) in enumerate(zip(params, grads)):
            out = []
            for j, (p, g) in enumerate(zip(layer, glayer)):
                self.m[i][j] = self.b1 * self.m[i][j] + (1 - self.b1) * g
                self.v[i][j] = self.b2 * self.v[i][j] + (1 - self.b2) * g * g
                m_hat = self.m[i][j] / (1 - self.b1 ** self.t)
                v_hat = self.v[i][j] / (1 - self.b2 ** self.t)
                out.append(p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
            new.append(tuple(out))
        return new


def train_gan(sample_data, *, dim_z: int = 1, dim_x: int = 1, hidden=16,
              steps: int = 2000, batch_size: int = 128, lr_d: float = 1e-3,
              lr_g: float = 1e-3, k: int = 1, loss: str = "non-saturating",
              real_label: float = 1.0, act: str = "tanh", seed: int = 0,
              pack: int = 1, snapshot_steps=(), num_snapshot: int = 2000,
              G=None, D=None) -> dict:
    """Train a GAN of two small dense networks by alternating Adam steps.

    ``hidden`` is the width of the one hidden layer of G and of D, or a tuple
    of widths for several.

    ``sample_data(n, rng)`` returns ``n`` data points, shape ``(n, dim_x)``.
    Each step makes ``k`` updates of D on a fresh real and fake batch
    (:func:`discriminator_loss`), then one of G (:func:`generator_loss` of
    kind ``loss``), whose gradient flows back through D by
    :func:`mlp_backward`. Noise is ``z ~ N(0, I)`` of ``dim_z`` numbers.

    ``G`` and ``D`` (weights from an earlier run) continue training from
    there; a learning rate of 0 freezes that network.

    ``pack > 1`` makes D judge ``pack`` samples at once, concatenated into one
    input of ``pack * dim_x`` numbers, all real or all generated (PacGAN, Lin
    et al., 2018): a generator that covers few modes makes packs that look
    alike, which D can spot. ``batch_size`` must be a multiple of ``pack``.

    Returns a dict: ``G``, ``D`` (the weights), ``d_loss`` and ``g_loss``
    (one per step; ``g_loss`` is always the non-saturating value, so runs
    compare), ``d_real`` and ``d_fake`` (D's mean output on each batch) and
    ``snapshots``, ``{step: generated samples}`` for each step of
    ``snapshot_steps`` (0 is before training), drawn from fixed noise.
    """
    with _one_blas_thread():
        return _train_gan(sample_data, dim_z, dim_x, hidden, steps, batch_size, lr_d, lr_g, k,
                          loss, real_label, act, seed, pack, snapshot_steps, num_snapshot, G, D)


def _train_gan(sample_data, dim_z, dim_x, hidden, steps, batch_size, lr_d, lr_g, k, loss,
               real_label, act, seed, pack, snapshot_steps, num_snapshot, G, D) -> dict:
    rng = np.random.default_rng(seed)
    widths = [hidden] if np.isscalar(hidden) else list(hidden)
    G_new = init_mlp([dim_z, *widths, dim_x], rng)
    D_new = init_mlp([pack * dim_x, *widths, 1], rng)
    G = G_new if G is None else [tuple(np.array(p) for p in layer) for layer in G]
    D = D_new if D is None else [tuple(np.array(p) for p in layer) for layer in D]
    if batch_size % pack:
        raise ValueError(f"batch_size {batch_size} is not a multiple of pack {pack}")

    def packed(x):
        return x.reshape(len(x) // pack, pack * dim_x)

    opt_g, opt_d = _Adam(G, lr_g), _Adam(D, lr_d)
    z_fixed = rng.normal(size=(num_snapshot, dim_z))
    snapshots = {}
    hist = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    wanted = set(snapshot_steps)
    if 0 in wanted:
        snapshots[0] = mlp_forward(G, z_fixed, act)[0]
    for step in range(1, steps + 1):
        for _ in range(k):
            x_real = sample_data(batch_size, rng)
            x_fake = mlp_forward(G, rng.normal(size=(batch_size, dim_z)), act)[0]
            out_r, cache_r = mlp_forward(D, packed(x_real), act)
            out_f, cache_f = mlp_forward(D, packed(x_fake), act)
            d_loss, g_r, g_f = discriminator_loss(out_r, out_f, real_label)
            grads_r, _ = mlp_backward(D, cache_r, g_r, act)
            grads_f, _ = mlp_backward(D, cache_f, g_f, act)
            grads = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(grads_r, grads_f)]
            D = opt_d.step(D, grads)
        z = rng.normal(size=(batch_size, dim_z))
        x_fake, cache_g = mlp_forward(G, z, act)
        out_f, cache_f = mlp_forward(D, packed(x_fake), act)
        _, g_logit = generator_loss(out_f, loss)
        _, d_x = mlp_backward(D, cache_f, g_logit, act)       # back through D ...
        grads_g, _ = mlp_backward(G, cache_g, d_x.reshape(x_fake.shape), act)        # ... into G
        G = opt_g.step(G, grads_g)
        hist["d_loss"].append(d_loss)
        hist["g_loss"].append(generator_loss(out_f, "non-saturating")[0])
        hist["d_real"].append(float(np.mean(sigmoid(out_r))))
        hist["d_fake"].append(float(np.mean(sigmoid(out_f))))
        if step in wanted:
            snapshots[step] = mlp_forward(G, z_fixed, act)[0]
    result = {key: np.array(v) for key, v in hist.items()}
    result.update(G=G, D=D, snapshots=snapshots, act=act)
    return result
