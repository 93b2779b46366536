"""dlbook.apps.vision: IoU, NMS and mask IoU against hand numbers and an independent
pixel count, and the synthetic data makers' shapes, ranges, labels and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook.apps import vision as V


def pixel_iou(a, b, size=40):
    """IoU by counting the pixels of integer boxes on a grid (independent of V.iou)."""
    grid = np.zeros((2, size, size), bool)
    for g, (x1, y1, x2, y2) in zip(grid, (a, b)):
        g[y1:y2, x1:x2] = True
    union = (grid[0] | grid[1]).sum()
    return 0.0 if union == 0 else (grid[0] & grid[1]).sum() / union


def test_iou_hand_numbers():
    assert V.iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)
    assert V.iou([0, 0, 4, 4], [1, 1, 3, 3]) == pytest.approx(4 / 16)  # nested
    assert V.iou([0, 0, 2, 2], [2, 0, 4, 2]) == 0.0  # touching along an edge
    assert V.iou([0, 0, 1, 1], [5, 5, 6, 6]) == 0.0  # disjoint
    assert V.iou([1, 1, 1, 1], [1, 1, 1, 1]) == 0.0  # zero area
    assert V.iou([1, 1, 1, 3], [0, 0, 2, 2]) == 0.0  # zero-area line inside a box
    assert V.iou((0, 0, 3, 3), np.array([0, 0, 3, 3])) == 1.0


def test_iou_against_pixel_counts():
    rng = np.random.default_rng(1)
    for _ in range(300):
        a, b = [np.sort(rng.integers(0, 40, (2, 2)), axis=0).T.reshape(-1)[[0, 2, 1, 3]]
                for _ in range(2)]
        assert V.iou(a, b) == pytest.approx(pixel_iou(a, b))


def test_iou_matrix_shape_and_symmetry_and_tensors():
    import keras

    rng = np.random.default_rng(2)
    a = np.sort(rng.uniform(0, 10, (5, 2, 2)), axis=1).transpose(0, 2, 1).reshape(5, 4)
    a = a[:, [0, 2, 1, 3]]
    m = V.iou_matrix(a, a)
    assert m.shape == (5, 5)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)
    kept = a.copy()
    np.testing.assert_allclose(V.iou_matrix(keras.ops.convert_to_tensor(a), a.tolist()), m)
    np.testing.assert_array_equal(a, kept)  # inputs untouched


def test_nms_hand_case_and_threshold_edge():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 10]]
    scores = [0.9, 0.8, 0.7, 0.9]
    # box 3 ties box 0 and comes later: suppressed by 0 (IoU 1); box 1 suppressed by 0
    np.testing.assert_array_equal(V.nms(boxes, scores, 0.5), [0, 2])
    # IoU exactly 0.5: (0,0,2,1) and (0,0,1,1) -> 1/2 ; equal keeps
    np.testing.assert_array_equal(V.nms([[0, 0, 2, 1], [0, 0, 1, 1]], [1.0, 0.5], 0.5), [0, 1])
    np.testing.assert_array_equal(V.nms([[0, 0, 2, 1], [0, 0, 1, 1]], [1.0, 0.5], 0.49), [0])
    assert V.nms(np.zeros((0, 4)), [], 0.5).shape == (0,)


def brute_nms(boxes, scores, thr):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        if all(pixel_iou(boxes[i], boxes[j]) <= thr for j in keep):
            keep.append(i)
    return keep


def test_nms_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 12))
        xy = rng.integers(0, 30, (n, 2))
        wh = rng.integers(1, 10, (n, 2))
        boxes = np.concatenate([xy, xy + wh], axis=1)
        scores = rng.integers(0, 5, n) / 4  # many ties
        thr = float(rng.choice([0.0, 0.3, 0.5, 0.7]))
        assert V.nms(boxes, scores, thr).tolist() == brute_nms(boxes.tolist(), scores, thr)


def test_mask_iou():
    a = np.zeros((4, 4)); a[:2] = 1
    b = np.zeros((4, 4)); b[1:3] = 1
    assert V.mask_iou(a, b) == pytest.approx(4 / 12)
    assert V.mask_iou(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0
    assert V.mask_iou(a > 0, a) == 1.0
    with pytest.raises(ValueError):
        V.mask_iou(np.zeros((3, 3)), np.zeros((4, 4)))


def test_discs():
    x, m = V.discs(20, size=32, seed=0)
    assert x.shape == m.shape == (20, 32, 32, 1) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1 and set(np.unique(m)) <= {0.0, 1.0}
    assert (m.sum(axis=(1, 2, 3)) > 0).all()
    np.testing.assert_array_equal(V.discs(20, seed=0)[0], x)
    assert not np.array_equal(V.discs(20, seed=1)[0], x)
    # discs are brighter than the background on average
    assert x[m > 0].mean() > x[m == 0].mean() + 0.2


def test_shapes_boxes_are_tight():
    x, boxes, cls = V.shapes_boxes(30, size=32, seed=0, noise=0.0)
    assert x.shape == (30, 32, 32, 1) and boxes.shape == (30, 4) and cls.shape == (30,)
    assert set(cls.tolist()) == {0, 1}
    for img, (x1, y1, x2, y2) in zip(x[..., 0], boxes.astype(int)):
        rows, cols = np.nonzero(img > 0.5)
        assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == (x1, y1, x2, y2)


def test_shapes_captions_respect_combinations():
    combos = V.caption_combinations()
    assert len(combos) == 36 and len(set(combos)) == 36
    x, caps, triples = V.shapes_captions(40, size=32, seed=0, combinations=combos[:5])
    assert x.shape == (40, 32, 32, 3) and len(caps) == 40
    assert set(triples) <= set(combos[:5])
    for cap, (c, s, p) in zip(caps, triples):
        assert cap.split()[1:3] == [c, s] and cap.endswith(p)
    # the shape lies in the named half
    for img, (c, s, p) in zip(x, triples):
        rows, cols = np.nonzero(img.max(axis=-1) > 0.5)
        half = {"left": cols.max() < 16, "right": cols.min() >= 16,
                "top": rows.max() < 16, "bottom": rows.min() >= 16}
        assert half[p]


def test_cluttered_digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    X, y = d.data[:50] / 16, d.target[:50]
    canvases, labels, centres = V.cluttered_digits(X, y, size=24, seed=0)
    assert canvases.shape == (50, 24, 24, 1) and (labels == y).all()
    assert centres.shape == (50, 2) and (centres >= 3.5).all() and (centres <= 19.5).all()
    for c, x, (r, col) in zip(canvases[..., 0], X.reshape(-1, 8, 8), centres):
        r0, c0 = int(r - 3.5), int(col - 3.5)
        assert (c[r0:r0 + 8, c0:c0 + 8] >= x - 1e-6).all()


def test_moving_squares():
    clips, caps, labels = V.moving_squares(12, frames=8, size=16, seed=0, noise=0.0)
    assert clips.shape == (12, 8, 16, 16, 3) and labels.shape == (12, 2)
    directions = list(V.VIDEO_DIRECTIONS)
    for clip, cap, (ci, di) in zip(clips, caps, labels):
        assert cap == f"{list(V.VIDEO_COLOURS)[ci]} square moves {directions[di]}"
        first = np.argwhere(clip[0].max(-1) > 0.5).mean(0)
        last = np.argwhere(clip[-1].max(-1) > 0.5).mean(0)
        np.testing.assert_allclose(last - first, 7 * np.array(V.VIDEO_DIRECTIONS[directions[di]]))
