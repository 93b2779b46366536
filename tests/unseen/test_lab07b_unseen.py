"""Lab 7b answered by an unseen student: answers written without the recorded ones.

Each exercise of labs/07b_language_lab.ipynb gets correct answers in forms other than
the obvious one and plausible wrong ones (slips, gaming attempts, malformed answers).
Each test asserts the status the checker should give; for a wrong answer, also that the
message is the checker's reason, not a traceback, and says something specific.
A failing test here is a finding about the checker, not a test to adjust.

The trained answers are tiny (few units, few epochs, a large learning rate) and each is
trained once, at its first use (``functools.cache``).
"""

from __future__ import annotations

import functools
import math
from collections import Counter

import numpy as np
import pytest

from tests.unseen.grading import assert_graded  # noqa: E402

pytestmark = pytest.mark.xdist_group("unseen-lab07b")

keras = pytest.importorskip("keras")
layers, ops = keras.layers, keras.ops

import dlbook  # noqa: E402
from dlbook.apps import text  # noqa: E402  (the lab's cell 3)
from dlbook.labs.lab07b import q1, q2, q3, q4, q5, q6, q7  # noqa: E402
from dlbook.labs.lab07b import (TAGS, aspect_data, breakdown_data, dialogue_data,  # noqa: E402
                                encode, ner_data, polarity_data)

SEED = dlbook.setup(verbose=False).seed


def cases(table):
    """Rows (id, answer, expected, says) as pytest parameters; a row that is already a
    ``pytest.param`` (one with marks of its own) is kept as it is."""
    return [pytest.param(*row[1:], id=row[0]) if type(row) is tuple else row
            for row in table]


#: what a checker says of a wrong value that matches no slip it knows: the value it wanted
MISMATCH = ("expected", "should be", "instead of", "differ", "right one", "correct value")


# ---- q1: entity-level F1 of BIO tags ----------------------------------------------------

def _chunks_conlleval(tags):
    """(type, start, end) of each entity, with conlleval's start/end-of-chunk rules."""
    out, start, kind = [], None, None
    prev_tag, prev_type = "O", ""
    for i, tag in enumerate(list(tags) + ["O"]):
        tag_kind, tag_type = (tag.split("-", 1) + [""])[:2] if tag != "O" else ("O", "")
        ends = prev_tag != "O" and (tag_kind in ("B", "O") or tag_type != prev_type)
        starts = tag_kind == "B" or (tag_kind == "I" and (prev_tag == "O" or prev_type != tag_type))
        if ends and start is not None:
            out.append((kind, start, i))
            start = None
        if starts:
            start, kind = i, tag_type
        prev_tag, prev_type = tag_kind, tag_type
    return out


def f1_two_c_over_sum(gold_tags, pred_tags):
    # F1 = 2 correct / (predicted + gold): the harmonic mean without P and R
    gold = {(s, *e) for s, tags in enumerate(gold_tags) for e in _chunks_conlleval(tags)}
    pred = {(s, *e) for s, tags in enumerate(pred_tags) for e in _chunks_conlleval(tags)}
    if not gold and not pred:
        return 1.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


def f1_counter_numpy(gold_tags, pred_tags):
    # a Counter of spans, tuples of tags accepted, a NumPy float back
    def spans(tags):
        found, i, tags = [], 0, tuple(tags)
        while i < len(tags):
            if tags[i] == "O":
                i += 1
                continue
            kind = tags[i][2:]
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + kind:
                j += 1
            found.append((kind, i, j))
            i = j
        return found

    gold, pred = Counter(), Counter()
    for s, (g, p) in enumerate(zip(gold_tags, pred_tags)):
        gold.update((s, *e) for e in spans(g))
        pred.update((s, *e) for e in spans(p))
    correct = sum((gold & pred).values())
    n_gold, n_pred = sum(gold.values()), sum(pred.values())
    if n_gold == 0 and n_pred == 0:
        return np.float64(1.0)
    if correct == 0:
        return np.float64(0.0)
    p, r = correct / n_pred, correct / n_gold
    return np.float64(2 * p * r / (p + r))


def f1_token_accuracy(gold_tags, pred_tags):  # the notebook's cell 10
    pairs = [(g, p) for gs, ps in zip(gold_tags, pred_tags) for g, p in zip(gs, ps)]
    return sum(g == p for g, p in pairs) / len(pairs)


def _f1_from(spans_of, gold_tags, pred_tags, *, index_sentences=True):
    gold = {((s,) if index_sentences else ()) + tuple(e)
            for s, tags in enumerate(gold_tags) for e in spans_of(tags)}
    pred = {((s,) if index_sentences else ()) + tuple(e)
            for s, tags in enumerate(pred_tags) for e in spans_of(tags)}
    if not gold and not pred:
        return 1.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


def f1_untyped(gold_tags, pred_tags):
    # a span matches whatever its type
    return _f1_from(lambda t: [(a, b) for _, a, b in _chunks_conlleval(t)], gold_tags, pred_tags)


def _spans_b_only(tags):
    # a stray I-X opens nothing: only a B- starts an entity
    out, i = [], 0
    while i < len(tags):
        if tags[i].startswith("B-"):
            kind, j = tags[i][2:], i + 1
            while j < len(tags) and tags[j] == "I-" + kind:
                j += 1
            out.append((kind, i, j))
            i = j
        else:
            i += 1
    return out


def f1_stray_i_ignored(gold_tags, pred_tags):
    return _f1_from(_spans_b_only, gold_tags, pred_tags)


def _spans_any_i_continues(tags):
    # an I- of any type continues the open entity (B-PER I-LOC is one PER entity)
    out, i = [], 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        kind, j = tags[i][2:], i + 1
        while j < len(tags) and tags[j].startswith("I-"):
            j += 1
        out.append((kind, i, j))
        i = j
    return out


