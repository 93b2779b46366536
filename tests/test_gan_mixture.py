"""Tests of dlbook.nn.gan_mixture: the ring of Gaussians and its mode-coverage score."""

import numpy as np
import pytest

from dlbook.nn.gan_mixture import (mode_centres, mode_counts, mode_coverage, nearest_mode,
                                   ring_of_gaussians)


def test_mode_centres_lie_evenly_on_the_circle():
    c = mode_centres(8, 2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.hypot(c[:, 0], c[:, 1]), 2.0, atol=1e-12)
    np.testing.assert_allclose(c[0], [2.0, 0.0])
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-12)
    assert not np.any(np.signbit(c) & (c == 0.0))  # no -0.
    gaps = np.hypot(*(c - np.roll(c, 1, axis=0)).T)
    np.testing.assert_allclose(gaps, 2 * 2.0 * np.sin(np.pi / 8))
    with pytest.raises(ValueError):
        mode_centres(0)


def test_ring_samples_have_the_stated_modes_and_spread():
    x = ring_of_gaussians(8000, seed=1)
    assert x.shape == (8000, 2) and x.dtype == np.float64
    index, dist = nearest_mode(x)
    counts = np.bincount(index, minlength=8)
    assert counts.min() > 800 and counts.max() < 1200
    # each coordinate's deviation from its centre has std 0.02
    resid = x - mode_centres()[index]
    assert abs(resid.std() - 0.02) < 0.002
    np.testing.assert_array_equal(x, ring_of_gaussians(8000, seed=1))
    assert not np.array_equal(x, ring_of_gaussians(8000, seed=2))
    g = ring_of_gaussians(10, k=5, radius=1.0, std=0.1, seed=np.random.default_rng(0))
    assert g.shape == (10, 2)


def test_coverage_of_the_data_itself_is_full():
    covered, quality = mode_coverage(ring_of_gaussians(2000, seed=3))
    assert covered == 8
    assert quality > 0.98   # 3 std in 2-D holds 1 - exp(-4.5) = 98.9 % of a Gaussian


def test_coverage_of_a_collapsed_and_a_diffuse_generator():
    one = ring_of_gaussians(1000, seed=4)
    one = one[nearest_mode(one)[0] == 3]
    assert mode_coverage(one) == (1, pytest.approx(1.0, abs=0.02))
    rng = np.random.default_rng(5)
    blob = rng.uniform(-3, 3, size=(1000, 2))
    covered, quality = mode_coverage(blob)
    assert covered == 0 and quality < 0.02
    # counts only samples within 3 std; a mode with a few stray points is not covered
    counts = mode_counts(np.array([[2.0, 0.0], [2.05, 0.0], [2.07, 0.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(counts, [2, 0, 1, 0, 0, 0, 0, 0])
    x = np.concatenate([np.tile([[2.0, 0.0]], (200, 1)), [[0.0, 2.0]]])
    assert mode_coverage(x)[0] == 1          # one sample of 201 is below 1 %
    assert mode_coverage(x, min_share=0.0)[0] == 2


def test_coverage_rejects_bad_shapes_and_ignores_non_finite():
    with pytest.raises(ValueError):
        mode_coverage(np.zeros((5, 3)))
    with pytest.raises(ValueError):
        mode_coverage(np.zeros((0, 2)))
    x = np.array([[2.0, 0.0], [np.nan, 0.0], [np.inf, 1.0]])
    assert mode_coverage(x, min_share=0.0) == (1, pytest.approx(1 / 3))
    assert mode_coverage([[2.0, 0.0]] * 4) == (1, 1.0)   # lists are accepted
