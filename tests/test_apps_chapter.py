"""dlbook.nn.apps: decoding, detection scoring and layer tables of chapter 7."""

import math

import numpy as np
import pytest

from dlbook import nn
from dlbook.nn import apps

LM = {
    "<s>": {"a": 1.0},
    "a": {"red": 0.9, "blue": 0.1},
    "red": {"shape": 0.55, "circle": 0.45},
    "blue": {"circle": 1.0},
    "shape": {"on": 0.6, "</s>": 0.4},
    "circle": {"on": 0.95, "</s>": 0.05},
    "on": {"the": 1.0},
    "the": {"left": 0.8, "right": 0.2},
    "left": {"</s>": 1.0},
    "right": {"</s>": 1.0},
}


def next_logprobs(prefix):
    return {w: math.log(p) for w, p in LM[prefix[-1]].items()}


def test_reexported():
    for name in apps.__all__:
        assert getattr(nn, name) is getattr(apps, name)


def test_greedy_takes_the_local_best():
    words, lp = apps.greedy_decode(next_logprobs)
    assert words == "a red shape on the left </s>".split()
    assert lp == pytest.approx(math.log(0.9 * 0.55 * 0.6 * 0.8))


def test_beam_finds_the_more_probable_caption():
    beams = apps.beam_search(next_logprobs, beam_width=2)
    assert beams[0][0] == "a red circle on the left </s>".split()
    assert beams[0][1] == pytest.approx(math.log(0.9 * 0.45 * 0.95 * 0.8))
    assert [b[1] for b in beams] == sorted((b[1] for b in beams), reverse=True)


def test_beam_of_width_one_is_greedy():
    assert apps.beam_search(next_logprobs, 1)[0][0] == apps.greedy_decode(next_logprobs)[0]


def test_exhaustive_beam_finds_the_best_sequence():
    # with a beam wider than any step's candidates, the best of all sequences
    best = apps.beam_search(next_logprobs, beam_width=50)[0]
    assert best[1] == pytest.approx(math.log(0.9 * 0.45 * 0.95 * 0.8))


def test_decoding_stops_at_max_len():
    loop = lambda prefix: {"x": 0.0}  # noqa: E731 - never ends
    assert apps.greedy_decode(loop, max_len=3)[0] == ["x", "x", "x"]
    assert apps.beam_search(loop, 2, max_len=3)[0][0] == ["x", "x", "x"]
    with pytest.raises(ValueError):
        apps.beam_search(loop, 0)


def test_average_precision_by_hand():
    hits = [1, 1, 0, 1, 0, 0, 1, 0]
    precision, recall, ap = apps.average_precision(hits, 5)
    assert precision == pytest.approx([1, 1, 2 / 3, 3 / 4, 3 / 5, 1 / 2, 4 / 7, 1 / 2])
    assert recall == pytest.approx([0.2, 0.4, 0.4, 0.6, 0.6, 0.6, 0.8, 0.8])
    assert ap == pytest.approx(0.2 * (1 + 1 + 0.75 + 4 / 7))
    assert apps.average_precision([1, 1, 1], 3)[2] == pytest.approx(1.0)
    assert apps.average_precision([0, 0], 2)[2] == 0.0
    # a false positive ranked first costs more than one ranked last
    assert apps.average_precision([0, 1, 1], 2)[2] < apps.average_precision([1, 1, 0], 2)[2]
    with pytest.raises(ValueError):
        apps.average_precision([1], 0)


def test_average_precision_matches_sklearn_when_every_object_is_found():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        hits = rng.random(12) < 0.5
        if not hits.any():
            continue
        scores = np.linspace(1, 0.1, 12)
        # sklearn's AP is the uninterpolated sum; the VOC envelope is never below it
        ours = apps.average_precision(hits, int(hits.sum()))[2]
        theirs = sklearn.average_precision_score(hits, scores)
        assert ours >= theirs - 1e-12


def test_match_detections():
    true = [[0, 0, 10, 10], [20, 20, 30, 30]]
    boxes = [[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60], [20, 20, 29, 30]]
    scores = [0.9, 0.8, 0.7, 0.6]
    # the duplicate (rank 2) and the box on nothing (rank 3) are false positives
    assert apps.match_detections(boxes, scores, true).tolist() == [True, False, False, True]
    # ranked by score, not by index
    assert apps.match_detections(boxes, [0.1, 0.9, 0.5, 0.3], true).tolist() == [
        True, False, True, False]
    assert apps.match_detections(boxes, scores, np.zeros((0, 4))).tolist() == [False] * 4
    # stricter threshold: the 9/10 box still counts at 0.9, not at 0.95
    assert apps.match_detections([[20, 20, 29, 30]], [1.0], true, 0.9).tolist() == [True]
    assert apps.match_detections([[20, 20, 29, 30]], [1.0], true, 0.95).tolist() == [False]


def test_layer_table():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d1"),
                              keras.layers.Dense(2, name="d2")])
    table = apps.layer_table(model)
    lines = table.splitlines()
    assert lines[0].split() == ["layer", "type", "output", "shape", "parameters"]
    assert "d1" in lines[2] and "(None, 3)" in lines[2] and lines[2].endswith("15")
    assert lines[-1].split() == ["total", "23"]
