"""Autoencoders in NumPy: losses, penalties, image metrics and the VAE's KL term.

Written for the Unit 5 chapter (autoencoders and Boltzmann machines,
``chapters/05_autoencoders``); each function names the section that derives
it. Inputs are row vectors, as in Keras: a batch ``X`` has shape
``(n, d)``, an encoder weight ``W`` has shape ``(d, k)`` and the code of a
sigmoid encoder is ``H = sigmoid(X @ W + b)``, shape ``(n, k)``.

* ``ch5-pca``: :func:`linear_autoencoder_loss` and its gradients,
  :func:`train_linear_autoencoder` (full-batch gradient descent),
  :func:`pca_basis`, :func:`principal_angles` and
  :func:`projection_distance`, which compare two subspaces;
* ``ch5-compression``: :func:`compression_ratio`, :func:`psnr`, :func:`ssim`;
* ``ch5-sparse``: :func:`l1_activity_penalty` and :func:`kl_sparsity`, each
  with its gradient with respect to the code ``H``;
* ``ch5-denoising``: :func:`gaussian_noise` and :func:`salt_and_pepper`;
* ``ch5-contractive``: :func:`encoder_jacobian` and
  :func:`contractive_penalty` (the closed form for a sigmoid encoder);
* ``ch5-vae``: :func:`gaussian_kl` (closed form),
  :func:`gaussian_kl_grads`, :func:`reparameterize`.

The restricted Boltzmann machine is in :mod:`dlbook.nn.rbm`.
"""

from __future__ import annotations

import numpy as np

from dlbook.nn.activations import sigmoid

__all__ = [
    "linear_autoencoder_loss", "linear_autoencoder_grads", "train_linear_autoencoder",
    "pca_basis", "principal_angles", "projection_distance",
    "compression_ratio", "psnr", "ssim",
    "l1_activity_penalty", "kl_sparsity",
    "gaussian_noise", "salt_and_pepper",
    "encoder_jacobian", "contractive_penalty",
    "gaussian_kl", "gaussian_kl_grads", "reparameterize",
]


# ---------------------------------------------------------------- ch5-pca
def linear_autoencoder_loss(X, W_enc, W_dec) -> float:
    """``1/(2n) * ||X @ W_enc @ W_dec - X||_F^2`` for a linear autoencoder
    without biases (``X`` centred): the mean over examples of half the squared
    reconstruction error."""
    X = np.asarray(X, dtype=float)
    R = X @ W_enc @ W_dec - X
    return 0.5 * float(np.sum(R * R)) / X.shape[0]


def linear_autoencoder_grads(X, W_enc, W_dec):
    """Gradients ``(dW_enc, dW_dec)`` of :func:`linear_autoencoder_loss`.

    With the code ``H = X W_enc`` and the residual ``R = H W_dec - X``:
    ``dL/dW_dec = H^T R / n`` and ``dL/dW_enc = X^T R W_dec^T / n``.
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    H = X @ W_enc
    R = H @ W_dec - X
    return X.T @ (R @ W_dec.T) / n, H.T @ R / n


def train_linear_autoencoder(X, code_size: int, lr: float = 0.1, num_epochs: int = 1000,
                             seed: int = 0, init_scale: float = 0.1):
    """Full-batch gradient descent on :func:`linear_autoencoder_loss`.

    Returns ``(W_enc, W_dec, losses)``: ``W_enc`` is ``(d, code_size)``,
    ``W_dec`` is ``(code_size, d)`` and ``losses[t]`` the loss before step
    ``t`` (``num_epochs + 1`` values, the last after the final step). The
    gradients of :func:`linear_autoencoder_grads` are computed from the
    covariance ``C = X^T X / n`` (``d x d``), which gives the same numbers
    without touching the ``n`` examples at each step: with
    ``M = W_enc W_dec - I``, ``dW_enc = C M W_dec^T`` and ``dW_dec = W_enc^T C M``.
    """
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    W_enc = rng.normal(scale=init_scale, size=(d, code_size))
    W_dec = rng.normal(scale=init_scale, size=(code_size, d))
    C = X.T @ X / X.shape[0]                 # the data enter only through X^T X / n

    def loss_and_residual(W_enc, W_dec):
        M = W_enc @ W_dec - np.eye(d)        # X W_enc W_dec - X = X M
        CM = C @ M
        return 0.5 * float(np.sum(M * CM)), CM

    losses = []
    for _ in range(num_epochs):
        loss, CM = loss_and_residual(W_enc, W_dec)
        losses.append(loss)
        dW_enc, dW_dec = CM @ W_dec.T, W_enc.T @ CM
        W_enc -= lr * dW_enc
        W_dec -= lr * dW_dec
    losses.append(loss_and_residual(W_enc, W_dec)[0])
    return W_enc, W_dec, np.array(losses)


def pca_basis(X, k: int):
    """The first ``k`` principal directions of ``X`` as the columns of a
    ``(d, k)`` matrix, and all the variances (eigenvalues of the covariance
    ``X_c^T X_c / n``, largest first)."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k].T, s ** 2 / X.shape[0]


