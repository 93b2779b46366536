"""Exercises of Lab 7a, vision applications.

The notebook is ``solutions/07a_vision_lab.ipynb``. The exercises check skills of the
Unit 7 chapter (``chapters/07_applications``) on data the student has not seen:

* q1: the IoU of two boxes in NumPy, on the checker's random boxes (disjoint, nested,
  touching along an edge, of zero area);
* q2: greedy non-maximum suppression, on the checker's random candidate sets (ties in
  score, an overlap exactly at the threshold);
* q3 to q7 are trained models (part module :mod:`dlbook.labs.lab07a_models`), each
  scored on images, canvases or clips that the checker draws at its own seed: a mini
  U-Net (q3), a box-and-class localiser (q4), a captioner on held-out combinations
  (q5), soft attention whose peak must land on the digit (q6) and a video-to-text model
  of moving squares (q7).

``MARGINS`` (in the part module) records, for each target of q3 to q7, what the
reference and the baseline it shuts out reach at three seeds on TensorFlow and JAX.

Use: ``from dlbook.labs.lab07a import q1, q2, ...``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbook.apps import vision
from dlbook.exercises import Incorrect, ProcedureExercise, Right, Wrong
from dlbook.exercises.compare import fmt, type_name
from dlbook.labs import lab07a_models
from dlbook.labs.lab07a_models import MARGINS, q3, q4, q5, q6, q7  # noqa: F401
from dlbook.labs.lab07a_models import (  # noqa: F401 - the notebook imports them from here
    VIDEO_COLOURS, VIDEO_DIRECTIONS, VOCAB, encode_captions, greedy_captions, load_canvases,
    load_captions, load_clips, load_discs, load_pets, load_shapes)

NOTEBOOK = "07a_vision_lab.ipynb"


def _to_np(value) -> Any:
    if hasattr(value, "shape") and not isinstance(value, np.ndarray):
        try:
            import keras

            return np.asarray(keras.ops.convert_to_numpy(value))
        except Exception:  # noqa: BLE001 - compare() says what it is
            return value
    return value


#: The book's own box functions, which q1 and q2 ask the student to write.
_BOOK_FUNCTIONS = ("iou", "iou_matrix", "nms", "mask_iou")


def _uses_book_function(func) -> str | None:
    """The name of a book box function that ``func`` is, or names in its code through a
    global bound to it (``from dlbook.apps.vision import iou``), else None."""
    originals = {id(getattr(vision, name)): name for name in _BOOK_FUNCTIONS}
    if id(func) in originals:
        return originals[id(func)]
    code = getattr(func, "__code__", None)
    glob = getattr(func, "__globals__", {})
    if code is not None:
        names = set(code.co_names)
        for const in code.co_consts:  # nested functions and lambdas
            if hasattr(const, "co_names"):
                names |= set(const.co_names)
        for name in names:
            if name in glob and id(glob[name]) in originals:
                return originals[id(glob[name])]
    return None


class _WatchedLists:
    """Runs the student's function on copies and rejects one that writes into an input,
    a list as well as an array (the base class watches arrays only), and one that calls
    the book's own ``dlbook.apps.vision`` box functions instead of computing the answer."""

    def _book_call_message(self, name: str) -> str:
        return (f"{self.func_name} uses dlbook.apps.vision.{name}, the book's own function: "
                f"the exercise is to write {self.func_name} yourself, in NumPy.")

    def grade(self, answer):
        name = _uses_book_function(answer)
        if name is not None:
            raise Incorrect(self._book_call_message(name))
        calls: list = []
        saved = {n: getattr(vision, n) for n in _BOOK_FUNCTIONS}

        def spy(n, f):
            def called(*args, **kwargs):
                calls.append(n)
                return f(*args, **kwargs)
            return called

        try:
            for n, f in saved.items():
                setattr(vision, n, spy(n, f))
            try:
                result = super().grade(answer)
            except Incorrect:
                if calls:
                    raise Incorrect(self._book_call_message(calls[0])) from None
                raise
        finally:
            for n, f in saved.items():
                setattr(vision, n, f)
        if calls:
            raise Incorrect(self._book_call_message(calls[0]))
        return result

    def _results(self, func, args, call):
        changed = []

        def watched(*given):
            before = [np.array(a, dtype=float, copy=True) for a in given]
            got = func(*given)
            changed.append(any(np.shape(a) != b.shape or not np.array_equal(
                np.asarray(a, dtype=float), b, equal_nan=True) for a, b in zip(given, before)))
            return self._convert(got)

        watched.__name__ = self.func_name
        out = super()._results(watched, args, call)
        if any(changed):
            raise Incorrect(f"on {call}, {self.func_name} changed one of its inputs in "
                            "place: work on a copy (np.array(x, dtype=float)) and leave "
                            "the caller's boxes as they were.")
        return out

    def _words(self, args) -> str:
        """The words of the public case whose arguments are ``args``."""
        return next(w for a, w in self.cases if a is args)