def f1_any_i_continues(gold_tags, pred_tags):
    return _f1_from(_spans_any_i_continues, gold_tags, pred_tags)


def _spans_last_dropped(tags):
    # the walk closes an entity only when it meets the next tag: one at the end is lost
    out, start, kind = [], None, None
    for i, tag in enumerate(tags):
        if start is not None and tag != "I-" + kind:
            out.append((kind, start, i))
            start = None
        if tag != "O" and start is None:
            start, kind = i, tag[2:]
    return out


def f1_last_entity_dropped(gold_tags, pred_tags):
    return _f1_from(_spans_last_dropped, gold_tags, pred_tags)


def f1_no_sentence_index(gold_tags, pred_tags):
    # (type, start, end) of every sentence in one set: entities of different sentences
    # at the same positions are the same entity
    return _f1_from(_chunks_conlleval, gold_tags, pred_tags, index_sentences=False)


def f1_mean_per_sentence(gold_tags, pred_tags):
    return float(np.mean([f1_two_c_over_sum([g], [p]) for g, p in zip(gold_tags, pred_tags)]))


def f1_sentinel_in_place(gold_tags, pred_tags):
    # q1.hint(2)'s extra 'O', appended to the caller's lists
    for tags in list(gold_tags) + list(pred_tags):
        tags.append("O")
    gold = {(s, *e) for s, tags in enumerate(gold_tags) for e in _chunks_conlleval(tags)}
    pred = {(s, *e) for s, tags in enumerate(pred_tags) for e in _chunks_conlleval(tags)}
    if not gold and not pred:
        return 1.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


def f1_divides_by_zero(gold_tags, pred_tags):
    # P and R without a guard: no predicted (or no gold) entity divides by zero
    gold = {(s, *e) for s, tags in enumerate(gold_tags) for e in _chunks_conlleval(tags)}
    pred = {(s, *e) for s, tags in enumerate(pred_tags) for e in _chunks_conlleval(tags)}
    p = len(gold & pred) / len(pred)
    r = len(gold & pred) / len(gold)
    return 2 * p * r / (p + r)


def f1_percent(gold_tags, pred_tags):
    # conlleval prints percentages
    return 100 * f1_two_c_over_sum(gold_tags, pred_tags)


def f1_precision_only(gold_tags, pred_tags):
    gold = {(s, *e) for s, tags in enumerate(gold_tags) for e in _chunks_conlleval(tags)}
    pred = {(s, *e) for s, tags in enumerate(pred_tags) for e in _chunks_conlleval(tags)}
    if not pred:
        return 1.0 if not gold else 0.0
    return len(gold & pred) / len(pred)


Q1 = [
    ("two-c-over-sum-conlleval-chunks", f1_two_c_over_sum, "correct", ()),
    ("counter-numpy-float", f1_counter_numpy, "correct", ()),
    ("token-accuracy", f1_token_accuracy, "incorrect", ("entit", "token")),
    ("type-ignored", f1_untyped, "incorrect", ("type",)),
    ("stray-i-ignored", f1_stray_i_ignored, "incorrect", ("stray", "I-")),
    ("any-i-continues", f1_any_i_continues, "incorrect", ("type", "I-")),
    ("last-entity-dropped", f1_last_entity_dropped, "incorrect", ("end of", "last")),
    ("no-sentence-index", f1_no_sentence_index, "incorrect", MISMATCH + ("sentence index",)),
    ("mean-per-sentence", f1_mean_per_sentence, "incorrect", ("sentence", "all", "mean", "average")),
    ("sentinel-appended-in-place", f1_sentinel_in_place, "incorrect", ("chang", "place", "modif")),
    ("divides-by-zero", f1_divides_by_zero, "incorrect", ("zero", "ZeroDivision", "no entit")),
    ("percent", f1_percent, "incorrect", ("100", "percent", "between 0 and 1", "fraction")),
    ("precision-only", f1_precision_only, "incorrect", MISMATCH + ("precision",)),
    ("a-number", 0.8, "incorrect", ("function",)),
]


@pytest.mark.parametrize("answer,expected,says", cases(Q1))
def test_q1(answer, expected, says):
    assert_graded(q1, answer, expected, says)


@pytest.mark.parametrize("answer", [
    f1_untyped, f1_any_i_continues, f1_last_entity_dropped, f1_no_sentence_index,
    f1_percent, f1_precision_only, f1_mean_per_sentence, f1_token_accuracy])
def test_q1_in_place_only_when_changed(answer):
    # none of these touches its inputs: "in place" would send the student looking for a
    # write that is not there
    result = q1.check(answer)
    assert result.status == "incorrect", result.text
    assert "in place" not in result.message, result.message


def test_q1_my_correct_answers_agree_on_the_notebook_example():
    # cell 11's example, worked by hand: gold PER(0,2) LOC(4,5) | ORG(1,3); the
    # prediction cuts the name short: PER(0,1) LOC(4,5) | ORG(1,3): 2 of 3 and 2 of 3
    gold = [["B-PER", "I-PER", "O", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "O"]]
    pred = [["B-PER", "O", "O", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "O"]]
    for f in (f1_two_c_over_sum, f1_counter_numpy):
        assert abs(f(gold, pred) - 2 / 3) < 1e-12


# ---- q5: the forward pass of a recursive network ----------------------------------------

def tree_split_w(tree, embedding, W, b):
    # W [c1; c2] = W[:, :d] c1 + W[:, d:] c2
    if isinstance(tree, str):
        return np.asarray(embedding[tree], dtype=float)
    c1 = tree_split_w(tree[0], embedding, W, b)
    c2 = tree_split_w(tree[1], embedding, W, b)
    W = np.asarray(W, dtype=float)
    d = len(c1)
    return np.tanh(W[:, :d] @ c1 + W[:, d:] @ c2 + np.asarray(b, dtype=float))