def _orthonormal(A):
    Q, _ = np.linalg.qr(np.asarray(A, dtype=float))
    return Q


def principal_angles(A, B):
    """The principal angles (radians, smallest first) between the column spaces
    of ``A`` and ``B``: ``arccos`` of the singular values of ``Q_A^T Q_B`` for
    orthonormal bases ``Q_A``, ``Q_B``. All zero when the spaces are equal."""
    s = np.linalg.svd(_orthonormal(A).T @ _orthonormal(B), compute_uv=False)
    return np.arccos(np.clip(s, -1.0, 1.0))


def projection_distance(A, B) -> float:
    """``||P_A - P_B||_2``, the spectral norm of the difference of the orthogonal
    projections onto the column spaces of ``A`` and ``B`` (same dimension):
    the sine of the largest principal angle, 0 for equal subspaces."""
    QA, QB = _orthonormal(A), _orthonormal(B)
    return float(np.linalg.norm(QA @ QA.T - QB @ QB.T, 2))


# -------------------------------------------------------- ch5-compression
def compression_ratio(input_size, code_size) -> float:
    """Numbers in the input over numbers in the code. Shapes (tuples) are
    multiplied out: ``compression_ratio((28, 28), 32)`` is 24.5. Both counts
    are numbers, not bits: storing the code at lower precision changes it."""
    return float(np.prod(input_size)) / float(np.prod(code_size))


def psnr(x, x_hat, data_range: float = 1.0):
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)``.

    For a batch (``ndim >= 2`` with images as rows of ``(n, d)`` or
    ``(n, h, w)``), pass one image at a time or average the result of each;
    here the MSE is over all entries. Infinite for a perfect copy."""
    x = np.asarray(x, dtype=float)
    x_hat = np.asarray(x_hat, dtype=float)
    mse = float(np.mean((x - x_hat) ** 2))
    if mse == 0.0:
        return float("inf")
    return 10.0 * np.log10(data_range ** 2 / mse)


def ssim(x, y, data_range: float = 1.0, win_size: int = 7, K1: float = 0.01,
         K2: float = 0.03) -> float:
    """Mean structural similarity of two grey-scale images (Wang et al., 2004).

    For every ``win_size`` x ``win_size`` window (all positions that fit, no
    padding), with the window's means ``mu_x, mu_y``, sample variances
    ``s_x^2, s_y^2`` and sample covariance ``s_xy`` (divided by N - 1)::

        SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2)
               / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),

    ``C1 = (K1 L)^2``, ``C2 = (K2 L)^2`` with ``L = data_range``, averaged over
    the windows. This is ``skimage.metrics.structural_similarity`` with its
    defaults (uniform 7 x 7 window, sample covariance), whose mean also runs
    over the positions where the whole window fits. 1 for identical images.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"ssim needs two 2-D images of one shape, got {x.shape} and {y.shape}")
    if min(x.shape) < win_size:
        raise ValueError(f"images of shape {x.shape} are smaller than the window {win_size}")
    wx = np.lib.stride_tricks.sliding_window_view(x, (win_size, win_size))
    wy = np.lib.stride_tricks.sliding_window_view(y, (win_size, win_size))
    n = win_size * win_size
    mu_x, mu_y = wx.mean(axis=(-2, -1)), wy.mean(axis=(-2, -1))
    dx, dy = wx - mu_x[..., None, None], wy - mu_y[..., None, None]
    var_x = (dx * dx).sum(axis=(-2, -1)) / (n - 1)
    var_y = (dy * dy).sum(axis=(-2, -1)) / (n - 1)
    cov = (dx * dy).sum(axis=(-2, -1)) / (n - 1)
    C1, C2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    ssim_map = ((2 * mu_x * mu_y + C1) * (2 * cov + C2)
                / ((mu_x ** 2 + mu_y ** 2 + C1) * (var_x + var_y + C2)))
    return float(ssim_map.mean())


# ------------------------------------------------------------- ch5-sparse
def l1_activity_penalty(H, lam: float):
    """``(penalty, dpenalty/dH)`` for the L1 activity penalty
    ``lam/n * sum_i sum_j |h_ij|`` on a batch of codes ``H`` of shape
    ``(n, k)`` (the mean over examples of ``lam * ||h||_1``). The gradient
    uses ``sign(0) = 0``."""
    H = np.asarray(H, dtype=float)
    n = H.shape[0]
    return lam * float(np.abs(H).sum()) / n, lam * np.sign(H) / n


