"""Lab 7b's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the checker's held-out examples are never among the arrays the notebook receives (so
  training on every handed-out array cannot reach them by heart), and the notes' four
  ambiguous sentences are not training sentences;
- the references agree with hand numbers and with dlbook.apps.text (entity F1, the tree
  network's vector) and the tree network's hand-written backpropagation with finite
  differences;
- every trained target has its margin in the numbers measured on TensorFlow and JAX at
  three seeds (lab07b.MARGINS);
- the checkers name a model of the wrong shape, and a function that writes into its input;
- the notebook states the checkers' numbers.
"""

from __future__ import annotations

import copy

import nbformat
import numpy as np
import pytest

from dlbook.apps import text as T
from dlbook.labs import lab07b as L


def _rows(X) -> set:
    return {tuple(r) for r in np.asarray(X).tolist()}


# ---- the data --------------------------------------------------------------------------


def test_the_checkers_examples_are_not_in_the_notebooks_arrays():
    X_train, _, _ = L.polarity_data()
    assert not _rows(L._polarity_held()[0]) & _rows(X_train)
    X_train, _, _, _ = L.aspect_data()
    X_held, M_held, _ = L._aspect_held()
    train_pairs = {(a, b) for a, b in zip(map(tuple, X_train.tolist()),
                                          map(tuple, L.aspect_data()[1].tolist()))}
    assert not {(a, b) for a, b in zip(map(tuple, X_held.tolist()),
                                       map(tuple, M_held.tolist()))} & train_pairs
    C_train, _, _, _ = L.breakdown_data()
    assert not _rows(L._breakdown_held()[0]) & _rows(C_train)
    X_train, _, vocab = L.ner_data()
    assert not _rows(L._ner_held()[0]) & _rows(X_train)
    amb = L.encode([s for s, _ in T.AMBIGUOUS_NER], vocab, L.NER_LEN)
    assert not _rows(amb) & _rows(X_train)
    # every word of the notes' sentences is known to the tagger's vocabulary
    assert (amb[amb > 0] != 1).all()
    prompts, _, _, _ = L.dialogue_data()
    held = L.encode([p for p, _ in T.dialogue_pairs("heldout")], L._dialogue_vocab(),
                    L.DIALOGUE_LEN)
    assert not _rows(held) & _rows(prompts)
    assert len(T.dialogue_pairs("heldout")) == L.N_PARAPHRASES


def test_the_arrays_have_the_shapes_the_notebook_states():
    X, y, vocab = L.polarity_data()
    assert X.shape == (L.N_POLARITY, L.POLARITY_LEN) and set(np.unique(y)) == {0, 1}
    X, Y, vocab = L.ner_data()
    assert X.shape == Y.shape == (L.N_NER, L.NER_LEN) and Y.max() < len(L.TAGS)
    assert ((X == 0) <= (Y == 0)).all()  # padding carries tag 0
    X, M, y, vocab = L.aspect_data()
    assert X.shape == M.shape == (L.N_ASPECT, L.ASPECT_LEN)
    assert (M.sum(axis=1) >= 1).all() and set(np.unique(y)) == {0, 1, 2}
    C, R, y, vocab = L.breakdown_data()
    assert C.shape == R.shape == (L.N_BREAKDOWN, L.DIALOGUE_LEN)
    assert np.bincount(y).tolist() == [L.N_BREAKDOWN // 3] * 3
    prompts, dec_in, dec_out, vocab = L.dialogue_data()
    assert prompts.shape == (36, 8) and dec_in.shape == dec_out.shape == (36, 9)
    assert (dec_in[:, 0] == vocab.index(L.START)).all()
    shifted = dec_in[:, 1:]
    assert (shifted[shifted > 0] == dec_out[:, :-1][shifted > 0]).all()  # shifted by one
    assert ((dec_out == vocab.index(L.END)).sum(axis=1) == 1).all()


def test_importing_the_lab_loads_no_corpus():
    import subprocess
    import sys

    code = ("import dlbook.apps.text as T; import dlbook.labs.lab07b; "
            "print(T.corpus.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()[-1]
    assert out == "0"


# ---- the references ----------------------------------------------------------------------


def test_entity_f1_reference_is_the_shared_one():
    rng = np.random.default_rng(5)
    for _ in range(20):
        gold, pred = L._random_tagging(rng, 6)
        assert L.entity_f1(gold, pred) == pytest.approx(T.entity_f1(gold, pred))
    # by hand: a name cut short and a wrong type; 1 of 3 predicted right, 1 of 3 gold found
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "O"]]
    assert L.entity_f1(gold, pred) == pytest.approx(1 / 3)