# ---- q1: IoU of two boxes ---------------------------------------------------------------


def iou(box_a, box_b):
    """The intersection over union of two (x1, y1, x2, y2) boxes."""
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = inter_w * inter_h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    if union <= 0:
        return 0.0  # two boxes of zero area
    return inter / union


IOU_KINDS = ("overlapping", "disjoint along x", "disjoint along y", "disjoint diagonally", "nested", "touching along an edge",
             "one of zero area", "both of zero area", "identical")


def _box(rng, lo=0.0, hi=40.0, min_side=1.0):
    x1, y1 = rng.uniform(lo, hi - 10, size=2).round(1)
    w, h = rng.uniform(min_side, 10, size=2).round(1)
    return np.array([x1, y1, x1 + w, y1 + h])


def _iou_case(kind: str, rng) -> tuple:
    a = _box(rng)
    x1, y1, x2, y2 = a
    w, h = x2 - x1, y2 - y1
    if kind == "overlapping":
        dx, dy = rng.uniform(0.2, 0.8, size=2) * (w, h)
        b = a + np.array([dx, dy, dx, dy]).round(1)
    elif kind.startswith("disjoint"):
        # boxes large next to the gap between them: an unclipped width or height times
        # another (clipped or not) is far from 0
        a = _box(rng, min_side=4.0)
        x1, y1, x2, y2 = a
        w, h = x2 - x1, y2 - y1
        gap = round(float(rng.uniform(0.5, 2)), 1)
        if kind == "disjoint along x":  # overlapping along y
            b = np.array([x2 + gap, y1 + 0.3 * h, x2 + gap + w, y2 + 0.5 * h])
        elif kind == "disjoint along y":  # overlapping along x
            b = np.array([x1 + 0.3 * w, y2 + gap, x2 + 0.5 * w, y2 + gap + h])
        else:                           # diagonally, by a small gap on each axis
            b = np.array([x2 + gap, y2 + gap, x2 + gap + w, y2 + gap + h])
    elif kind == "nested":
        b = np.array([x1 + 0.2 * w, y1 + 0.1 * h, x2 - 0.3 * w, y2 - 0.2 * h])
    elif kind == "touching along an edge":
        b = np.array([x2, y1 + 0.2 * h, x2 + w, y2 + 0.1 * h])
    elif kind == "one of zero area":
        b = np.array([x1 + 0.4 * w, y1, x1 + 0.4 * w, y2])  # a vertical line inside a
    elif kind == "both of zero area":
        a = np.array([x1, y1, x1, y1])
        b = a.copy()
    else:  # identical
        b = a.copy()
    b = np.round(b, 2)
    if rng.random() < 0.5:
        a, b = b, a
    return (a.round(2), b)


def _iou_cases(seed: int = 7101) -> list:
    rng = np.random.default_rng(seed)
    cases = []
    for kind in IOU_KINDS:
        for form in ("arrays", "lists"):
            a, b = _iou_case(kind, rng)
            if form == "lists":
                a, b = a.tolist(), tuple(b.tolist())
            cases.append(((a, b), f"two boxes, {kind} ({form})"))
    return cases


class IouExercise(_WatchedLists, ProcedureExercise):
    """q1: ``iou(box_a, box_b)``, on boxes of each kind, as arrays, lists and tuples."""

    def _convert(self, got):
        got = _to_np(got)
        if isinstance(got, np.ndarray) and got.size == 1:
            return float(got.reshape(()))
        return got

    def _hidden_args(self, args, rng):
        # the same kind of case as the public one, its numbers drawn anew
        words = self._words(args)
        kind = words.split(", ", 1)[1].rsplit(" (", 1)[0]
        a, b = _iou_case(kind, rng)
        return (a.tolist(), tuple(b.tolist())) if "lists" in words else (a, b)


