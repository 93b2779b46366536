"""dlbook.apps.text: the corpora generators (train and held-out never overlap), BIO spans,
entity F1 and BLEU on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from dlbook.apps import text as T


def test_bleu_hand_computed():
    ref = "the cat sat on the mat".split()
    # p1 = 5/6, p2 = 3/5, p3 = 2/4, p4 = 1/3; same length, so no brevity penalty
    cand = "the cat sat on a mat".split()
    assert T.bleu(ref, cand) == pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    assert T.bleu(ref, ref) == pytest.approx(1.0)
    # clipping: "the the the" counts "the" at most twice
    assert T.bleu(ref, ["the"] * 3, max_n=1) == pytest.approx(2 / 3 * math.exp(1 - 6 / 3))
    # brevity penalty: a 4-word prefix of a 6-word reference
    assert T.bleu(ref, ref[:4]) == pytest.approx(math.exp(1 - 6 / 4))
    assert T.bleu(ref, "a dog ran".split()) == 0.0
    assert T.bleu(ref, []) == 0.0
    # several references: the closest length and the best count per n-gram
    assert T.bleu([ref, "a cat sat".split()], "a cat sat".split(), max_n=3) == pytest.approx(1.0)


def test_bleu_matches_nltk_if_installed():
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    ref = "a red circle on the left of the image".split()
    for cand in ["a red circle on the left", "a red circle on the left of the image",
                 "red circle on the left of an image"]:
        got = T.bleu(ref, cand.split())
        assert got == pytest.approx(nltk_bleu.sentence_bleu([ref], cand.split()), abs=1e-12)


def test_bio_spans_and_entity_f1():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "I-ORG", "I-ORG", "O", "I-LOC"]
    assert T.bio_spans(tags) == {("PER", 0, 2), ("LOC", 3, 4), ("ORG", 4, 6), ("LOC", 7, 8)}
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    assert T.entity_f1(gold, gold) == 1.0
    # one boundary error (PER cut short): 2 of 3 predicted right, 2 of 3 gold found
    pred = [["B-PER", "O", "O", "B-LOC"], ["O", "B-ORG"]]
    assert T.entity_f1(gold, pred) == pytest.approx(2 / 3)
    # a wrong type counts as a miss and a false alarm
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "O"]]
    p, r = 1 / 2, 1 / 3
    assert T.entity_f1(gold, pred) == pytest.approx(2 * p * r / (p + r))
    assert T.entity_f1(["O", "O"], ["O", "O"]) == 1.0
    assert T.entity_f1(["B-PER"], ["O"]) == 0.0
    with pytest.raises(ValueError):
        T.entity_f1([["O"]], [["O", "O"]])


def test_ambiguous_sentences_are_the_notes():
    words = {" ".join(t): tags for t, tags in T.AMBIGUOUS_NER}
    assert words["England won the 2019 world cup"][0] == "B-ORG"
    assert words["The 2019 world cup happened in England"][-1] == "B-LOC"
    assert words["Washington is the capital of the US"][0] == "B-LOC"
    assert words["The first president of the US was Washington"][-1] == "B-PER"
    assert all(len(t) == len(g) and set(g) <= set(T.NER_TAGS) for t, g in T.AMBIGUOUS_NER)


def test_ner_generator_and_its_held_out_split():
    train = T.ner_sentences(400, seed=1)
    held = T.ner_sentences(400, seed=2, split="heldout")
    for tokens, tags in train + held:
        assert len(tokens) == len(tags) and set(tags) <= set(T.NER_TAGS)
    # the four ambiguous sentences are never training sentences
    seen = {tuple(t) for t, _ in train}
    assert not any(t in seen for t, _ in T.AMBIGUOUS_NER)
    # England is both ORG and LOC, Washington both LOC and PER, in the training data
    roles = {}
    for tokens, tags in train:
        for w, g in zip(tokens, tags):
            roles.setdefault(w, set()).add(g[2:])
    assert {"ORG", "LOC"} <= roles["England"] and {"LOC", "PER"} <= roles["Washington"]
    assert not {tuple(t) for t, _ in held} & seen
    assert T.ner_sentences(5, seed=3) == T.ner_sentences(5, seed=3)


def test_reviews_polarity_trees_split_without_overlap():
    assert not set(map(str, T._review_pool("train"))) & set(map(str, T._review_pool("heldout")))
    assert not set(T._polarity_pool("train")) & set(T._polarity_pool("heldout"))
    assert not set(map(T.tree_text, T._tree_pool("train"))) & set(
        map(T.tree_text, T._tree_pool("heldout")))
    reviews = T.reviews_aspects(200, seed=0)
    assert all(a in T.ASPECTS and y in T.ASPECT_LABELS for _, a, y in reviews)
    sentences = T.polarity_sentences(400, seed=0)
    assert 0.4 < sum(y for _, y in sentences) / 400 < 0.6
    assert sum("not" in t or "never" in t for t, _ in sentences) > 200


def test_tree_rules():
    assert T.tree_value("good") == 0.5 and T.tree_value(("very", "good")) == 1.0
    assert T.tree_value(("not", "good")) == -0.25
    assert T.tree_value(("not", ("very", "good"))) == -0.5
    assert T.tree_value((("the", "movie"), ("was", ("not", "bad")))) == 0.25
    assert [T.tree_class(v) for v in (-1, -0.5, 0, 0.25, 1)] == [0, 1, 2, 3, 4]
    nodes = T.tree_nodes(("not", ("very", "good")))
    assert [T.tree_text(n) for n, _ in nodes] == ["not", "very", "good", "(very good)",
                                                "(not (very good))"]


def test_dialogue():
    train, held = T.dialogue_pairs(), T.dialogue_pairs("heldout")
    assert len(train) >= 30 and len(held) >= 20
    assert not {tuple(p) for p, _ in train} & {tuple(p) for p, _ in held}
    replies = {tuple(r) for _, r in train}
    assert {tuple(r) for _, r in held} <= replies
    d = T.breakdown_dialogues(300, seed=0, split="heldout")
    assert [sum(y == k for *_, y in d) for k in range(3)] == [100, 100, 100]
    prompts = {tuple(p) for p, _ in held}
    assert all(tuple(c) in prompts for c, _, _ in d)