def tree_pure_python(tree, embedding, W, b):
    # lists and math.tanh, a list back
    if isinstance(tree, str):
        return [float(v) for v in embedding[tree]]
    x = tree_pure_python(tree[0], embedding, W, b) + tree_pure_python(tree[1], embedding, W, b)
    rows = np.asarray(W, dtype=float).tolist()
    return [math.tanh(sum(w * v for w, v in zip(row, x)) + float(bi))
            for row, bi in zip(rows, np.asarray(b, dtype=float).tolist())]


def tree_keras_ops(tree, embedding, W, b):
    # keras.ops throughout: a tensor back
    if isinstance(tree, str):
        return ops.convert_to_tensor(np.asarray(embedding[tree], dtype="float64"))
    x = ops.concatenate([tree_keras_ops(tree[0], embedding, W, b),
                         tree_keras_ops(tree[1], embedding, W, b)])
    W_, b_ = (ops.convert_to_tensor(np.asarray(a, dtype="float64")) for a in (W, b))
    return ops.tanh(ops.matmul(W_, x) + b_)


def tree_cached_subtrees(tree, embedding, W, b):
    # equal subtrees computed once (trees are tuples, so hashable): a local cache
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)

    @functools.lru_cache(maxsize=None)
    def vec(t):
        if isinstance(t, str):
            return tuple(np.asarray(embedding[t], dtype=float))
        return tuple(np.tanh(W @ np.concatenate([vec(t[0]), vec(t[1])]) + b))

    return np.array(vec(tree))


def _tree_variant(combine, leaf=lambda e: np.asarray(e, dtype=float)):
    def tree_vector(tree, embedding, W, b):
        if isinstance(tree, str):
            return leaf(embedding[tree])
        return combine(tree_vector(tree[0], embedding, W, b),
                       tree_vector(tree[1], embedding, W, b), np.asarray(W), np.asarray(b))
    return tree_vector


tree_swapped = _tree_variant(lambda c1, c2, W, b: np.tanh(W @ np.concatenate([c2, c1]) + b))
tree_no_tanh = _tree_variant(lambda c1, c2, W, b: W @ np.concatenate([c1, c2]) + b)
tree_sigmoid = _tree_variant(
    lambda c1, c2, W, b: 1 / (1 + np.exp(-(W @ np.concatenate([c1, c2]) + b))))
tree_no_bias = _tree_variant(lambda c1, c2, W, b: np.tanh(W @ np.concatenate([c1, c2])))
tree_w_transposed = _tree_variant(lambda c1, c2, W, b: np.tanh(W.T @ np.concatenate([c1, c2]) + b))
tree_leaves_tanh = _tree_variant(lambda c1, c2, W, b: np.tanh(W @ np.concatenate([c1, c2]) + b),
                                 leaf=lambda e: np.tanh(np.asarray(e, dtype=float)))
tree_children_summed = _tree_variant(
    lambda c1, c2, W, b: np.tanh(W[:, :len(c1)] @ (c1 + c2) + b))


def tree_bias_aliased(tree, embedding, W, b):
    # out = b, then out += ...: the caller's b collects every node's W x
    if isinstance(tree, str):
        return np.asarray(embedding[tree], dtype=float)
    x = np.concatenate([tree_bias_aliased(tree[0], embedding, W, b),
                        tree_bias_aliased(tree[1], embedding, W, b)])
    out = b
    out += W @ x
    return np.tanh(out)


def tree_memo_in_embedding(tree, embedding, W, b):
    # stores each subtree's vector in the embedding dict, for speed
    if tree not in embedding:
        c1 = tree_memo_in_embedding(tree[0], embedding, W, b)
        c2 = tree_memo_in_embedding(tree[1], embedding, W, b)
        embedding[tree] = np.tanh(W @ np.concatenate([c1, c2]) + b)
    return embedding[tree]


def tree_one_level(tree, embedding, W, b):
    # no recursion: a node's children are taken to be words
    if isinstance(tree, str):
        return np.asarray(embedding[tree], dtype=float)
    return np.tanh(W @ np.concatenate([embedding[tree[0]], embedding[tree[1]]]) + b)


def tree_leaf_test_by_length(tree, embedding, W, b):
    # a leaf is something of length 1: a word of several letters is split into letters
    if len(tree) == 1:
        return np.asarray(embedding[tree], dtype=float)
    c1 = tree_leaf_test_by_length(tree[0], embedding, W, b)
    c2 = tree_leaf_test_by_length(tree[1], embedding, W, b)
    return np.tanh(W @ np.concatenate([c1, c2]) + b)


Q5 = [
    ("split-w-halves", tree_split_w, "correct", ()),
    ("pure-python-list", tree_pure_python, "correct", ()),
    ("keras-ops-tensor", tree_keras_ops, "correct", ()),
    ("lru-cache-of-subtrees", tree_cached_subtrees, "correct", ()),
    ("children-swapped", tree_swapped, "incorrect", ("left", "right", "order", "c1")),
    ("no-tanh", tree_no_tanh, "incorrect", ("tanh",)),
    ("sigmoid-not-tanh", tree_sigmoid, "incorrect", ("tanh", "sigmoid")),
    ("no-bias", tree_no_bias, "incorrect", MISMATCH + ("bias", " b ")),
    ("w-transposed", tree_w_transposed, "incorrect", ("shape", "W")),
    ("leaves-through-tanh", tree_leaves_tanh, "incorrect", ("leaf", "leaves", "embedding")),
    ("children-summed", tree_children_summed, "incorrect", ()),
    ("bias-aliased", tree_bias_aliased, "incorrect", ("chang", "place", "modif")),
    ("memo-in-embedding", tree_memo_in_embedding, "incorrect", ("chang", "place", "modif")),
    ("one-level-only", tree_one_level, "incorrect", ()),
    ("leaf-test-by-length", tree_leaf_test_by_length, "incorrect", ()),
    ("a-vector", np.zeros(4), "incorrect", ("function",)),
]