def test_q1_rejects_a_function_writing_into_its_input_and_the_cases_stay():
    before = copy.deepcopy([args for args, _ in L.q1.cases])
    result = L.q1.evaluate(L._f1_in_place)
    assert not result.correct and "in place" in result.message
    assert [args for args, _ in L.q1.cases] == before


def test_tree_vector_by_hand():
    emb = {"not": np.array([1.0]), "good": np.array([0.5])}
    W, b = np.array([[2.0, -1.0]]), np.array([0.1])
    assert L.tree_vector(("not", "good"), emb, W, b) == pytest.approx(
        np.tanh([2.0 - 0.5 + 0.1]))
    emb2 = copy.deepcopy(emb)
    L.q5.evaluate(L._tree_in_place)
    assert set(emb2) == set(emb)


def test_tree_network_backpropagation_matches_finite_differences():
    data = T.sentiment_trees(12, seed=3)
    trees, labels = [t for t, _ in data], [c for _, c in data]
    vocab = sorted({w for t in trees for w in T.tree_leaves(t)})
    rng = np.random.default_rng(1)
    params = [rng.normal(0, 0.5, (len(vocab), 3)), rng.normal(0, 0.5, (6, 3)),
              rng.normal(0, 0.3, 3), rng.normal(0, 0.5, (3, 5)), rng.normal(0, 0.3, 5)]
    loss, grads = L.tree_gradients(params, vocab, trees, labels)
    assert loss == pytest.approx(L.tree_loss(params, vocab, trees, labels), abs=1e-12)
    eps = 1e-6
    for k, p in enumerate(params):
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            numeric[idx] = (L.tree_loss(plus, vocab, trees, labels)
                            - L.tree_loss(minus, vocab, trees, labels)) / (2 * eps)
        np.testing.assert_allclose(grads[k], numeric, atol=1e-7)


def test_tree_network_learns_held_out_trees():
    train = T.sentiment_trees(400, seed=0)
    held = T.sentiment_trees(200, seed=0, split="heldout")
    params, vocab, losses = L.train_tree_network([t for t, _ in train], [c for _, c in train])
    pred = L.tree_predict(params, vocab, [t for t, _ in held])
    assert np.mean(pred == [c for _, c in held]) > 0.9
    classes = L.tree_predict(params, vocab, [("very", "good"), ("not", ("very", "good"))])
    assert classes[0] == 4 and classes[1] < 2  # "not" flips the sign
    assert losses[-1] < 0.1 * losses[0]


# ---- the checkers --------------------------------------------------------------------------


def _constant_model(n_inputs: int, out_shape: tuple):
    import keras

    inputs = [keras.Input(shape=(None,), dtype="int32") for _ in range(n_inputs)]
    first = inputs[0]
    out = keras.layers.Lambda(
        lambda t: keras.ops.zeros((keras.ops.shape(t)[0], *out_shape)) + 0.5,
        output_shape=out_shape)(first)
    return keras.Model(inputs if n_inputs > 1 else first, out)


def test_checkers_name_models_of_the_wrong_shape():
    assert "one score per class for every token" in L.q3.evaluate(
        _constant_model(1, (9,))).message
    assert "it should take 2 inputs" in L.q4.evaluate(_constant_model(1, (3,))).message
    assert "should be (examples, 3)" in L.q6.evaluate(_constant_model(2, (4,))).message
    assert "expected a trained Keras model" in L.q2.evaluate([0.5]).message


# ---- the margins ---------------------------------------------------------------------------


def test_every_target_has_its_margin_on_both_backends():
    assert {m.exercise for m in L.MARGINS} == {"q2", "q3", "q4", "q6", "q7"}
    assert [line for m in L.MARGINS for line in m.violations()] == []


# ---- the notebook ---------------------------------------------------------------------------


