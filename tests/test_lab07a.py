"""Lab 7a's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the lab's NumPy references agree with dlbook.apps.vision on random boxes;
- q1 and q2 cover the edge cases their prompts name (zero area, touching edges, IoU equal
  to the threshold), and a function that writes into its input is rejected while the
  stored cases stay;
- the checkers' data are drawn at seeds no loader uses, q5's from combinations no
  training image shows, q6's from digits no lab loads;
- the checkers accept every correct form (logits, flattened masks, outputs in any order)
  and name the wrong ones, on hand-built models that need no training;
- every target of q3 to q7 has its margin on TensorFlow and JAX (lab07a.MARGINS);
- the notebook states the checkers' numbers;
- the full configuration (DLBOOK_MODE=full) runs its Oxford-IIIT Pet U-Net on synthetic 64 x 64
  photos and its MNIST cell on synthetic 28 x 28
  images, and falls back with a message offline.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from dlbook.apps import vision
from dlbook.labs import lab07a
from dlbook.labs import lab07a_models as M
from tests import synthetic
from tests.notebook_scan import full_mode_namespace, solution_cell


# ---- q1 and q2 ----------------------------------------------------------------------------


def test_references_agree_with_dlbook_apps_vision():
    rng = np.random.default_rng(5)
    for _ in range(200):
        a, b = (lab07a._box(rng) for _ in range(2))
        assert lab07a.iou(a, b) == pytest.approx(vision.iou(a, b))
    for seed in range(20):
        boxes, scores, t = lab07a._nms_case("three objects", np.random.default_rng(seed))
        assert lab07a.nms(boxes, scores, t) == vision.nms(boxes, scores, t).tolist()


def test_q1_cases_cover_the_edge_cases():
    values = {words: lab07a.iou(*args) for args, words in lab07a.q1.cases}
    kinds = {w.split(", ", 1)[1].rsplit(" (", 1)[0]: v for w, v in values.items()}
    for kind in ("disjoint along x", "disjoint along y", "disjoint diagonally",
                 "touching along an edge", "both of zero area", "one of zero area"):
        assert kinds[kind] == 0, kind
    assert kinds["identical"] == pytest.approx(1) and 0 < kinds["overlapping"] < 1
    # in the disjoint cases forgetting the clip gives a positive overlap
    disjoint = [args for args, w in lab07a.q1.cases if "disjoint" in w]
    assert any(lab07a._iou_no_clip(*a) != 0 for a in disjoint)


def _iou_clips_the_product(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, (min(ax2, bx2) - max(ax1, bx1)) * (min(ay2, by2) - max(ay1, by1)))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def _iou_clips_width_only(box_a, box_b):
    ax1, ay1, ax2, ay2 = np.asarray(box_a, dtype=float)
    bx1, by1, bx2, by2 = np.asarray(box_b, dtype=float)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * (min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


@pytest.mark.parametrize("answer", [_iou_clips_the_product, _iou_clips_width_only])
def test_q1_rejects_half_clipped_intersections(answer):
    """Boxes disjoint along both axes, and along y only, catch a clip of the product or of
    the width alone (unseen student A, findings 1 and 2), on the hidden cases too."""
    assert not lab07a.q1.evaluate(answer).correct
    assert not lab07a.q1.hidden_variant(3).evaluate(answer).correct


def test_q1_q2_reject_the_books_own_functions():
    from dlbook.apps.vision import iou as book_iou

    def calls_module(a, b):
        return vision.iou(a, b)

    def calls_name(a, b):
        return float(book_iou(a, b))

    for answer in (vision.iou, calls_module, calls_name):
        result = lab07a.q1.evaluate(answer)
        assert not result.correct and "write iou yourself" in result.message
    result = lab07a.q2.evaluate(lambda b, s, t: list(vision.nms(b, s, t)))
    assert not result.correct and "write nms yourself" in result.message
    # the book's functions are restored after the check
    assert vision.iou is book_iou and lab07a.q1.evaluate(lab07a.iou).correct


def test_q2_has_a_case_at_the_threshold_and_ties():
    at = [args for args, w in lab07a.q2.cases if "at the threshold" in w]
    assert at and all(lab07a._nms_ge(*a) != lab07a.nms(*a) for a in at)
    ties = [args for args, w in lab07a.q2.cases if "ties" in w]
    assert any(len(set(np.asarray(a[1]).tolist())) < len(a[1]) for a in ties)


@pytest.mark.parametrize("q", [lab07a.q1, lab07a.q2], ids=lambda q: q.name)
def test_a_function_writing_into_its_input_is_rejected_and_the_cases_stay(q):
    import copy

    before = copy.deepcopy([args for args, _ in q.cases])
    wrong = next(w for w in q.wrong_answers if "changed one of its input" in w.message)
    assert not q.evaluate(wrong.answer).correct
    for (args, _), saved in zip(q.cases, before):
        for a, b in zip(args, saved):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_hidden_variants_keep_the_kinds_of_case():
    for q in (lab07a.q1, lab07a.q2):
        v = q.hidden_variant(11)
        assert v.evaluate(q.reference).correct
        assert len(v.cases) == len(q.cases)


# ---- the checkers' data ---------------------------------------------------------------------


def test_checker_data_is_drawn_apart_from_the_notebooks():
    X, _ = M.load_discs()
    Xc, _ = M._check_data("q3")
    assert not any(np.array_equal(Xc[0], x) for x in X)
    _, captions = M.load_captions()
    _, held_captions = M._check_data("q5")
    assert not set(captions) & set(held_captions)
    assert {vision._caption(*c) for c in M.HELD_OUT} == set(held_captions)
    # every colour, shape and position of a held-out caption is in the training captions
    words = {w for c in captions for w in c.split()}
    assert all(set(c.split()) <= words for c in held_captions)


def test_attention_checker_uses_digits_no_lab_loads():
    from dlbook.datasets import digits_lab_and_held_out

    (X_lab, _), (X_held, _) = digits_lab_and_held_out()
    canvases, centres, labels = M._check_data("q6")
    assert len(canvases) == M.Q6_COPIES * len(X_held) == len(labels)
    # the digit pasted at each centre is a held-out one
    r, c = (centres[0] - 3.5).astype(int)
    patch = canvases[0, r:r + 8, c:c + 8, 0]
    assert (patch >= X_held[0].reshape(8, 8) - 1e-6).all()


def test_captions_encode_and_decode():
    tin, tout = M.encode_captions(["a red circle on the left", "a blue square at the top"])
    assert tin.shape == tout.shape == (2, 7)
    assert M.VOCAB[tin[0, 0]] == "<start>" and M.VOCAB[tout[0, -1]] == "<end>"
    np.testing.assert_array_equal(tin[:, 1:], tout[:, :-1])


# ---- the checkers on hand-built models ------------------------------------------------------


def _oracle_captioner():
    """A 'decoder' that writes the caption of the image whose mean colour it sees: it
    returns one-hot scores of the right next word for the checker's own images."""
    import keras

    X, captions = M._check_data("q5")
    _, tout = M.encode_captions(captions)
    keys = X.reshape(len(X), -1).mean(1)
    table = np.eye(len(M.VOCAB), dtype="float32")[tout]  # (n, 7, V)

    image_in = keras.Input(shape=(32, 32, 3))
    tokens_in = keras.Input(shape=(None,), dtype="int32")

    def lookup(args):
        images, tokens = args
        k = keras.ops.mean(keras.ops.reshape(images, (keras.ops.shape(images)[0], -1)), axis=1)
        idx = keras.ops.argmin(keras.ops.abs(k[:, None] - keras.ops.convert_to_tensor(keys)[None]), axis=1)
        return keras.ops.take(keras.ops.convert_to_tensor(table), idx, axis=0)

    out = keras.layers.Lambda(lookup, output_shape=(7, len(M.VOCAB)))([image_in, tokens_in])
    return keras.Model([image_in, tokens_in], out)