@pytest.mark.parametrize("answer,expected,says", cases(Q5))
def test_q5(answer, expected, says):
    assert_graded(q5, answer, expected, says)


@pytest.mark.parametrize("answer", [tree_swapped, tree_no_tanh, tree_sigmoid, tree_no_bias,
                                    tree_leaves_tanh, tree_children_summed])
def test_q5_in_place_only_when_changed(answer):
    result = q5.check(answer)
    assert result.status == "incorrect", result.text
    assert "in place" not in result.message, result.message


def test_q5_my_correct_answers_agree_by_hand():
    # d = 1: W = [[1, 1]], b = [0]: ("not", "good") with not -> 0.5, good -> 0.25
    emb = {"not": np.array([0.5]), "good": np.array([0.25])}
    W, b = np.array([[1.0, 1.0]]), np.array([0.0])
    want = math.tanh(0.75)
    for f in (tree_split_w, tree_pure_python, tree_keras_ops, tree_cached_subtrees):
        got = np.asarray(ops.convert_to_numpy(ops.convert_to_tensor(f(("not", "good"), emb, W, b))))
        assert abs(float(got[0]) - want) < 1e-6  # keras.ops computes in float32


# ---- the trained answers: helpers --------------------------------------------------------

def fitted(model, x, y, *, epochs, lr=1e-2, loss="sparse_categorical_crossentropy",
           batch_size=32):
    # steps_per_execution: several batches per call, only to keep this file quick
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=loss,
                  steps_per_execution=16)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def xent(from_logits=False):
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


def history_of(model, *data, loss="sparse_categorical_crossentropy"):
    # q.check(history): the cell's other name
    model.compile(optimizer="adam", loss=loss)
    x, y = data
    x = [a[:64] for a in x] if isinstance(x, list) else x[:64]
    return model.fit(x, y[:64], epochs=1, verbose=0)


# ---- q2: a sentence CNN that reads negation (accuracy >= 0.9 on held-out sentences) ------

@functools.cache
def cnn_sequential_fixed_length():
    # Sequential, one width (bigrams), a fixed input length of 20
    X_train, y_train, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(X_train.shape[1],), dtype="int32"),
                              layers.Embedding(len(vocab), 16),
                              layers.Conv1D(32, 2, activation="relu"),
                              layers.GlobalMaxPooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    return fitted(model, X_train, y_train, epochs=6, loss="binary_crossentropy")


@functools.cache
def cnn_two_logits():
    # functional, widths 2 and 3, two output units without a softmax, from_logits=True
    X_train, y_train, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    e = layers.Embedding(len(vocab), 16)(words)
    pooled = [layers.GlobalMaxPooling1D()(layers.Conv1D(16, w, activation="relu")(e))
              for w in (2, 3)]
    model = keras.Model(words, layers.Dense(2)(layers.Concatenate()(pooled)))
    return fitted(model, X_train, y_train, epochs=6, loss=xent(from_logits=True))


@functools.cache
def gru_classifier():
    # a different recipe that also reads word order: a bidirectional GRU over masked words
    X_train, y_train, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 16, mask_zero=True),
                              layers.Bidirectional(layers.GRU(16)),
                              layers.Dense(1, activation="sigmoid")])
    return fitted(model, X_train, y_train, epochs=4, loss="binary_crossentropy")


@functools.cache
def bag_of_words_max():
    # a bag of words with a max-pool in place of the average: still no word order
    X_train, y_train, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 16),
                              layers.GlobalMaxPooling1D(),
                              layers.Dense(16, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    return fitted(model, X_train, y_train, epochs=6, loss="binary_crossentropy")


def cnn_opposite():
    # as if trained on 1 - y_train: the same CNN with its last layer negated
    trained = cnn_sequential_fixed_length()
    model = keras.models.clone_model(trained)
    model.set_weights(trained.get_weights())
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([-kernel, -bias])
    return model


def cnn_untrained():
    X_train, _, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 16),
                              layers.Conv1D(32, 2, activation="relu"),
                              layers.GlobalMaxPooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")  # never fitted
    return model


@functools.cache
def cnn_ten_classes():
    # Lab 1's habit: a softmax over 10 classes, trained on the 0/1 labels
    X_train, y_train, vocab = polarity_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 16),
                              layers.Conv1D(16, 2, activation="relu"),
                              layers.GlobalMaxPooling1D(),
                              layers.Dense(10, activation="softmax")])
    return fitted(model, X_train, y_train, epochs=2)


def memorised_training_sentences():
    # gaming: a lookup table of the 1500 training sentences (nearest neighbour of the
    # one-hot words, position by position), as two Dense layers; 1.0 on X_train
    X_train, y_train, vocab = polarity_data()
    n, length, V = len(X_train), X_train.shape[1], len(vocab)
    bank = np.eye(V, dtype="float32")[X_train].reshape(n, length * V)
    beta = 50.0
    model = keras.Sequential([keras.Input(shape=(length,), dtype="int32"),
                              layers.Lambda(lambda x: ops.one_hot(x, V)),
                              layers.Reshape((length * V,)),
                              layers.Dense(n, activation="softmax"),
                              layers.Dense(1, use_bias=False)])
    model.layers[2].set_weights([2 * beta * bank.T, -beta * np.sum(bank ** 2, axis=1)])
    model.layers[3].set_weights([y_train.astype("float32")[:, None]])
    return model


