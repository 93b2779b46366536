"""Text data and metrics for Unit 7's language sections (ch7-ner to ch7-dialogue) and Lab 7b.

The corpora are small YAML files written for the book, shipped in
``dlbook/data/corpora/`` (``ner``, ``aspects``, ``polarity``, ``trees``, ``dialogue``).
The generators below write labelled examples from their word lists and templates. Each
takes ``split="train"`` (what the notebooks train on) or ``split="heldout"`` (the Lab 7b
checker's share: held-out names, templates, paraphrases or combinations, which no
``train`` example contains; ``tests/test_apps_text.py`` checks that they never overlap).

Metrics, by hand in NumPy/Python:

* :func:`entity_f1` - entity-level F1 of BIO tags (an entity counts only when its type,
  start and end all match), with :func:`bio_spans`;
* :func:`bleu` - sentence BLEU (Papineni et al., 2002): clipped n-gram precisions,
  their geometric mean and the brevity penalty.

Nothing here reads a file outside the package or the network.
"""

from __future__ import annotations

import functools
import itertools
import math
import zlib
from collections import Counter
from typing import Any, Sequence

import numpy as np

__all__ = [
    "AMBIGUOUS_NER", "ASPECTS", "ASPECT_LABELS", "BREAKDOWN_LABELS",
    "aspect_positions", "NER_TAGS", "TREE_CLASSES",
    "bio_spans", "bleu", "breakdown_dialogues", "corpus", "dialogue_pairs", "entity_f1",
    "ner_sentences", "polarity_sentences", "reviews_aspects", "sentiment_trees", "tree_class",
    "tree_leaves", "tree_nodes", "tree_value", "tree_text",
]

SPLITS = ("train", "heldout")
#: The BIO tag set of the NER corpus (index = class number in the lab).
NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-DATE", "I-DATE"]
#: Polarity labels of the opinion-mining reviews (index = class number).
ASPECT_LABELS = ["negative", "neutral", "positive"]
#: Labels of the dialogue-breakdown classifier (index = class number).
BREAKDOWN_LABELS = ["not a breakdown", "possible breakdown", "breakdown"]
#: Five sentiment classes of the trees (index = class number).
TREE_CLASSES = ["very negative", "negative", "neutral", "positive", "very positive"]
#: Share of the combinations that the hash split gives the checker.
HELDOUT_SHARE = 5  # one in five


@functools.lru_cache(maxsize=None)
def corpus(name: str) -> dict:
    """The shipped corpus ``dlbook/data/corpora/<name>.yaml`` as a dict (cached: do not
    change it)."""
    from dlbook import _data

    return _data.load_yaml(_data.DATA_DIR / "corpora" / f"{name}.yaml")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")


def _is_heldout(*parts: Any) -> bool:
    """The fixed hash split of a combination: one in HELDOUT_SHARE is the checker's."""
    key = "|".join(map(str, parts)).encode()
    return zlib.crc32(key) % HELDOUT_SHARE == 0


# ---- named-entity recognition -----------------------------------------------------------

_SLOT_TYPE = {"PER": "PER", "CITY": "LOC", "COUNTRY": "LOC", "TEAM": "ORG", "ORG": "ORG",
              "YEAR": "DATE"}
_SLOT_LIST = {"PER": "PER", "CITY": "CITY", "COUNTRY": "COUNTRY", "TEAM": "COUNTRY",
              "ORG": "ORG", "YEAR": "YEAR"}


def _entity_tokens(name: str, kind: str) -> tuple[list[str], list[str]]:
    """An entity's tokens and BIO tags; a leading "the" is not part of it (as CoNLL)."""
    words = str(name).split()
    tags = []
    lead = 0
    if words[0].lower() == "the" and len(words) > 1:
        tags.append("O")
        lead = 1
    tags += [("B-" if i == lead else "I-") + kind for i in range(lead, len(words))]
    return words, tags


def ner_sentences(n: int, seed: int = 0, split: str = "train") -> list[tuple[list[str], list[str]]]:
    """``n`` sentences as ``(tokens, tags)`` pairs, BIO tags of :data:`NER_TAGS`.

    ``split="train"`` fills the training templates with the training names; ``"heldout"``
    uses the held-out templates, and each slot takes a held-out name with probability one
    half (otherwise a training name). Countries fill both the place slots (LOC) and the
    team slots (ORG), and some surnames are also cities, so that a word's tag depends on
    its context. Sentence-initial words are capitalised as written in the templates.
    """
    _check_split(split)
    data = corpus("ner")
    templates = data["templates"][split]
    ents = data["entities"]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        template = str(templates[rng.integers(len(templates))])
        tokens: list[str] = []
        tags: list[str] = []
        for word in template.split():
            if word.startswith("{") and word.endswith("}"):
                slot = word[1:-1]
                lists = ents[_SLOT_LIST[slot]]
                pool = lists["train"]
                if split == "heldout" and lists["heldout"] and rng.random() < 0.5:
                    pool = lists["heldout"]
                name = str(pool[rng.integers(len(pool))])
                w, t = _entity_tokens(name, _SLOT_TYPE[slot])
                tokens += w
                tags += t
            else:
                tokens.append(word)
                tags.append("O")
        out.append((tokens, tags))
    return out