def kl_sparsity(H, rho: float):
    """``(penalty, dpenalty/dH)`` for the KL sparsity term of a sigmoid code.

    ``rho_hat_j = mean_i h_ij`` is unit ``j``'s average activation over the
    batch and ``rho`` the target (say 0.05)::

        penalty = sum_j rho log(rho / rho_hat_j)
                        + (1 - rho) log((1 - rho) / (1 - rho_hat_j)),

    the KL divergence between Bernoulli(rho) and Bernoulli(rho_hat_j), summed
    over units; zero when every ``rho_hat_j == rho``. Its gradient with
    respect to ``h_ij`` is ``(-rho/rho_hat_j + (1-rho)/(1-rho_hat_j)) / n``.
    """
    H = np.asarray(H, dtype=float)
    n = H.shape[0]
    rho_hat = H.mean(axis=0)
    if np.any(rho_hat <= 0) or np.any(rho_hat >= 1):
        raise ValueError("the KL sparsity term needs mean activations strictly between 0 and 1")
    penalty = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    per_unit = -rho / rho_hat + (1 - rho) / (1 - rho_hat)
    return float(penalty), np.broadcast_to(per_unit / n, H.shape).copy()


# ---------------------------------------------------------- ch5-denoising
def gaussian_noise(X, std: float, rng, clip: tuple | None = (0.0, 1.0)):
    """``X`` plus independent N(0, std^2) noise, clipped to ``clip`` (None: not
    clipped). ``rng`` is a ``numpy.random.Generator``; ``X`` is not changed."""
    noisy = np.asarray(X, dtype=float) + rng.normal(scale=std, size=np.shape(X))
    return noisy if clip is None else np.clip(noisy, *clip)


def salt_and_pepper(X, amount: float, rng, low: float = 0.0, high: float = 1.0):
    """A copy of ``X`` with a fraction ``amount`` of its entries, chosen at
    random, set to ``low`` (pepper) or ``high`` (salt) with equal chance."""
    noisy = np.array(X, dtype=float, copy=True)
    hit = rng.random(noisy.shape) < amount
    salt = rng.random(noisy.shape) < 0.5
    noisy[hit & salt] = high
    noisy[hit & ~salt] = low
    return noisy


# -------------------------------------------------------- ch5-contractive
def encoder_jacobian(x, W, b):
    """The Jacobian ``dh/dx`` of the sigmoid encoder ``h = sigmoid(x @ W + b)``
    at one input ``x`` (shape ``(d,)``): a ``(k, d)`` matrix with entries
    ``h_j (1 - h_j) W_ij``."""
    h = sigmoid(np.asarray(x, dtype=float) @ W + b)
    return (h * (1 - h))[:, None] * np.asarray(W, dtype=float).T


def contractive_penalty(X, W, b):
    """``||dh/dx||_F^2`` of the sigmoid encoder for each row of ``X``, in closed
    form: ``sum_j (h_j (1 - h_j))^2 * sum_i W_ij^2``. Returns shape ``(n,)``
    (a scalar for one input of shape ``(d,)``). Rifai et al. (2011) add
    ``lam`` times its mean over the batch to the reconstruction loss."""
    H = sigmoid(np.asarray(X, dtype=float) @ W + b)
    return ((H * (1 - H)) ** 2) @ np.sum(np.asarray(W, dtype=float) ** 2, axis=0)


# ---------------------------------------------------------------- ch5-vae
def gaussian_kl(mu, log_var):
    """``KL(N(mu, diag(sigma^2)) || N(0, I)) = -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2)``,
    summed over the last axis (one value per row of a batch)."""
    mu = np.asarray(mu, dtype=float)
    log_var = np.asarray(log_var, dtype=float)
    return -0.5 * np.sum(1 + log_var - mu ** 2 - np.exp(log_var), axis=-1)


def gaussian_kl_grads(mu, log_var):
    """Gradients ``(dKL/dmu, dKL/dlog_var) = (mu, (exp(log_var) - 1) / 2)`` of
    :func:`gaussian_kl` for one row."""
    mu = np.asarray(mu, dtype=float)
    log_var = np.asarray(log_var, dtype=float)
    return mu.copy(), 0.5 * (np.exp(log_var) - 1)


def reparameterize(mu, log_var, eps):
    """The reparameterised sample ``z = mu + sigma * eps`` with
    ``sigma = exp(log_var / 2)`` and ``eps ~ N(0, I)`` drawn by the caller:
    ``z`` is a differentiable function of ``mu`` and ``log_var``."""
    return np.asarray(mu, dtype=float) + np.exp(0.5 * np.asarray(log_var, dtype=float)) * eps
