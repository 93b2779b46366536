"""Data sets that the labs load (the chapters load theirs in their own cells).

Small ones that ship with a package: scikit-learn's 8x8 digits, and the book's own
corpus of labelled sentences (``data/corpora/sentiment.yaml``); and IMDB's reviews,
downloaded by Keras, for the full configuration of Lab 4.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import numpy as np


def load_small_digits():
    """scikit-learn's 8x8 digits as rows of pixels in [0, 1]: X_train, X_test, y_train, y_test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.images.reshape(len(digits.images), -1).astype("float32") / 16.0
    return train_test_split(X, digits.target, test_size=0.2, stratify=digits.target,
                            random_state=0)


# ---- sentiment: the shipped corpus, and IMDB in the full configuration -----------------

SENTIMENT_FILE = "corpora/sentiment.yaml"
#: The sentiment labels, by their number: 0 negative, 1 positive.
SENTIMENT_LABELS = ("negative", "positive")
#: Index 0 pads a sequence, index 1 stands for a word outside the vocabulary.
PAD, UNKNOWN = "<pad>", "<unk>"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def digits_lab_and_held_out(held_out: int = 360) -> tuple:
    """``(X_lab, y_lab), (X_held, y_held)``: scikit-learn's 1,797 digits as rows of 64
    pixels in [0, 1] (float32), split into the labs' 1,437 and the ``held_out`` digits
    their checkers grade on (stratified, fixed seed). Labs 3, 5 and 6 share this split;
    no function a notebook calls returns the held-out part.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.images.reshape(len(digits.images), -1).astype("float32") / 16.0
    X_lab, X_held, y_lab, y_held = train_test_split(X, digits.target, test_size=held_out,
                                                    stratify=digits.target, random_state=42)
    return (X_lab, y_lab), (X_held, y_held)


def tokenize(text: str) -> list[str]:
    """The words of ``text``, lower-cased, without punctuation ("didn't" stays one word)."""
    if not isinstance(text, str):
        raise TypeError(f"expected a sentence (a str), got {type(text).__name__}: {text!r}")
    return _WORD.findall(text.lower())


def sentiment_sentences(path=None) -> tuple[list[str], np.ndarray]:
    """The sentences of the shipped corpus and their labels (0 negative, 1 positive).

    ``path`` is for tests (default: ``dlbook/data/corpora/sentiment.yaml``); the
    file is checked against ``schema/sentiment.schema.json``.
    """
    from dlbook import _data

    path = _data.DATA_DIR / SENTIMENT_FILE if path is None else Path(path)
    corpus = _data.load_yaml(path)
    _data.check(corpus, "sentiment", path)
    texts, labels = [], []
    for label, name in enumerate(SENTIMENT_LABELS):
        texts += corpus["sentences"][name]
        labels += [label] * len(corpus["sentences"][name])
    return texts, np.array(labels)


def build_vocabulary(texts, max_words: int | None = None) -> list[str]:
    """The words of ``texts``, most frequent first (ties alphabetical), after ``PAD`` (index
    0) and ``UNKNOWN`` (index 1): at most ``max_words`` entries in all."""
    counts = collections.Counter(word for text in texts for word in tokenize(text))
    words = sorted(counts, key=lambda w: (-counts[w], w))
    vocabulary = [PAD, UNKNOWN] + words
    return vocabulary if max_words is None else vocabulary[:max_words]


def encode(texts, vocabulary, maxlen: int) -> np.ndarray:
    """Each text as ``maxlen`` word indices into ``vocabulary``: unknown words become 1, short
    texts are padded with 0 at the front and long ones keep their last ``maxlen`` words (as
    ``keras.utils.pad_sequences`` does)."""
    if isinstance(texts, str):
        raise TypeError("expected a list of sentences, got one str: put it in a list, [text]")
    index = {word: i for i, word in enumerate(vocabulary)}
    rows = [[index.get(word, 1) for word in tokenize(text)] for text in texts]
    from keras.utils import pad_sequences

    return pad_sequences(rows, maxlen=maxlen, padding="pre", truncating="pre", value=0)


def decode(sequence, vocabulary) -> str:
    """The words of an encoded sentence, padding left out."""
    return " ".join(vocabulary[i] for i in np.asarray(sequence).tolist() if i != 0)


def load_small_sentiment(maxlen: int = 16, test_size: float = 0.2, seed: int = 0):
    """The shipped corpus as padded word indices: ``X_train, X_test, y_train, y_test,
    vocabulary``. The vocabulary holds the training sentences' words only (the test
    sentences' new words become ``UNKNOWN``); the split is stratified and fixed by ``seed``."""
    from sklearn.model_selection import train_test_split

    texts, labels = sentiment_sentences()
    t_train, t_test, y_train, y_test = train_test_split(
        texts, labels, test_size=test_size, stratify=labels, random_state=seed)
    vocabulary = build_vocabulary(t_train)
    return (encode(t_train, vocabulary, maxlen), encode(t_test, vocabulary, maxlen),
            y_train, y_test, vocabulary)


def load_imdb(num_words: int = 10_000, maxlen: int = 200):
    """IMDB's 50,000 film reviews (``keras.datasets.imdb``, downloaded on first use), in the
    form of :func:`load_small_sentiment`: ``X_train, X_test, y_train, y_test, vocabulary``,
    with the ``num_words`` most frequent words and the last ``maxlen`` words of each review.

    Keras codes 0 as padding, 1 as the start of a review, 2 as an unknown word and word
    ``i`` of its index as ``i + 3``; here the start marks are dropped and unknown words
    become 1, so that :func:`encode` and :func:`decode` work with the same vocabulary.
    It raises whatever the download raises (no network): the lab catches it and falls
    back on the small corpus.
    """
    from keras.datasets import imdb
    from keras.utils import pad_sequences

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words)
    word_index = imdb.get_word_index()
    vocabulary = [PAD, UNKNOWN] + [""] * (num_words - 4)
    for word, i in word_index.items():
        if i + 3 < num_words:  # the words load_data kept
            vocabulary[i + 1] = word

    def recode(reviews):
        rows = [[1 if i == 2 else i - 2 for i in review if i != 1] for review in reviews]
        return pad_sequences(rows, maxlen=maxlen, padding="pre", truncating="pre", value=0)

    return (recode(x_train), recode(x_test), np.asarray(y_train), np.asarray(y_test),
            vocabulary)
