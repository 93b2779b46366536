"""Boxes, masks and synthetic vision data for Unit 7 (``chapters/07_applications``,
sections ch7-segmentation, ch7-detection, ch7-captioning, ch7-video-to-text and
ch7-attention-vision) and Lab 7a.

Boxes are ``(x1, y1, x2, y2)`` in pixel coordinates with ``x1 <= x2`` and ``y1 <= y2``:
x is the column, y the row, and a box covers the continuous area
``[x1, x2) x [y1, y2)``, so that a shape filling columns 3 to 10 and rows 5 to 9 of an
image is the box ``(3, 5, 11, 10)`` of area 8 x 5 = 40. Inputs may be lists, tuples,
NumPy arrays or Keras tensors; no function writes into its inputs.

Conventions (the chapter and Lab 7a's checker use the same):

* ``iou`` of two boxes whose union has zero area (two zero-area boxes) is 0.0;
  boxes that only touch along an edge have intersection 0, so IoU 0.0.
* ``mask_iou`` of two empty masks is 1.0 (they agree: nothing there).
* ``nms`` visits boxes by decreasing score, ties by increasing index (a stable sort),
  and suppresses a box whose IoU with a kept box is **strictly greater** than
  ``iou_threshold`` (IoU equal to the threshold keeps the box), as torchvision's and
  TensorFlow's ``non_max_suppression`` do.

The data makers return float32 images in [0, 1] with channels last, and are fixed by
``seed`` (a ``numpy.random.default_rng`` seed).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "iou", "iou_matrix", "nms", "mask_iou",
    "discs", "shapes_boxes", "SHAPE_NAMES",
    "CAPTION_COLOURS", "CAPTION_SHAPES", "CAPTION_POSITIONS", "caption_combinations",
    "shapes_captions", "cluttered_digits", "moving_squares", "VIDEO_COLOURS",
    "VIDEO_DIRECTIONS",
]


def _array(value, name: str) -> np.ndarray:
    """``value`` (list, tuple, array or Keras tensor) as a float64 NumPy array (a copy)."""
    if hasattr(value, "shape") and not isinstance(value, np.ndarray) and not hasattr(
            value, "__array_interface__"):
        try:
            import keras

            value = keras.ops.convert_to_numpy(value)
        except Exception:  # noqa: BLE001 - np.array below says what is wrong
            pass
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numbers, got {type(value).__name__}") from error


def _boxes(value, name: str) -> np.ndarray:
    boxes = _array(value, name)
    if boxes.ndim == 1:
        boxes = boxes.reshape(1, -1) if boxes.size else boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must be (x1, y1, x2, y2) boxes, shape (n, 4); got "
                         f"shape {boxes.shape}")
    return boxes


def _areas(boxes: np.ndarray) -> np.ndarray:
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1],
                                                                   0, None)


def iou_matrix(a, b) -> np.ndarray:
    """The IoU of every box of ``a`` (n, 4) with every box of ``b`` (m, 4): shape (n, m).

    IoU = area(A and B) / area(A or B); 0.0 where the union has zero area.
    """
    a, b = _boxes(a, "a"), _boxes(b, "b")
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = _areas(a)[:, None] + _areas(b)[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def iou(box_a, box_b) -> float:
    """The intersection over union of two boxes ``(x1, y1, x2, y2)``, a float in [0, 1]."""
    a, b = _boxes(box_a, "box_a"), _boxes(box_b, "box_b")
    if len(a) != 1 or len(b) != 1:
        raise ValueError("iou takes one box each; use iou_matrix for several")
    return float(iou_matrix(a, b)[0, 0])


def nms(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-maximum suppression: the indices of the kept boxes, best score first.

    Repeatedly keep the best remaining box and drop every remaining box whose IoU with
    it is strictly greater than ``iou_threshold``. Ties in score go to the lower index.
    """
    boxes = _boxes(boxes, "boxes")
    scores = _array(scores, "scores").reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f"{len(boxes)} boxes but {len(scores)} scores")
    order = np.argsort(-scores, kind="stable")
    overlaps = iou_matrix(boxes, boxes)
    alive = np.ones(len(boxes), dtype=bool)
    keep = []
    for i in order:
        if not alive[i]:
            continue
        keep.append(int(i))
        alive &= ~(overlaps[i] > iou_threshold)
        alive[i] = False
    return np.array(keep, dtype=np.int64)


def mask_iou(pred, true) -> float:
    """The IoU of two masks of the same shape (booleans, or numbers where > 0.5 is in):
    |pred and true| / |pred or true|, and 1.0 when both are empty."""
    p, t = _array(pred, "pred") > 0.5, _array(true, "true") > 0.5
    if p.shape != t.shape:
        raise ValueError(f"masks of shapes {p.shape} and {t.shape}")
    union = np.logical_or(p, t).sum()
    return 1.0 if union == 0 else float(np.logical_and(p, t).sum() / union)