def _iou_no_clip(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = (min(ax2, bx2) - max(ax1, bx1)) * (min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def _iou_clip_product(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, (min(ax2, bx2) - max(ax1, bx1)) * (min(ay2, by2) - max(ay1, by1)))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def _iou_plus_one(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1) + 1) * max(0.0, min(ay2, by2) - max(ay1, by1) + 1)
    union = (ax2 - ax1 + 1) * (ay2 - ay1 + 1) + (bx2 - bx1 + 1) * (by2 - by1 + 1) - inter
    return inter / union


def _iou_over_sum(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    total = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1)
    return inter / total if total > 0 else 0.0


def _iou_nan_at_zero(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    with np.errstate(all="ignore"):
        return np.float64(inter) / np.float64(union)


def _iou_matrix(a, b):
    """The IoU of every box of ``a`` with every box of ``b``, broadcast."""
    a, b = np.asarray(a, float)[:, None, :], np.asarray(b, float)[None, :, :]
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = w * h
    union = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
             + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - inter)
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def _iou_in_place(box_a, box_b):
    a = np.asarray(box_a, dtype=float)
    if isinstance(box_a, list):
        box_a.sort()  # "tidies" the caller's list
    return iou(a, box_b)


def _iou_as_tensor(box_a, box_b):
    import keras

    a = keras.ops.convert_to_tensor(np.asarray(box_a, dtype="float32"))
    b = keras.ops.convert_to_tensor(np.asarray(box_b, dtype="float32"))
    ops = keras.ops
    iw = ops.maximum(0.0, ops.minimum(a[2], b[2]) - ops.maximum(a[0], b[0]))
    ih = ops.maximum(0.0, ops.minimum(a[3], b[3]) - ops.maximum(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return ops.where(union > 0, inter / ops.maximum(union, 1e-12), 0.0)


IOU_SLIPS = [
    (_iou_no_clip, "the intersection's width or height is negative when the boxes do not "
                   "overlap along that axis; clip each at 0 (max(0, ...)) before multiplying: "
                   "two negatives make a positive area."),
    (_iou_clip_product, "on boxes disjoint along both axes the intersection's width and "
                        "height are both negative, and their product is positive: clip "
                        "each of them at 0 (max(0, ...)), not their product."),
    (_iou_plus_one, "you added 1 to every width and height (the pixel-count convention of "
                    "some older code): here a box covers [x1, x2) x [y1, y2), so its width "
                    "is x2 - x1."),
    (_iou_over_sum, "you divided by the sum of the two areas: the union counts the "
                    "intersection once, area(A) + area(B) - intersection."),
]

q1 = IouExercise(
    "q1", "IoU of two boxes by hand",
    points=1, reference=iou, outputs=("IoU",), cases=_iou_cases(),
    slips=IOU_SLIPS, slips_on_every_case=True, atol=1e-6,
    prompt="Write iou(box_a, box_b) in NumPy: the intersection over union of two boxes, "
           "each (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2, covering the area "
           "[x1, x2) x [y1, y2) (so its width is x2 - x1). The boxes come as arrays, lists "
           "or tuples of 4 numbers; return one number in [0, 1]. When the union has zero "
           "area (two boxes of zero area) return 0.0. Do not change the boxes you are given.",
    hints=[
        "The intersection of two boxes is a box too: its left edge is the larger of the "
        "two left edges, its right edge the smaller of the two right edges; the same for "
        "the top and the bottom. What is its width when the boxes do not overlap?",
        "Union = area(A) + area(B) - intersection. Test your function on two boxes that "
        "only share an edge, and on a box of zero width, before you check it.",
    ],
    wrong_answers=[
        Wrong(_iou_in_place, "changed one of its inputs in place"),
        Wrong(vision.iou, "write iou yourself"),
        Wrong(_iou_nan_at_zero, "NaN (not a number)"),
    ],
    right_answers=[
        Right(lambda a, b: float(_iou_matrix([a], [b])[0, 0]),
              "a vectorised version, on a batch of one box each"),
        Right(_iou_as_tensor, "the same formula in keras.ops, returning a tensor"),
    ],
    solution_context=lambda: {"np": np},
)


# ---- q2: non-maximum suppression ---------------------------------------------------------


def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression: the indices of the kept boxes, best score first."""
    boxes = np.asarray(boxes, dtype=float)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")  # ties: the lower index first
    keep = []
    for i in order:
        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep):
            keep.append(int(i))
    return keep


def _nms_case(kind: str, rng) -> tuple:
    """A candidate set like a detector's: clusters of jittered boxes around a few objects."""
    if kind == "at the threshold":
        # two boxes of IoU exactly 1/2 and one far away; threshold 0.5
        x, y = rng.integers(0, 20, size=2).astype(float)
        w = float(rng.integers(2, 6))
        boxes = [[x, y, x + 2 * w, y + w], [x, y, x + w, y + w], [x + 30, y, x + 34, y + 4]]
        scores = rng.permutation([0.9, 0.6, 0.3])
        return (np.array(boxes), np.round(scores, 2), 0.5)
    n_objects = int(rng.integers(2, 4))
    boxes, scores = [], []
    for _ in range(n_objects):
        centre = _box(rng, 0, 60, 4)
        for _ in range(int(rng.integers(2, 5))):
            boxes.append(centre + rng.normal(0, 1.2, 4).round(1))
            scores.append(rng.uniform(0.3, 1.0))
    boxes = np.array(boxes)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 0.5)
    scores = np.round(np.array(scores), 1)  # many ties
    if kind == "with ties":
        scores[:] = np.round(scores * 2) / 2
    order = rng.permutation(len(boxes))
    threshold = {"with ties": 0.3, "at threshold 0.7": 0.7}.get(kind, 0.5)
    return (boxes[order], scores[order], threshold)


NMS_KINDS = ("three objects", "with ties", "at the threshold", "at threshold 0.7")


def _nms_cases(seed: int = 7201) -> list:
    rng = np.random.default_rng(seed)
    cases = []
    for kind in NMS_KINDS:
        for rep in range(2):
            boxes, scores, t = _nms_case(kind, rng)
            if rep:
                boxes, scores = boxes.tolist(), scores.tolist()
            cases.append(((boxes, scores, t), f"{len(scores)} boxes, {kind}, threshold {t}"))
    return cases


class NmsExercise(_WatchedLists, ProcedureExercise):
    """q2: ``nms(boxes, scores, iou_threshold)``; the kept indices in order, any sequence."""

    def _convert(self, got):
        got = _to_np(got)
        try:
            arr = np.asarray(got)
        except Exception:  # noqa: BLE001
            return got
        if arr.dtype == bool:
            raise Incorrect("nms returned a mask of True/False, one per box: return the "
                            "indices of the kept boxes, best score first (np.flatnonzero "
                            "gives indices, but in index order, not score order).")
        if arr.ndim == 1 and (arr.size == 0 or np.issubdtype(arr.dtype, np.number)):
            if arr.size and not np.all(arr == np.round(arr)):
                return got
            return [int(i) for i in arr.reshape(-1)]
        return got

    def _hidden_args(self, args, rng):
        boxes = args[0]
        kind = self._words(args).split(", ")[1]
        new = _nms_case(kind, rng)
        if isinstance(boxes, list):
            return (new[0].tolist(), new[1].tolist(), new[2])
        return new

    def _mismatch(self, got, want):
        got, want = got[0], want[0]
        if not isinstance(got, list):
            return (f"nms should return the indices of the kept boxes (a list or an array of "
                    f"integers); it returned {fmt(got)} ({type_name(got)})")
        if got == want:
            return None
        if sorted(got) == sorted(want):
            return ("the right boxes are kept but not in the order asked for: best score "
                    "first, ties to the lower index")
        extra = len(set(got) - set(want))
        missing = len(set(want) - set(got))
        words = []
        if extra:
            words.append(f"you keep {extra} box{'es' if extra > 1 else ''} that overlap a "
                         "better kept box by more than the threshold")
        if missing:
            words.append(f"you drop {missing} box{'es' if missing > 1 else ''} that no "
                         "better kept box overlaps by more than the threshold")
        return "; ".join(words) or "your indices repeat a box"



def _nms_ge(boxes, scores, iou_threshold):
    boxes, scores = np.asarray(boxes, float), np.asarray(scores, float)
    keep = []
    for i in np.argsort(-scores, kind="stable"):
        if all(iou(boxes[i], boxes[j]) < iou_threshold for j in keep):
            keep.append(int(i))
    return keep


def _nms_unsorted(boxes, scores, iou_threshold):
    boxes = np.asarray(boxes, float)
    keep = []
    for i in range(len(boxes)):
        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep):
            keep.append(i)
    return keep


def _nms_against_all(boxes, scores, iou_threshold):
    """Suppresses a box that overlaps any better box, kept or suppressed itself."""
    boxes, scores = np.asarray(boxes, float), np.asarray(scores, float)
    order = list(np.argsort(-scores, kind="stable"))
    keep = []
    for rank, i in enumerate(order):
        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in order[:rank]):
            keep.append(int(i))
    return keep