def test_the_notebook_states_the_checkers_numbers():
    nb = nbformat.read("solutions/07b_language_lab.ipynb", as_version=4)
    text = " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())
    for number in [f"{L.N_HELD} held-out sentences", f"at least {L.CNN_TARGET}",
                   f"{L.N_NER_HELD} held-out sentences", f"at least {L.NER_F1_TARGET}",
                   f"at least {L.ASPECT_TARGET}", f"at least {L.BREAKDOWN_TARGET}",
                   f"{L.N_PARAPHRASES} held-out paraphrases",
                   f"at least {L.REPLY_TARGET:.0%}".replace("%", " %"),
                   f"at least {L.AMBIGUITY_TARGET:.0%}".replace("%", " %"),
                   f"{len(L.ambiguous_cases())} words of two kinds",
                   "England won the 2019 world cup", "The first president of the US was Washington"]:
        assert number in text, number
    for q in L.EXERCISES:
        assert f"Exercise {q.name[1:]} ({q.points} point" in text, q.name


# ---- the full configuration, on synthetic data of the full shapes ----------------------------

IMDB_CELL = 'if cfg.quick:\n    print("Quick configuration: the IMDB sentence CNN'
CONLL_CELL = 'if cfg.quick:\n    print("Quick configuration: the CoNLL-2003 tagger'


def _full_namespace(monkeypatch):
    from tests.notebook_scan import full_mode_namespace

    return full_mode_namespace(monkeypatch, L.NOTEBOOK, "import keras")


def _synthetic_conll(n_train=96, n_test=32, seed=0):
    rng = np.random.default_rng(seed)

    def split(n):
        tokens, tags = [], []
        for _ in range(n):
            length = int(rng.integers(3, 50))  # longer than maxlen too
            tokens.append([f"word{int(i)}" for i in rng.integers(0, 300, length)])
            tags.append([int(t) for t in rng.integers(0, len(L.CONLL_TAGS), length)])
        return tokens, tags

    return lambda: {"train": split(n_train), "test": split(n_test)}


def test_full_mode_conll_tagger_runs_on_synthetic_sentences(monkeypatch, capsys):
    from tests.notebook_scan import solution_cell

    monkeypatch.setattr(L, "_conll_splits", _synthetic_conll())
    namespace = _full_namespace(monkeypatch)
    namespace["entity_f1"] = L.entity_f1
    cell = solution_cell(L.NOTEBOOK, CONLL_CELL).replace("size.conll_epochs", "1")
    exec(cell, namespace)
    out = capsys.readouterr().out
    assert "CoNLL-2003, 96 training sentences: test entity F1 \u2248" in out, out
    assert namespace["Xc_train"].shape == (96, 40)
    assert namespace["conll_tagger"].output_shape == (None, None, 9)


def test_full_mode_imdb_cnn_runs_on_synthetic_reviews(monkeypatch, capsys):
    import keras

    from tests import synthetic
    from tests.notebook_scan import solution_cell

    monkeypatch.setattr(keras.datasets.imdb, "load_data", synthetic.load_reviews(96, 64))
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", synthetic.word_index(50))
    namespace = _full_namespace(monkeypatch)
    cell = solution_cell(L.NOTEBOOK, IMDB_CELL).replace("size.imdb_epochs", "1")
    exec(cell, namespace)
    out = capsys.readouterr().out
    assert "IMDB, 64 training reviews: test accuracy \u2248" in out, out
    assert namespace["Xi_train"].shape == (64, 200)


@pytest.mark.parametrize("cell, loader", [(IMDB_CELL, "imdb"), (CONLL_CELL, "conll")])
def test_full_mode_falls_back_offline(monkeypatch, capsys, cell, loader):
    import keras

    from tests.notebook_scan import solution_cell

    def no_network(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.imdb, "load_data", no_network)
    monkeypatch.setattr(L, "_conll_splits", no_network)
    namespace = _full_namespace(monkeypatch)
    exec(solution_cell(L.NOTEBOOK, cell), namespace)
    name = "IMDB" if loader == "imdb" else "CoNLL-2003"
    verb = "download" if loader == "imdb" else "load"
    assert (f"Could not {verb} {name} (OSError); the small corpus above is its offline "
            "version.") in capsys.readouterr().out