# ---- segmentation: noisy discs ----------------------------------------------------------


def discs(n: int, size: int = 32, seed: int = 0, noise: float = 0.25):
    """``(images, masks)``, each ``(n, size, size, 1)`` float32: one or two discs on a
    background lit by a random linear gradient, plus Gaussian noise of std ``noise``.

    A disc is brighter than the background *around it*, but a dim disc on the dark side
    can be darker than the bright side's background, so one global threshold does not
    segment the images. The mask is 1 on the disc pixels.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.empty((n, size, size, 1), np.float32)
    masks = np.empty((n, size, size, 1), np.float32)
    for k in range(n):
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * (xx - size / 2) + np.sin(angle) * (yy - size / 2)) / size
        background = 0.35 + rng.uniform(0.3, 0.6) * ramp
        mask = np.zeros((size, size), bool)
        image = background.copy()
        for _ in range(rng.integers(1, 3)):
            r = rng.uniform(size * 0.1, size * 0.22)
            cx, cy = rng.uniform(r, size - r, size=2)
            disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            image[disc] = background[disc] + rng.uniform(0.3, 0.5)
            mask |= disc
        image += rng.normal(0, noise, image.shape)
        images[k, :, :, 0] = np.clip(image, 0, 1)
        masks[k, :, :, 0] = mask
    return images, masks


# ---- localisation: one square or circle -------------------------------------------------

SHAPE_NAMES = ("square", "circle")


def shapes_boxes(n: int, size: int = 32, seed: int = 0, noise: float = 0.1):
    """``(images, boxes, classes)``: ``(n, size, size, 1)`` float32 images with one filled
    square (class 0) or circle (class 1) of random size and place on a noisy background;
    ``boxes`` ``(n, 4)`` float32 are their tight ``(x1, y1, x2, y2)`` pixel boxes;
    ``classes`` ``(n,)`` int64."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images = np.empty((n, size, size, 1), np.float32)
    boxes = np.empty((n, 4), np.float32)
    classes = rng.integers(0, 2, n)
    for k in range(n):
        side = int(rng.integers(size // 5, size // 2 + 1))
        x1, y1 = (int(v) for v in rng.integers(0, size - side + 1, size=2))
        if classes[k] == 0:
            shape = (xx >= x1) & (xx < x1 + side) & (yy >= y1) & (yy < y1 + side)
        else:
            c = (side - 1) / 2
            shape = (xx - x1 - c) ** 2 + (yy - y1 - c) ** 2 <= (side / 2) ** 2
        rows, cols = np.nonzero(shape)
        boxes[k] = (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
        image = 0.2 + 0.6 * shape + rng.normal(0, noise, (size, size))
        images[k, :, :, 0] = np.clip(image, 0, 1)
    return images, boxes, classes.astype(np.int64)


# ---- captioning: colour x shape x position ----------------------------------------------

CAPTION_COLOURS = {"red": (0.9, 0.1, 0.1), "yellow": (0.9, 0.9, 0.1), "blue": (0.1, 0.3, 0.9)}
CAPTION_SHAPES = ("square", "circle", "triangle")
CAPTION_POSITIONS = ("left", "right", "top", "bottom")


def caption_combinations() -> list[tuple[str, str, str]]:
    """Every (colour, shape, position) triple, in a fixed order (36 of them)."""
    return [(c, s, p) for c in CAPTION_COLOURS for s in CAPTION_SHAPES
            for p in CAPTION_POSITIONS]


def _caption(colour: str, shape: str, position: str) -> str:
    where = f"on the {position}" if position in ("left", "right") else f"at the {position}"
    return f"a {colour} {shape} {where}"


def shapes_captions(n: int, size: int = 32, seed: int = 0, combinations=None,
                    noise: float = 0.05):
    """``(images, captions, triples)``: ``n`` RGB images ``(n, size, size, 3)`` float32,
    each one shape of one colour centred near one of four places (a quarter of the way in
    from the left, right, top or bottom edge, halfway along the other axis, so that the
    position word is never ambiguous), with its caption ("a red circle on the left", "a
    blue square at the top"), drawn uniformly from ``combinations`` (default: all of
    :func:`caption_combinations`). ``triples`` is the list of (colour, shape, position)
    of each image. The size and a small shift vary."""
    rng = np.random.default_rng(seed)
    combos = list(combinations) if combinations is not None else caption_combinations()
    yy, xx = np.mgrid[0:size, 0:size]
    images = np.empty((n, size, size, 3), np.float32)
    captions, triples = [], []
    anchors = {"left": (0.25, 0.5), "right": (0.75, 0.5), "top": (0.5, 0.25),
               "bottom": (0.5, 0.75)}
    jitter = max(1, size // 32)
    for k in range(n):
        colour, shape, position = combos[int(rng.integers(len(combos)))]
        side = int(rng.integers(size // 3, size // 2 - 2))
        ax, ay = anchors[position]
        x1 = int(round(ax * size - side / 2)) + int(rng.integers(-jitter, jitter + 1))
        y1 = int(round(ay * size - side / 2)) + int(rng.integers(-jitter, jitter + 1))
        u, v = xx - x1, yy - y1
        inside = (u >= 0) & (u < side) & (v >= 0) & (v < side)
        if shape == "circle":
            c = (side - 1) / 2
            inside = (u - c) ** 2 + (v - c) ** 2 <= (side / 2) ** 2
        elif shape == "triangle":
            inside &= np.abs(u - (side - 1) / 2) <= (v + 1) / 2
        image = np.full((size, size, 3), 0.05) + rng.normal(0, noise, (size, size, 3))
        image[inside] = CAPTION_COLOURS[colour]
        images[k] = np.clip(image, 0, 1)
        captions.append(_caption(colour, shape, position))
        triples.append((colour, shape, position))
    return images, captions, triples


# ---- attention: digits on a cluttered canvas --------------------------------------------


def cluttered_digits(X, y, size: int = 24, seed: int = 0, noise: float = 0.1,
                     clutter: int = 3, fragment: int = 3):
    """``(canvases, labels, centres)``: each 8x8 digit of ``X`` (rows of 64 pixels in
    [0, 1]) pasted at a random place on a ``size`` x ``size`` canvas with Gaussian noise
    and ``clutter`` random ``fragment`` x ``fragment`` pieces of other digits (3 x 3 by
    default; up to 8, a whole digit). ``canvases`` is
    ``(n, size, size, 1)`` float32, ``labels`` is ``y``, ``centres`` ``(n, 2)`` are the
    (row, column) centres of the pasted digits (e.g. 3.5 for a digit in rows 0..7)."""
    X = np.asarray(X, dtype=np.float32).reshape(-1, 8, 8)
    rng = np.random.default_rng(seed)
    n = len(X)
    canvases = np.clip(rng.normal(0, noise, (n, size, size)), 0, 1).astype(np.float32)
    centres = np.empty((n, 2), np.float32)
    for k in range(n):
        for _ in range(clutter):
            other = X[rng.integers(n)]
            fy, fx = rng.integers(0, 9 - fragment, size=2)
            cy, cx = rng.integers(0, size - fragment, size=2)
            f = fragment
            canvases[k, cy:cy + f, cx:cx + f] = np.maximum(
                canvases[k, cy:cy + f, cx:cx + f], other[fy:fy + f, fx:fx + f])
        r, c = rng.integers(0, size - 8 + 1, size=2)
        canvases[k, r:r + 8, c:c + 8] = np.maximum(canvases[k, r:r + 8, c:c + 8], X[k])
        centres[k] = (r + 3.5, c + 3.5)
    return canvases[..., None], np.asarray(y), centres


# ---- video to text: moving squares ------------------------------------------------------

VIDEO_COLOURS = {"red": (0.9, 0.1, 0.1), "yellow": (0.9, 0.9, 0.1), "blue": (0.1, 0.3, 0.9)}
VIDEO_DIRECTIONS = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}


def moving_squares(n: int, frames: int = 8, size: int = 16, seed: int = 0,
                   noise: float = 0.05, side: int = 3):
    """``(clips, captions, labels)``: ``n`` clips ``(n, frames, size, size, 3)`` float32 of
    one coloured ``side`` x ``side`` square moving one pixel per frame; the caption is
    "<colour> square moves <direction>" ("red square moves left"); ``labels`` ``(n, 2)``
    int64 are the indices of the colour in ``VIDEO_COLOURS`` and of the direction in
    ``VIDEO_DIRECTIONS``."""
    rng = np.random.default_rng(seed)
    colours, directions = list(VIDEO_COLOURS), list(VIDEO_DIRECTIONS)
    clips = np.empty((n, frames, size, size, 3), np.float32)
    captions, labels = [], np.empty((n, 2), np.int64)
    travel = frames - 1
    for k in range(n):
        ci, di = int(rng.integers(len(colours))), int(rng.integers(len(directions)))
        dy, dx = VIDEO_DIRECTIONS[directions[di]]
        lo_y, hi_y = max(0, -dy * travel), size - side - max(0, dy * travel)
        lo_x, hi_x = max(0, -dx * travel), size - side - max(0, dx * travel)
        y0, x0 = int(rng.integers(lo_y, hi_y + 1)), int(rng.integers(lo_x, hi_x + 1))
        for t in range(frames):
            frame = np.full((size, size, 3), 0.05) + rng.normal(0, noise, (size, size, 3))
            y, x = y0 + dy * t, x0 + dx * t
            frame[y:y + side, x:x + side] = VIDEO_COLOURS[colours[ci]]
            clips[k, t] = np.clip(frame, 0, 1)
        captions.append(f"{colours[ci]} square moves {directions[di]}")
        labels[k] = (ci, di)
    return clips, captions, labels