def test_q5_greedy_decoding_on_an_oracle():
    model = _oracle_captioner()
    X, captions = M._check_data("q5")
    assert M.greedy_captions(model, X[:10]) == captions[:10]
    assert M.caption_scores(model, X, captions) == (1.0, 1.0)


def test_checker_data_depends_on_the_models_weights():
    """A lookup table of a published draw scores nothing: the checker draws its images at
    a seed from the model's weights (unseen student A, finding 4)."""
    import keras

    oracle = _oracle_captioner()
    result = lab07a.q5.evaluate(lambda X, tokens_in, tokens_out: oracle)
    assert not result.correct and "below 80%" in result.message
    mask_oracle = _mask_model(False)
    assert M.segmentation_iou(mask_oracle, *M._check_data("q3")) == 1.0
    assert not lab07a.q3.evaluate(mask_oracle).correct
    a = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    b = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert M.answer_seed("q3", a) == M.answer_seed("q3", a) != M.answer_seed("q3", b)
    assert M.answer_seed("q3", a) != M.answer_seed("q4", a)


def _mask_model(logits: bool):
    """A 'segmenter' that returns the checker's true masks for its images (as logits or
    probabilities), looked up by the image's mean."""
    import keras

    X, Mk = M._check_data("q3")
    keys = X.reshape(len(X), -1).mean(1)
    table = Mk.astype("float32") * (20.0 if logits else 1.0) - (10.0 if logits else 0.0)
    inputs = keras.Input(shape=(32, 32, 1))

    def lookup(images):
        k = keras.ops.mean(keras.ops.reshape(images, (keras.ops.shape(images)[0], -1)), axis=1)
        idx = keras.ops.argmin(keras.ops.abs(k[:, None] - keras.ops.convert_to_tensor(keys)[None]), axis=1)
        return keras.ops.take(keras.ops.convert_to_tensor(table), idx, axis=0)

    model = keras.Model(inputs, keras.layers.Lambda(lookup, output_shape=(32, 32, 1))(inputs))
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=logits))
    return model