def _nms_ties_high(boxes, scores, iou_threshold):
    boxes, scores = np.asarray(boxes, float), np.asarray(scores, float)
    keep = []
    for i in np.argsort(scores, kind="stable")[::-1]:
        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep):
            keep.append(int(i))
    return keep


def _nms_sorts_in_place(boxes, scores, iou_threshold):
    order = np.argsort(-np.asarray(scores, float), kind="stable")
    if isinstance(scores, np.ndarray):
        scores.sort()
    elif isinstance(scores, list):
        scores.sort(reverse=True)
    boxes = np.asarray(boxes, float)
    keep = []
    for i in order:
        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep):
            keep.append(int(i))
    return keep


def _nms_while(boxes, scores, iou_threshold):
    boxes = np.array(boxes, dtype=float)
    remaining = list(np.argsort(-np.asarray(scores, float), kind="stable"))
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(int(best))
        remaining = [j for j in remaining
                     if iou(boxes[best], boxes[j]) <= iou_threshold]
    return np.array(keep)


def _nms_matrix(boxes, scores, iou_threshold):
    """NMS with the IoU matrix computed once."""
    boxes = np.asarray(boxes, float)
    overlaps = _iou_matrix(boxes, boxes)
    keep = []
    for i in np.argsort(-np.asarray(scores, float), kind="stable"):
        if not keep or overlaps[i, keep].max() <= iou_threshold:
            keep.append(int(i))
    return keep


