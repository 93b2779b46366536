"""Decoding, detection scoring and model tables for chapter 7 (``chapters/07_applications``).

* :func:`greedy_decode` and :func:`beam_search` decode a sequence from any
  next-token model, given as a function of the prefix (section ch7-captioning,
  also used for the dialogue toy of ch7-dialogue);
* :func:`match_detections` and :func:`average_precision` score a ranked list
  of detections of one class against its ground-truth boxes, the way
  PASCAL VOC (2010 and later) does (section ch7-detection);
* :func:`layer_table` lists a Keras model's layers with their output shapes
  and parameter counts, computed by Keras (every architecture table of the
  chapter).

IoU and non-maximum suppression themselves are :mod:`dlbook.apps.vision`'s
``iou``, ``iou_matrix`` and ``nms``, shared with Lab 7a.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = ["greedy_decode", "beam_search", "match_detections", "average_precision",
           "layer_table"]

NextLogProbs = Callable[[tuple], Mapping[str, float]]


def greedy_decode(next_logprobs: NextLogProbs, start: str = "<s>", end: str = "</s>",
                  max_len: int = 20) -> tuple[list[str], float]:
    """The sequence that takes the most probable next token at every step.

    ``next_logprobs(prefix)`` maps the tokens so far (a tuple starting with
    ``start``) to the log-probability of each possible next token. Decoding
    stops after ``end`` or ``max_len`` tokens. Returns the tokens (without
    ``start``, with ``end`` if it was reached) and their total log-probability.
    Ties go to the token listed first.
    """
    prefix, total = (start,), 0.0
    while len(prefix) <= max_len:
        options = next_logprobs(prefix)
        token = max(options, key=options.get)
        prefix, total = prefix + (token,), total + float(options[token])
        if token == end:
            break
    return list(prefix[1:]), total


def beam_search(next_logprobs: NextLogProbs, beam_width: int, start: str = "<s>",
                end: str = "</s>", max_len: int = 20) -> list[tuple[list[str], float]]:
    """Beam search: keep the ``beam_width`` most probable prefixes at every step.

    A prefix that ends with ``end`` is finished and leaves the beam. Returns
    every finished sequence (and the unfinished ones left at ``max_len``),
    most probable first, as (tokens without ``start``, total log-probability).
    With ``beam_width=1`` it is :func:`greedy_decode`.
    """
    if beam_width < 1:
        raise ValueError("beam_width must be at least 1")
    beam, finished = [((start,), 0.0)], []
    for _ in range(max_len):
        candidates = []
        for prefix, score in beam:
            for token, lp in next_logprobs(prefix).items():
                candidates.append((prefix + (token,), score + float(lp)))
        candidates.sort(key=lambda c: -c[1])  # stable: ties keep the listed order
        beam = []
        for prefix, score in candidates[:beam_width]:
            (finished if prefix[-1] == end else beam).append((prefix, score))
        if not beam:
            break
    finished += beam
    finished.sort(key=lambda c: -c[1])
    return [(list(p[1:]), s) for p, s in finished]


def match_detections(boxes, scores, true_boxes, iou_threshold: float = 0.5) -> np.ndarray:
    """For detections of one class, whether each is a true positive, in score order.

    Visit the detections by decreasing score (ties by index); a detection is a
    true positive when its best-overlapping ground-truth box has IoU at least
    ``iou_threshold`` and was not matched before; otherwise (a duplicate, or a
    box on nothing) it is a false positive. Returns booleans, best score first.
    """
    from dlbook.apps.vision import iou_matrix

    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    true_boxes = np.asarray(true_boxes, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    overlaps = iou_matrix(boxes, true_boxes) if len(true_boxes) else np.zeros((len(boxes), 0))
    taken = np.zeros(len(true_boxes), dtype=bool)
    is_tp = np.zeros(len(boxes), dtype=bool)
    for rank, i in enumerate(order):
        if overlaps.shape[1] == 0:
            continue
        j = int(np.argmax(overlaps[i]))
        if overlaps[i, j] >= iou_threshold and not taken[j]:
            taken[j], is_tp[rank] = True, True
    return is_tp


def average_precision(is_tp: Sequence[bool], n_true: int):
    """Precision, recall and average precision of a ranked list of detections.

    ``is_tp`` says, best score first, whether each detection is a true
    positive; ``n_true`` is the number of ground-truth objects (missed ones
    included). After the k-th detection, precision is TP_k / k and recall
    TP_k / n_true. AP is the area under the precision-recall curve after
    replacing each precision by the best precision at any higher recall (the
    PASCAL VOC 2010+ "all-point interpolation"). Returns
    ``(precision, recall, ap)``.
    """
    if n_true < 1:
        raise ValueError("n_true must be at least 1")
    hits = np.asarray(is_tp, dtype=bool)
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / n_true
    envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(hits) else precision
    steps = np.diff(np.concatenate([[0.0], recall]))
    return precision, recall, float(np.sum(steps * envelope))


def layer_table(model) -> str:
    """A Keras model's layers as text: name, type, output shape, parameters.

    Every number comes from Keras (``layer.output.shape``, ``count_params()``);
    the last line is the model's total. Nothing is printed; print the result.
    """
    rows = [("layer", "type", "output shape", "parameters")]
    for layer in model.layers:
        out = layer.output
        shapes = [o.shape for o in out] if isinstance(out, (list, tuple)) else [out.shape]
        shape = ", ".join("(" + ", ".join("None" if d is None else str(d) for d in s) + ")"
                          for s in shapes)
        rows.append((layer.name, type(layer).__name__, shape, f"{layer.count_params():,d}"))
    rows.append(("total", "", "", f"{model.count_params():,d}"))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  "
             f"{r[3]:>{widths[3]}}".rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