def test_q3_reads_logits_when_compiled_from_logits():
    assert M.segmentation_iou(_mask_model(False), *M._check_data("q3")) == 1.0
    assert M.segmentation_iou(_mask_model(True), *M._check_data("q3")) == 1.0
    bad = _mask_model(True)
    bad.compile(loss="binary_crossentropy")  # logits read as probabilities
    result = lab07a.q3.evaluate(bad)
    assert not result.correct and "from_logits=True" in result.message


def test_q4_q6_q7_name_wrong_shapes():
    import keras

    x = keras.Input(shape=(32, 32, 1))
    flat = keras.layers.Flatten()(x)
    two_boxes = keras.Model(x, [keras.layers.Dense(4)(flat), keras.layers.Dense(4)(flat)])
    assert "4 numbers per image" in lab07a.q4.evaluate(two_boxes).message
    no_attention = keras.Sequential([keras.Input((24, 24, 1)), keras.layers.Flatten(),
                                     keras.layers.Dense(10)])
    assert "no layer named" in lab07a.q6.evaluate(no_attention).message
    c = keras.Input(shape=(8, 16, 16, 3))
    f = keras.layers.Flatten()(c)
    wrong = keras.Model(c, [keras.layers.Dense(3)(f), keras.layers.Dense(3)(f)])
    assert "direction head 4" in lab07a.q7.evaluate(wrong).message


def test_q6_accepts_a_square_map_and_rejects_unnormalised_weights():
    import keras

    canvases, centres, _ = M._check_data("q6")
    inputs = keras.Input(shape=(24, 24, 1))
    pooled = keras.layers.AveragePooling2D(4)(inputs)                    # 6 x 6
    scores = keras.layers.Reshape((36,))(keras.layers.Rescaling(60.0)(pooled))
    weights = keras.layers.Softmax()(scores)
    grid = keras.layers.Reshape((6, 6), name="attention")(weights)
    brightest = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(grid)))
    rate = M.attention_peaks(brightest, canvases, centres)
    assert 0.0 <= rate <= 1.0
    raw = keras.layers.Reshape((6, 6), name="attention")(pooled)
    unnormalised = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(raw)))
    assert "add up to 1" in lab07a.q6.evaluate(unnormalised).message
    # brightness attention with an untrained classifier: the class is a guess
    # (unseen student A, finding 7)
    result = lab07a.q6.evaluate(brightest)
    assert not result.correct and "the class must be right" in result.message


def test_q3_says_train_when_a_unet_with_its_skip_is_untrained():
    import keras

    namespace = dict(lab07a.q3.solution_namespace())
    exec(M.Q3_SOLUTION.replace("epochs=12", "epochs=0"), namespace)
    result = lab07a.q3.evaluate(namespace["unet"])
    assert not result.correct and "did you train it" in result.message
    assert "skip connection)" not in result.message


def test_q4_names_a_box_read_in_another_order():
    import keras

    reference = lab07a.q4.reference_answer()
    box, shape = reference.outputs
    swapped = keras.layers.Lambda(lambda b: keras.ops.take(b, [1, 0, 3, 2], axis=1),
                                  output_shape=(4,))(box)
    result = lab07a.q4.evaluate(keras.Model(reference.input, [swapped, shape]))
    assert not result.correct and "(y1, x1, y2, x2)" in result.message


# ---- the targets' margins -------------------------------------------------------------------


def test_every_target_has_its_margin_on_both_backends():
    assert {m.exercise for m in M.MARGINS} == {"q3", "q4", "q5", "q6", "q7"}
    assert [line for m in M.MARGINS for line in m.violations()] == []


# ---- the notebook ---------------------------------------------------------------------------


def test_the_notebook_states_the_checkers_numbers():
    nb = nbformat.read("solutions/07a_vision_lab.ipynb", as_version=4)
    text = " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())
    for q in lab07a.EXERCISES:
        assert " ".join(q.prompt.split()) in text, q.name
    for number in [f"mean IoU of at least {M.SEG_IOU}", f"at least {M.LOC_IOU}",
                   f"at least {M.LOC_ACC}", f"{M.CAPTION_ACC:.0%} exact",
                   f"within {M.PEAK_RADIUS:g} pixels", f"{M.PEAK_RATE:.0%} of them",
                   f"at least {M.CANVAS_ACC:.0%}.",
                   f"{M.VIDEO_ACC:.0%} of them", "6 of the 36 combinations"]:
        assert number in text, number