def bio_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The entities of one BIO-tagged sentence as ``(type, start, end)``, end exclusive.

    An entity starts at ``B-X``, or at an ``I-X`` that does not continue an entity of
    type X (as conlleval reads a stray I-), and runs over the ``I-X`` tags that follow.
    """
    spans = set()
    kind, start = None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        tag = str(tag)
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == kind
        if kind is not None and not continues:
            spans.add((kind, start, i))
            kind = None
        if prefix == "B" or (prefix == "I" and not continues):
            kind, start = name, i
    return spans


def entity_f1(gold_tags, pred_tags) -> float:
    """Entity-level F1 of predicted BIO tags against the gold ones.

    ``gold_tags`` and ``pred_tags`` are one sentence's tags or a list of sentences' tags
    (of equal lengths). An entity is correct only when its type, start and end all match
    a gold entity (:func:`bio_spans`). Precision = correct / predicted entities, recall =
    correct / gold entities, F1 their harmonic mean; 0 when either is 0 (and 1 when there
    are no entities at all in both).
    """
    gold, pred = list(gold_tags), list(pred_tags)
    if gold and isinstance(gold[0], str):
        gold, pred = [gold], [pred]
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    correct = n_gold = n_pred = 0
    for g, p in zip(gold, pred):
        if len(g) != len(p):
            raise ValueError(f"a sentence has {len(g)} gold tags but {len(p)} predicted")
        gs, ps = bio_spans(g), bio_spans(p)
        correct += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    if n_gold == 0 and n_pred == 0:
        return 1.0
    if correct == 0:
        return 0.0
    precision, recall = correct / n_pred, correct / n_gold
    return 2 * precision * recall / (precision + recall)


AMBIGUOUS_NER = [
    (("England", "won", "the", "2019", "world", "cup"),
     ("B-ORG", "O", "O", "B-DATE", "O", "O")),
    (("The", "2019", "world", "cup", "happened", "in", "England"),
     ("O", "B-DATE", "O", "O", "O", "O", "B-LOC")),
    (("Washington", "is", "the", "capital", "of", "the", "US"),
     ("B-LOC", "O", "O", "O", "O", "O", "B-LOC")),
    (("The", "first", "president", "of", "the", "US", "was", "Washington"),
     ("O", "O", "O", "O", "O", "B-LOC", "O", "B-PER")),
]
"""The MCA notes' four ambiguous sentences (003 L1468-1469) as ``(tokens, tags)``:
England as ORG and as LOC, Washington as LOC and as PER (the other tags are the book's)."""


# ---- aspect-based opinion mining --------------------------------------------------------

ASPECTS = ["food", "service", "price", "ambience"]


def _review_combinations(split: str):
    data = corpus("aspects")
    words = [(cat, str(w)) for cat in ASPECTS for w in data["aspects"][cat]]
    opinions = [(pol, str(o)) for pol in ("negative", "neutral", "positive")
                for o in data["opinions"][pol]]
    combos = []
    for t, template in enumerate(data["templates"]):
        for (c1, w1), (c2, w2) in itertools.permutations(words, 2):
            if c1 == c2:
                continue
            for (p1, o1), (p2, o2) in itertools.product(opinions, repeat=2):
                if _is_heldout(t, w1, w2, o1, o2) == (split == "heldout"):
                    combos.append((template, c1, w1, p1, o1, c2, w2, p2, o2))
    return combos


@functools.lru_cache(maxsize=4)
def _review_pool(split: str):
    return _review_combinations(split)


def reviews_aspects(n: int, seed: int = 0, split: str = "train", contrastive: float = 0.5
                    ) -> list[tuple[list[str], str, str]]:
    """``n`` (review tokens, aspect category, polarity) triples.

    Each review has two clauses about two aspect categories of :data:`ASPECTS`; the
    question is one of the two categories, the answer the polarity of its clause
    (:data:`ASPECT_LABELS`). A share ``contrastive`` of the reviews have clauses of
    different polarities ("the food was great but the service was slow"). Which
    combinations of words and templates are held out is fixed by a hash.
    """
    _check_split(split)
    pool = _review_pool(split)
    contrast = [c for c in pool if c[3] != c[7]]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        source = contrast if rng.random() < contrastive else pool
        template, c1, w1, p1, o1, c2, w2, p2, o2 = source[rng.integers(len(source))]
        tokens = template.format(a1=w1, o1=o1, a2=w2, o2=o2).split()
        if rng.random() < 0.5:
            out.append((tokens, c1, p1))
        else:
            out.append((tokens, c2, p2))
    return out


def aspect_positions(tokens: Sequence[str], aspect: str) -> list[int]:
    """The positions in ``tokens`` of the words of ``aspect``'s term (the aspect
    category's word that the review uses, e.g. "pizza" for food; a two-word term gives
    two positions)."""
    terms = [str(w).split() for w in corpus("aspects")["aspects"][aspect]]
    toks = [str(t) for t in tokens]
    out: list[int] = []
    for term in terms:
        for i in range(len(toks) - len(term) + 1):
            if toks[i:i + len(term)] == term:
                out += range(i, i + len(term))
    return sorted(set(out))


# ---- sentence polarity with negation (sentence CNN) -------------------------------------

@functools.lru_cache(maxsize=4)
def _polarity_pool(split: str):
    data = corpus("polarity")
    combos = []
    for t, template in enumerate(data["cue_templates"]):
        for s in data["subjects"]:
            for label, adjs in ((1, data["positive"]), (0, data["negative"])):
                for adj in adjs:
                    for neg in [None] + list(data["negators"]):
                        if _is_heldout(t, s, adj, neg) == (split == "heldout"):
                            y = label if neg is None else 1 - label
                            phrase = adj if neg is None else f"{neg} {adj}"
                            combos.append((str(template), str(s), phrase, y))
    return combos


def polarity_sentences(n: int, seed: int = 0, split: str = "train"
                       ) -> list[tuple[list[str], int]]:
    """``n`` (tokens, label) pairs, label 1 positive, 0 negative.

    A sentence is a review clause whose polarity phrase is an adjective or a negated one
    ("not good" is negative, "never dull" positive), before or after a filler clause that
    itself often holds a negation word ("i have not read the book"), so that no single
    word gives the label. Half of the sentences are negated, half positive.
    """
    _check_split(split)
    data = corpus("polarity")
    pool = _polarity_pool(split)
    negated = [c for c in pool if " " in c[2]]
    plain = [c for c in pool if " " not in c[2]]
    fillers = [str(f) for f in data["fillers"]]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        source = negated if rng.random() < 0.5 else plain
        template, s, phrase, y = source[rng.integers(len(source))]
        clause = template.format(s=s, p=phrase)
        r = rng.random()
        if r < 0.4:
            text = f"{fillers[rng.integers(len(fillers))]} and {clause}"
        elif r < 0.8:
            text = f"{clause} , {fillers[rng.integers(len(fillers))]}"
        else:
            text = clause
        out.append((text.split(), int(y)))
    return out


# ---- sentiment trees (recursive networks) ------------------------------------------------

def tree_leaves(tree) -> list[str]:
    """The words of a tree (a str leaf, or a pair of trees) from left to right."""
    if isinstance(tree, str):
        return [tree]
    left, right = tree
    return tree_leaves(left) + tree_leaves(right)


def tree_text(tree) -> str:
    """A tree in bracket notation: ``(not (very good))``."""
    if isinstance(tree, str):
        return tree
    return f"({tree_text(tree[0])} {tree_text(tree[1])})"


def tree_value(tree) -> float:
    """The sentiment value of a tree by the corpus's rules (see ``trees.yaml``)."""
    data = corpus("trees")
    if isinstance(tree, str):
        return float(data["adjectives"].get(tree, 0.0))
    left, right = tree
    if isinstance(left, str) and left in data["intensifiers"]:
        return 2 * tree_value(right)
    if isinstance(left, str) and left in data["negators"]:
        return -0.5 * tree_value(right)
    return tree_value(left) + tree_value(right)


def tree_class(value: float) -> int:
    """The class of :data:`TREE_CLASSES` of a sentiment value."""
    if value <= -0.75:
        return 0
    if value < 0:
        return 1
    if value == 0:
        return 2
    if value < 0.75:
        return 3
    return 4


def tree_nodes(tree) -> list[tuple[Any, float]]:
    """Every node of a tree with its value, children before their parent (post-order)."""
    if isinstance(tree, str):
        return [(tree, tree_value(tree))]
    return tree_nodes(tree[0]) + tree_nodes(tree[1]) + [(tree, tree_value(tree))]


def _phrases():
    data = corpus("trees")
    out = []
    for adj in data["adjectives"]:
        out.append(adj)
        for m in data["intensifiers"]:
            out.append((m, adj))
        for neg in data["negators"]:
            out.append((neg, adj))
            for m in data["intensifiers"]:
                out.append((neg, (m, adj)))
    return out


@functools.lru_cache(maxsize=4)
def _tree_pool(split: str):
    data = corpus("trees")
    trees = []
    for phrase in _phrases():
        trees.append(("phrase", phrase))
        for noun in data["nouns"]:
            trees.append(("sentence", (("the", noun), ("was", phrase))))
    # a single word is always a training tree: its class is its own, nothing to compose
    return [t for kind, t in trees
            if (not isinstance(t, str) and _is_heldout(tree_text(t))) == (split == "heldout")]


def sentiment_trees(n: int, seed: int = 0, split: str = "train") -> list[tuple[Any, int]]:
    """``n`` (tree, class) pairs: a phrase such as ``("not", ("very", "good"))`` or a
    sentence ``(("the", "movie"), ("was", phrase))``, with the class of its value
    (:func:`tree_value`, :data:`TREE_CLASSES`). Which trees are held out is fixed by a
    hash of their text."""
    _check_split(split)
    pool = _tree_pool(split)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        tree = pool[rng.integers(len(pool))]
        out.append((tree, tree_class(tree_value(tree))))
    return out


# ---- dialogue -----------------------------------------------------------------------------

def _intents():
    data = corpus("dialogue")
    return [(topic, i, intent) for topic, intents in data["topics"].items()
            for i, intent in enumerate(intents)]


def dialogue_pairs(split: str = "train") -> list[tuple[list[str], list[str]]]:
    """(prompt tokens, reply tokens) for every prompt of the corpus: the training prompts,
    or (``"heldout"``) the paraphrases the checker keeps. Replies are the same."""
    _check_split(split)
    key = "prompts" if split == "train" else "heldout"
    return [(str(p).split(), str(intent["reply"]).split())
            for _, _, intent in _intents() for p in intent[key]]


def breakdown_dialogues(n: int, seed: int = 0, split: str = "train"
                        ) -> list[tuple[list[str], list[str], int]]:
    """``n`` (context tokens, response tokens, label) triples, labels of
    :data:`BREAKDOWN_LABELS` in equal shares: 0 the response answers the context, 1 it
    answers another question of the same topic (possible breakdown), 2 it is from
    another topic (breakdown). The contexts of ``"heldout"`` are the corpus's held-out
    paraphrases."""
    _check_split(split)
    key = "prompts" if split == "train" else "heldout"
    intents = _intents()
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = i % 3
        topic, k, intent = intents[rng.integers(len(intents))]
        context = str(intent[key][rng.integers(len(intent[key]))]).split()
        if label == 0:
            reply = intent["reply"]
        elif label == 1:
            same = [x for t, j, x in intents if t == topic and j != k]
            reply = same[rng.integers(len(same))]["reply"]
        else:
            other = [x for t, _, x in intents if t != topic]
            reply = other[rng.integers(len(other))]["reply"]
        out.append((context, str(reply).split(), label))
    order = rng.permutation(n)
    return [out[j] for j in order]


# ---- BLEU --------------------------------------------------------------------------------

def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def bleu(reference_tokens, candidate_tokens, max_n: int = 4) -> float:
    """Sentence BLEU of a candidate against one reference (a list of tokens) or several
    (a list of lists), with uniform weights 1/max_n and no smoothing, as
    ``nltk.translate.bleu_score.sentence_bleu`` computes it.

    p_n = (candidate n-grams, each counted at most as often as in the reference that has
    it most) / (candidate n-grams); BLEU = BP * exp(mean log p_n), with the brevity penalty
    BP = exp(1 - r / c) when the candidate (length c) is shorter than the reference whose
    length r is closest to c, else 1. It is 0 when any p_n is 0 or the candidate is empty.
    """
    refs = list(reference_tokens)
    if not refs or isinstance(refs[0], str):
        refs = [refs]
    refs = [list(map(str, r)) for r in refs]
    cand = list(map(str, candidate_tokens))
    c = len(cand)
    if c == 0:
        return 0.0
    log_p = 0.0
    for n in range(1, max_n + 1):
        counts = _ngrams(cand, n)
        total = sum(counts.values())
        if total == 0:
            return 0.0
        best: Counter = Counter()
        for r in refs:
            best |= _ngrams(r, n)
        clipped = sum(min(k, best[g]) for g, k in counts.items())
        if clipped == 0:
            return 0.0
        log_p += math.log(clipped / total) / max_n
    r = min((len(x) for x in refs), key=lambda length: (abs(length - c), length))
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return bp * math.exp(log_p)