Q2 = [
    ("sequential-bigrams-fixed-length", cnn_sequential_fixed_length, "correct", ()),
    ("two-logits-from-logits", cnn_two_logits, "correct", ()),
    ("bidirectional-gru", gru_classifier, "correct", ()),
    ("bag-of-words-max-pool", bag_of_words_max, "incorrect", ("0.9", "accuracy")),
    # an accuracy near 0 is no coin: the labels are the wrong way round
    ("opposite-labels", cnn_opposite, "incorrect", ("revers", "swap", "opposite", "invert",
                                                    "1 - y", "flip", "the wrong way")),
    ("untrained", cnn_untrained, "incorrect", ("train", "coin", "accuracy")),
    ("ten-classes", cnn_ten_classes, "incorrect", ("10", "one (a sigmoid)", "two")),
    ("memorised-training-sentences", memorised_training_sentences, "incorrect",
     ("accuracy", "0.9")),
    ("history-not-model", lambda: history_of(cnn_untrained(), *polarity_data()[:2],
                                               loss="binary_crossentropy"), "incorrect",
     ("History", "model")),
    ("training-array", lambda: polarity_data()[0], "incorrect", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q2))
def test_q2(build, expected, says):
    assert_graded(q2, build(), expected, says)


# ---- q3: a BiLSTM tagger (entity F1 and the ambiguous words) -----------------------------

def _ner_arrays(extra=()):
    """X_train, Y_train with ``extra`` (tokens, tags) sentences appended (in the lab's
    vocabulary: a word it does not know is 1)."""
    X_train, Y_train, vocab = ner_data()
    if not extra:
        return X_train, Y_train, vocab
    X_extra = encode([list(t) for t, _ in extra], vocab, X_train.shape[1])
    Y_extra = np.zeros_like(X_extra)
    for i, (_, tags) in enumerate(extra):
        Y_extra[i, :len(tags)] = [TAGS.index(t) for t in tags]
    return np.concatenate([X_train, X_extra]), np.concatenate([Y_train, Y_extra]), vocab


@functools.cache
def tagger_sequential_gru():
    # Sequential, a bidirectional GRU
    X_train, Y_train, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.Bidirectional(layers.GRU(32, return_sequences=True)),
                              layers.Dense(len(TAGS), activation="softmax")])
    return fitted(model, X_train, Y_train, epochs=6, lr=5e-3)


@functools.cache
def tagger_sum_merge_logits():
    # functional, the two directions added (merge_mode="sum"), logits, from_logits=True
    X_train, Y_train, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(len(vocab), 32, mask_zero=True)(words)
    x = layers.Bidirectional(layers.LSTM(32, return_sequences=True), merge_mode="sum")(x)
    model = keras.Model(words, layers.Dense(len(TAGS))(x))
    return fitted(model, X_train, Y_train, epochs=6, lr=5e-3, loss=xent(from_logits=True))


@functools.cache
def tagger_one_way_with_the_notes():
    # gaming: a left-to-right LSTM, with the notes' four sentences (text.AMBIGUOUS_NER, in
    # the notebook's hands) added to the training data 30 times over
    X_train, Y_train, vocab = _ner_arrays(list(text.AMBIGUOUS_NER) * 30)
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.LSTM(32, return_sequences=True),
                              layers.Dense(len(TAGS), activation="softmax")])
    return fitted(model, X_train, Y_train, epochs=6, lr=5e-3)


@functools.cache
def tagger_no_context():
    # a Dense layer per token on its embedding: each word tagged alone
    X_train, Y_train, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.Dense(32, activation="relu"),
                              layers.Dense(len(TAGS), activation="softmax")])
    return fitted(model, X_train, Y_train, epochs=6, lr=5e-3)


@functools.cache
def tagger_go_backwards():
    # "the other direction" as LSTM(go_backwards=True) alone: Keras hands back its states
    # in reverse order, so state t belongs to another token
    X_train, Y_train, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.LSTM(32, return_sequences=True, go_backwards=True),
                              layers.Dense(len(TAGS), activation="softmax")])
    return fitted(model, X_train, Y_train, epochs=3, lr=5e-3)