# ---- the full configuration, on synthetic MNIST ---------------------------------------------

FULL_CELL = "# alt: In the full configuration only"


def test_full_mode_mnist_canvases_run_on_synthetic_images(monkeypatch, capsys):
    import keras

    monkeypatch.setattr(keras.datasets.mnist, "load_data",
                        synthetic.load_data((28, 28), n=300, n_train=256))
    namespace = full_mode_namespace(monkeypatch, lab07a.NOTEBOOK, "import keras")
    cell = solution_cell(lab07a.NOTEBOOK, FULL_CELL).replace("epochs=5", "epochs=1")
    exec(cell, namespace)
    out = capsys.readouterr().out
    assert "MNIST canvases: validation accuracy" in out, out
    assert namespace["mnist_maps"].shape == (4, 14, 14)


def test_full_mode_falls_back_offline(monkeypatch, capsys):
    import keras

    def no_network():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    namespace = full_mode_namespace(monkeypatch, lab07a.NOTEBOOK, "import keras")
    exec(solution_cell(lab07a.NOTEBOOK, FULL_CELL), namespace)
    assert ("Could not download MNIST (OSError); the canvases above are its offline "
            "version.") in capsys.readouterr().out


def test_every_baseline_changes_its_reference():
    for reference, baseline in [(M.Q5_SOLUTION, M.Q5_FLAT), (M.Q4_SOLUTION, M.Q4_NO_CONV),
                                (M.Q6_SOLUTION, M.Q6_UNTRAINED),
                                (M.Q6_SOLUTION, M.Q6_BRIGHTNESS),
                                (M.Q7_SOLUTION, M.Q7_AVERAGED)]:
        assert reference != baseline
    for m in M.MARGINS:
        assert m.reference != m.baseline


# ---- the full configuration's U-Net, on synthetic pets --------------------------------------

PETS_CELL = "# alt: Full configuration only"


def test_full_mode_pets_unet_runs_on_synthetic_photos(monkeypatch, capsys):
    rng = np.random.default_rng(0)
    photos = rng.uniform(0, 1, (40, 64, 64, 3)).astype("float32")
    masks = (rng.uniform(0, 1, (40, 64, 64, 1)) > 0.5).astype("float32")
    monkeypatch.setattr(lab07a, "load_pets", lambda size=64: (photos, masks))
    namespace = full_mode_namespace(monkeypatch, lab07a.NOTEBOOK, "import keras")
    cell = solution_cell(lab07a.NOTEBOOK, PETS_CELL).replace("epochs=10", "epochs=1")
    exec(cell, namespace)
    out = capsys.readouterr().out
    assert "Oxford-IIIT Pet: mean IoU" in out and "on 4 held-out photos" in out, out


def test_full_mode_pets_falls_back_offline(monkeypatch, capsys):
    def no_network(size=64):
        raise OSError("no network")

    monkeypatch.setattr(lab07a, "load_pets", no_network)
    namespace = full_mode_namespace(monkeypatch, lab07a.NOTEBOOK, "import keras")
    exec(solution_cell(lab07a.NOTEBOOK, PETS_CELL), namespace)
    assert ("Could not load the Oxford-IIIT Pet dataset (OSError); the discs above are its "
            "offline stand-in.") in capsys.readouterr().out


def test_load_pets_reads_images_and_trimaps(tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    (tmp_path / "annotations" / "trimaps").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("Abyssinian_1", "beagle_2"):
        Image.fromarray(rng.integers(0, 255, (50, 70, 3), dtype=np.uint8)).save(
            tmp_path / "images" / f"{name}.jpg")
        trimap = np.full((50, 70), 2, np.uint8)   # background
        trimap[10:40, 20:50] = 1                  # the pet
        trimap[10, 20:50] = 3                     # its outline
        Image.fromarray(trimap).save(tmp_path / "annotations" / "trimaps" / f"{name}.png")
    X, masks = M.load_pets(size=64, root=tmp_path)
    assert X.shape == (2, 64, 64, 3) and masks.shape == (2, 64, 64, 1)
    assert 0 <= X.min() and X.max() <= 1 and set(np.unique(masks)) == {0.0, 1.0}
    assert 0.2 < masks.mean() < 0.35    # the pet and its outline: 31 x 30 of 50 x 70
    with pytest.raises(OSError):
        M.load_pets(root=tmp_path / "annotations")