NMS_SLIPS = [
    (_nms_ge, "a box whose IoU with a kept box equals the threshold exactly is kept: the "
              "prompt suppresses only an IoU strictly greater than the threshold (> , not >=)."),
    (_nms_unsorted, "you visited the boxes in index order: greedy NMS visits them by "
                    "decreasing score, so that each object keeps its best box."),
    (_nms_against_all, "you suppressed a box because it overlaps a better box that was "
                       "itself suppressed: compare each box only with the boxes kept so far."),
    (_nms_ties_high, "with equal scores the prompt visits the lower index first; reversing "
                     "an ascending argsort puts the higher index first (sort by -scores "
                     "with kind='stable')."),
]

q2 = NmsExercise(
    "q2", "Non-maximum suppression by hand",
    points=2, reference=nms, outputs=("kept indices",), cases=_nms_cases(),
    slips=NMS_SLIPS, slips_on_every_case=True,
    prompt="Write nms(boxes, scores, iou_threshold): greedy non-maximum suppression. boxes is "
           "(n, 4) boxes (x1, y1, x2, y2) (an array or a list of lists), scores their n "
           "scores. Visit the boxes from the best score down (equal scores: the lower index "
           "first); keep a box unless its IoU with a box already kept is strictly greater "
           "than iou_threshold (an IoU equal to the threshold does not suppress). Return the "
           "indices of the kept boxes in the order you kept them (a list or an array of "
           "integers). You may use your iou from Exercise 1. Do not change the inputs.",
    hints=[
        "np.argsort(-scores, kind='stable') gives the visiting order, ties to the lower "
        "index. Keep a list `keep`; each box in turn is compared with the boxes in `keep` "
        "only.",
        "A box survives when all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep).",
    ],
    wrong_answers=[
        Wrong(_nms_sorts_in_place, "changed one of its input"),
        Wrong(lambda boxes, scores, t: vision.nms(boxes, scores, t), "write nms yourself"),
        Wrong(lambda boxes, scores, t: np.asarray(
            [i in nms(boxes, scores, t) for i in range(len(scores))]), "a mask of True/False"),
    ],
    right_answers=[
        Right(_nms_while, "pop the best remaining box and filter the rest; returns an array"),
        Right(_nms_matrix, "a vectorised version (an IoU matrix once)"),
    ],
    solution_context=lambda: {"np": np, "iou": iou},
)


# ---- the lab --------------------------------------------------------------------------

#: The exercises in the notebook's order.
EXERCISES = [q1, q2, q3, q4, q5, q6, q7]

__all__ = ["NOTEBOOK", "EXERCISES", "MARGINS", "q1", "q2", "q3", "q4", "q5", "q6", "q7",
           "iou", "nms", "lab07a_models"]

