"""The ring of Gaussians, the standard test of mode collapse, in NumPy.

Written for the Unit 6 chapter (generative adversarial networks,
``chapters/06_gans``, section ``ch6-failures``) and its lab. The data are
``k`` equal Gaussian modes of standard deviation ``std`` whose centres sit
evenly on a circle of radius ``radius``; the unrolled-GAN paper (Metz et al.,
2017) and VEEGAN (Srivastava et al., 2017) train on ``k = 8``,
``radius = 2``, ``std = 0.02`` and score a generator by

* the number of modes it covers, and
* the fraction of *high-quality* samples: those within ``3 * std`` of some
  centre.

Those papers differ in when a mode counts as covered; here (the book's
convention) a mode is covered when at least ``min_share`` of all samples
(1 % by default) are high-quality samples of that mode, so that a few stray
points do not count as a mode.

* :func:`mode_centres`: the ``(k, 2)`` centres;
* :func:`ring_of_gaussians`: ``n`` samples, shape ``(n, 2)``;
* :func:`nearest_mode`: each sample's nearest centre and its distance;
* :func:`mode_counts`: the number of high-quality samples of each mode;
* :func:`mode_coverage`: ``(modes covered, high-quality fraction)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mode_centres", "ring_of_gaussians", "nearest_mode", "mode_counts",
           "mode_coverage"]


def mode_centres(k: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``(k, 2)`` centres ``radius * (cos(2 pi i / k), sin(2 pi i / k))``,
    ``i = 0 .. k-1``: the first on the positive x axis, then anticlockwise."""
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be a positive number of modes, got {k}")
    angles = 2.0 * np.pi * np.arange(k) / k
    centres = float(radius) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    centres[np.abs(centres) < 1e-12] = 0.0  # no -0. or 1e-16 round-off in printed tables
    return centres


def ring_of_gaussians(n: int, k: int = 8, radius: float = 2.0, std: float = 0.02,
                      seed=0) -> np.ndarray:
    """``n`` samples, shape ``(n, 2)`` float64, from the equal mixture of ``k``
    Gaussians of standard deviation ``std`` centred at :func:`mode_centres`.

    Each sample's mode is drawn uniformly at random, so the modes hold about
    ``n / k`` samples each. ``seed`` is an int or a ``numpy.random.Generator``.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    centres = mode_centres(k, radius)
    which = rng.integers(0, k, size=int(n))
    return centres[which] + float(std) * rng.standard_normal((int(n), 2))


def _samples(samples) -> np.ndarray:
    x = np.asarray(samples, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), got {x.shape}")
    return x


def nearest_mode(samples, k: int = 8, radius: float = 2.0):
    """``(index, distance)``: for each sample, the index of its nearest centre
    (shape ``(n,)``, int) and the Euclidean distance to it (shape ``(n,)``).
    A non-finite sample gets distance ``inf``."""
    x = _samples(samples)
    centres = mode_centres(k, radius)
    d = np.sqrt(((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    d = np.where(np.isfinite(d), d, np.inf)
    index = np.argmin(d, axis=1)
    return index, d[np.arange(len(x)), index]


def mode_counts(samples, k: int = 8, radius: float = 2.0, std: float = 0.02) -> np.ndarray:
    """The number of high-quality samples (within ``3 * std`` of a centre) of
    each mode: an int array of shape ``(k,)``."""
    index, dist = nearest_mode(samples, k, radius)
    good = dist <= 3.0 * float(std)
    return np.bincount(index[good], minlength=int(k))


def mode_coverage(samples, k: int = 8, radius: float = 2.0, std: float = 0.02,
                  min_share: float = 0.01):
    """``(covered, quality)``: the number of modes covered (an int, 0 to ``k``)
    and the fraction of high-quality samples (a float in [0, 1]).

    A sample is high-quality when it lies within ``3 * std`` of a centre; a
    mode is covered when its high-quality samples are at least ``min_share``
    of all samples (and at least one). A collapsed generator that puts every
    sample on one mode scores ``(1, 1.0)``; one that spreads samples over the
    whole plane scores few modes and a small quality.
    """
    x = _samples(samples)
    n = len(x)
    if n == 0:
        raise ValueError("mode_coverage needs at least one sample")
    counts = mode_counts(x, k, radius, std)
    need = max(1, int(np.ceil(float(min_share) * n)))
    return int(np.sum(counts >= need)), float(counts.sum() / n)