def tagger_last_state_only():
    # return_sequences left out: one vector per sentence
    _, _, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(32)),
                              layers.Dense(len(TAGS), activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def tagger_untrained():
    _, _, vocab = ner_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 32, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(32, return_sequences=True)),
                              layers.Dense(len(TAGS), activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


Q3 = [
    ("sequential-bigru", tagger_sequential_gru, "correct", ()),
    ("sum-merge-logits", tagger_sum_merge_logits, "correct", ()),
    ("one-way-plus-the-notes-sentences", tagger_one_way_with_the_notes, "incorrect",
     ("ambiguous", "start", "one direction", "left to right", "after it")),
    ("no-context", tagger_no_context, "incorrect", ("ambiguous", "context", "F1")),
    ("go-backwards-alone", tagger_go_backwards, "incorrect", ("F1", "ambiguous")),
    ("last-state-only", tagger_last_state_only, "incorrect", ("every token", "return_sequences")),
    ("untrained", tagger_untrained, "incorrect", ("F1", "train")),
    ("tags-array", lambda: ner_data()[1], "incorrect", ("model",)),
    ("none", lambda: None, "incorrect|blank", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q3))
def test_q3(build, expected, says):
    assert_graded(q3, build(), expected, says)


# ---- q4: aspect-based sentiment, [words, marker] -> 3 classes ----------------------------

@functools.cache
def aspect_marker_channel_logits():
    # the marker as one more number per word (a float channel next to the embedding),
    # a bidirectional GRU, logits
    X_train, M_train, y_train, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    marker = keras.Input(shape=(None,), dtype="int32")
    m = layers.Reshape((-1, 1))(layers.Lambda(lambda t: ops.cast(t, "float32"))(marker))
    x = layers.Concatenate()([layers.Embedding(len(vocab), 16)(words), m])
    x = layers.Bidirectional(layers.GRU(16))(x)
    model = keras.Model([words, marker], layers.Dense(3)(x))
    return fitted(model, [X_train, M_train], y_train, epochs=8, lr=1e-2,
                  loss=xent(from_logits=True), batch_size=64)


@functools.cache
def aspect_added_embedding():
    # a learnt "this is the aspect" vector added to the marked words' embeddings
    X_train, M_train, y_train, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    marker = keras.Input(shape=(None,), dtype="int32")
    x = layers.Add()([layers.Embedding(len(vocab), 16)(words), layers.Embedding(2, 16)(marker)])
    x = layers.Bidirectional(layers.LSTM(16))(x)
    model = keras.Model([words, marker], layers.Dense(3, activation="softmax")(x))
    return fitted(model, [X_train, M_train], y_train, epochs=8, lr=1e-2, batch_size=64)


@functools.cache
def aspect_marker_pooled():
    # the marker reduced to how many words it marks, next to a recurrent summary of the
    # review: two inputs, but which words are the aspect is lost
    X_train, M_train, y_train, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    marker = keras.Input(shape=(None,), dtype="int32")
    n_marked = layers.Lambda(
        lambda t: ops.sum(ops.cast(t, "float32"), axis=1, keepdims=True))(marker)
    x = layers.Bidirectional(layers.GRU(16))(layers.Embedding(len(vocab), 16, mask_zero=True)(words))
    model = keras.Model([words, marker],
                        layers.Dense(3, activation="softmax")(layers.Concatenate()([x, n_marked])))
    return fitted(model, [X_train, M_train], y_train, epochs=8, lr=1e-2, batch_size=64)


@functools.cache
def aspect_inputs_swapped():
    # built and trained as [marker, words]; the checker hands it [words, marker]
    X_train, M_train, y_train, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    marker = keras.Input(shape=(None,), dtype="int32")
    words = keras.Input(shape=(None,), dtype="int32")
    x = layers.Concatenate()([layers.Embedding(len(vocab), 16)(words),
                              layers.Embedding(2, 4)(marker)])
    x = layers.Bidirectional(layers.GRU(16))(x)
    model = keras.Model([marker, words], layers.Dense(3, activation="softmax")(x))
    return fitted(model, [M_train, X_train], y_train, epochs=8, lr=1e-2, batch_size=64)


def aspect_words_only():
    # one input: the words
    _, _, _, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(len(vocab), 16, mask_zero=True),
                              layers.GlobalAveragePooling1D(),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def aspect_untrained():
    _, _, _, vocab = aspect_data()
    keras.utils.set_random_seed(SEED)
    words = keras.Input(shape=(None,), dtype="int32")
    marker = keras.Input(shape=(None,), dtype="int32")
    x = layers.Concatenate()([layers.Embedding(len(vocab), 16)(words),
                              layers.Embedding(2, 4)(marker)])
    model = keras.Model([words, marker], layers.Dense(3, activation="softmax")(
        layers.Bidirectional(layers.GRU(16))(x)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


Q4 = [
    ("marker-float-channel-logits", aspect_marker_channel_logits, "correct", ()),
    ("aspect-vector-added", aspect_added_embedding, "correct", ()),
    ("marker-pooled-to-a-count", aspect_marker_pooled, "incorrect",
     ("aspect", "marker", "0.85")),
    ("inputs-swapped", aspect_inputs_swapped, "incorrect", ("order", "[words, marker]", "swap")),
    ("words-only", aspect_words_only, "incorrect", ("2 inputs", "two inputs")),
    # ~1/3 is chance for 3 classes: "was it trained?", not "the marker is ignored"
    ("untrained", aspect_untrained, "incorrect", ("train", "fit")),
    ("data-list", lambda: list(aspect_data()[:2]), "incorrect", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q4))
def test_q4(build, expected, says):
    assert_graded(q4, build(), expected, says)


# ---- q6: dialogue-breakdown detection, [context, response] -> 3 classes ------------------

@functools.cache
def detector_one_reader():
    # context and response joined into one sequence of 16 words, read by one
    # bidirectional LSTM (the padding in between masked)
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    context = keras.Input(shape=(None,), dtype="int32")
    response = keras.Input(shape=(None,), dtype="int32")
    joined = layers.Concatenate(axis=1)([context, response])
    x = layers.Embedding(len(vocab), 24, mask_zero=True)(joined)
    x = layers.Bidirectional(layers.LSTM(24))(x)
    model = keras.Model([context, response], layers.Dense(3, activation="softmax")(x))
    return fitted(model, [C_train, R_train], y_train, epochs=6, lr=1e-2)


@functools.cache
def detector_siamese_features_logits():
    # one shared GRU encoder, the features [c, r, c * r, |c - r|], logits
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    context = keras.Input(shape=(None,), dtype="int32")
    response = keras.Input(shape=(None,), dtype="int32")
    embed = layers.Embedding(len(vocab), 24, mask_zero=True)
    encoder = layers.GRU(24)
    c, r = encoder(embed(context)), encoder(embed(response))
    features = layers.Concatenate()([c, r, layers.Multiply()([c, r]),
                                     layers.Lambda(lambda t: ops.abs(t[0] - t[1]))([c, r])])
    h = layers.Dense(24, activation="relu")(features)
    model = keras.Model([context, response], layers.Dense(3)(h))
    return fitted(model, [C_train, R_train], y_train, epochs=6, lr=1e-2,
                  loss=xent(from_logits=True))


def _two_encoders(vocab, use_context=True, use_response=True):
    context = keras.Input(shape=(None,), dtype="int32")
    response = keras.Input(shape=(None,), dtype="int32")
    embed = layers.Embedding(len(vocab), 24, mask_zero=True)
    parts = []
    if use_context:
        parts.append(layers.LSTM(24)(embed(context)))
    if use_response:
        parts.append(layers.LSTM(24)(embed(response)))
    if not (use_context and use_response):
        # the other input enters only through a zero: connected, but read as nothing
        other = response if use_context else context
        parts.append(layers.Lambda(
            lambda t: 0.0 * ops.sum(ops.cast(t, "float32"), axis=1, keepdims=True))(other))
    h = layers.Concatenate()(parts)
    return keras.Model([context, response], layers.Dense(3, activation="softmax")(
        layers.Dense(24, activation="relu")(h)))


@functools.cache
def detector_response_only():
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    return fitted(_two_encoders(vocab, use_context=False), [C_train, R_train], y_train,
                  epochs=6, lr=1e-2)


@functools.cache
def detector_context_only():
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    return fitted(_two_encoders(vocab, use_response=False), [C_train, R_train], y_train,
                  epochs=6, lr=1e-2)


@functools.cache
def detector_swapped():
    # two encoders of their own, built as [response, context] and trained so; the checker
    # hands it [context, response]
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    return fitted(_two_encoders(vocab), [R_train, C_train], y_train, epochs=6, lr=1e-2)


@functools.cache
def detector_two_classes():
    # breakdown or not: possible and real breakdowns merged, one sigmoid
    C_train, R_train, y_train, vocab = breakdown_data()
    keras.utils.set_random_seed(SEED)
    context = keras.Input(shape=(None,), dtype="int32")
    response = keras.Input(shape=(None,), dtype="int32")
    embed = layers.Embedding(len(vocab), 16, mask_zero=True)
    h = layers.Concatenate()([layers.LSTM(16)(embed(context)), layers.LSTM(16)(embed(response))])
    model = keras.Model([context, response], layers.Dense(1, activation="sigmoid")(h))
    return fitted(model, [C_train, R_train], (y_train > 0).astype("float32"), epochs=2,
                  loss="binary_crossentropy")


Q6 = [
    ("one-reader-joined", detector_one_reader, "correct", ()),
    ("siamese-features-logits", detector_siamese_features_logits, "correct", ()),
    ("response-only", detector_response_only, "incorrect", ("context", "both")),
    ("context-only", detector_context_only, "incorrect", ("response", "both")),
    # "train longer" would not help: the same model, handed [response, context], is right
    ("inputs-swapped", detector_swapped, "incorrect", ("order", "swap", "the other way")),
    ("two-classes", detector_two_classes, "incorrect", ("3", "three", "class")),
    ("history-not-model", lambda: history_of(_two_encoders(breakdown_data()[3]),
                                             list(breakdown_data()[:2]), breakdown_data()[2]),
     "incorrect", ("History", "model")),
]


@pytest.mark.parametrize("build,expected,says", cases(Q6))
def test_q6(build, expected, says):
    assert_graded(q6, build(), expected, says)


# ---- q7: a sequence-to-sequence chatbot (exact replies to held-out paraphrases) ----------
# Each answer is the training function train_chatbot(prompts, decoder_in, decoder_out): the
# checker calls it on arrays of its own.

def _with_heldout(prompts, decoder_in, decoder_out):
    """The notebook's own arrays plus the checker's 24 paraphrases (text.dialogue_pairs)."""
    prompts, decoder_in, decoder_out, vocab = dialogue_data()
    held = text.dialogue_pairs("heldout")
    prompts = np.concatenate([prompts, encode([p for p, _ in held], vocab, prompts.shape[1])])
    decoder_in = np.concatenate([decoder_in, encode([["<start>"] + r for _, r in held],
                                                    vocab, decoder_in.shape[1])])
    decoder_out = np.concatenate([decoder_out, encode([r + ["<end>"] for _, r in held],
                                                      vocab, decoder_out.shape[1])])
    return prompts, decoder_in, decoder_out


def _lstm_seq2seq(V, units=64, *, use_states=True, bidirectional_decoder=False,
                  every_step=True):
    encoder_in = keras.Input(shape=(None,), dtype="int32")
    decoder_in = keras.Input(shape=(None,), dtype="int32")
    embed = layers.Embedding(V, 32, mask_zero=True)
    _, h, c = layers.LSTM(units, return_state=True)(embed(encoder_in))
    if not use_states:
        # the decoder starts from zeros: the encoder is connected, but nothing it read
        # reaches the decoder
        zero = layers.Lambda(lambda t: 0.0 * t)
        h, c = zero(h), zero(c)
    if bidirectional_decoder:
        x = layers.Bidirectional(layers.LSTM(units, return_sequences=True))(
            embed(decoder_in), initial_state=[h, c, h, c])
    else:
        x = layers.LSTM(units, return_sequences=every_step)(embed(decoder_in),
                                                             initial_state=[h, c])
    return keras.Model([encoder_in, decoder_in], layers.Dense(V, activation="softmax")(x))


def _fit_seq2seq(model, arrays, *, epochs=150, lr=1e-2, loss="sparse_categorical_crossentropy",
                 target="out"):
    prompts, decoder_in, decoder_out = arrays
    y = decoder_out if target == "out" else decoder_in
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=loss)
    model.fit([prompts, decoder_in], y, epochs=epochs, batch_size=len(prompts), verbose=0)
    return model


V_DIALOGUE = len(dialogue_data()[3])


def chatbot_logits_batches_of_12(prompts, decoder_in, decoder_out):
    # the LSTM pair of the hint with logits (from_logits=True), no mask, batches of 12
    # (a GRU pair, one state handed over, reaches only about 0.71 to 0.75 here: see
    # _work/unseen_findings_b.md)
    encoder_in = keras.Input(shape=(None,), dtype="int32")
    dec_in = keras.Input(shape=(None,), dtype="int32")
    embed = layers.Embedding(V_DIALOGUE, 32)
    _, h, c = layers.LSTM(64, return_state=True)(embed(encoder_in))
    x = layers.LSTM(64, return_sequences=True)(embed(dec_in), initial_state=[h, c])
    model = keras.Model([encoder_in, dec_in], layers.Dense(V_DIALOGUE)(x))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=xent(from_logits=True))
    model.fit([prompts, decoder_in], decoder_out, epochs=60, batch_size=12, verbose=0)
    return model


def chatbot_bidirectional_encoder(prompts, decoder_in, decoder_out):
    # separate embeddings; a bidirectional encoder whose two directions' states, joined,
    # start a decoder twice as wide
    encoder_in = keras.Input(shape=(None,), dtype="int32")
    dec_in = keras.Input(shape=(None,), dtype="int32")
    _, hf, cf, hb, cb = layers.Bidirectional(layers.LSTM(32, return_state=True))(
        layers.Embedding(V_DIALOGUE, 32, mask_zero=True)(encoder_in))
    h, c = layers.Concatenate()([hf, hb]), layers.Concatenate()([cf, cb])
    x = layers.LSTM(64, return_sequences=True)(
        layers.Embedding(V_DIALOGUE, 32, mask_zero=True)(dec_in), initial_state=[h, c])
    model = keras.Model([encoder_in, dec_in], layers.Dense(V_DIALOGUE, activation="softmax")(x))
    return _fit_seq2seq(model, (prompts, decoder_in, decoder_out))


def chatbot_prompt_unused(prompts, decoder_in, decoder_out):
    return _fit_seq2seq(_lstm_seq2seq(V_DIALOGUE, use_states=False),
                        (prompts, decoder_in, decoder_out), epochs=60)


def chatbot_bidirectional_decoder(prompts, decoder_in, decoder_out):
    # a decoder that also reads backwards: in training it sees the next word it must give
    return _fit_seq2seq(_lstm_seq2seq(V_DIALOGUE, bidirectional_decoder=True),
                        (prompts, decoder_in, decoder_out), epochs=60)


def chatbot_undertrained(prompts, decoder_in, decoder_out):
    # the hint's network at Adam's default rate, 20 epochs
    return _fit_seq2seq(_lstm_seq2seq(V_DIALOGUE), (prompts, decoder_in, decoder_out),
                        epochs=20, lr=1e-3)


def chatbot_echo(prompts, decoder_in, decoder_out):
    # trained to give decoder_in (START, the reply): no shift, so it learns to copy
    return _fit_seq2seq(_lstm_seq2seq(V_DIALOGUE), (prompts, decoder_in, decoder_out),
                        epochs=60, target="in")


def chatbot_last_step_only(prompts, decoder_in, decoder_out):
    # return_sequences left out: one score vector per reply
    model = _lstm_seq2seq(V_DIALOGUE, every_step=False)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def chatbot_trained_on_heldout(prompts, decoder_in, decoder_out):
    # gaming: the checker's 24 paraphrases are text.dialogue_pairs("heldout"), and the
    # notebook imports `text`: the arrays given are dropped for the notebook's own, with
    # the paraphrases added
    return _fit_seq2seq(_lstm_seq2seq(V_DIALOGUE), _with_heldout(prompts, decoder_in,
                                                                 decoder_out))


def chatbot_trained_model():
    # the trained model handed in, not the function
    return chatbot_logits_batches_of_12(*dialogue_data()[:3])


Q7 = [
    ("logits-batches-of-12", lambda: chatbot_logits_batches_of_12, "correct", ()),
    ("bidirectional-encoder", lambda: chatbot_bidirectional_encoder, "correct", ()),
    ("prompt-unused", lambda: chatbot_prompt_unused, "incorrect", ("encoder", "state", "prompt")),
    # teacher-forced, it is right; fed its own words, it fails: it read the word it must give
    ("bidirectional-decoder", lambda: chatbot_bidirectional_decoder, "incorrect",
     ("future", "next word", "backwards", "bidirectional", "causal", "later words")),
    ("undertrained", lambda: chatbot_undertrained, "incorrect", ("epoch", "train", "learning rate")),
    ("echo-decoder-in", lambda: chatbot_echo, "incorrect", ("decoder_out", "shift", "copies", "reply")),
    ("last-step-only", lambda: chatbot_last_step_only, "incorrect", ("every decoder step", "shape")),
    ("trained-on-the-checkers-paraphrases", lambda: chatbot_trained_on_heldout, "incorrect",
     ("held-out", "heldout", "paraphrase")),
    ("trained-model-not-function", chatbot_trained_model, "incorrect", ("function",)),
    ("decoder-out-array", lambda: dialogue_data()[2], "incorrect", ("function",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q7))
def test_q7(build, expected, says):
    assert_graded(q7, build(), expected, says)


# ---- every trained exercise: a message that is the same on every run -------------------

def test_history_message_names_the_mistake_without_an_address():
    # q.check(history) is the commonest slip of a design cell; the message is read by the
    # student and stored in notebooks: no memory address, and a pointer to the model
    history = history_of(cnn_untrained(), *polarity_data()[:2], loss="binary_crossentropy")
    result = q2.check(history)
    assert result.status == "incorrect", result.text
    assert " at 0x" not in result.message, result.message
    assert "fit" in result.message or "the model itself" in result.message, result.message
