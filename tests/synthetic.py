"""Synthetic stand-ins for keras.datasets loaders, for the labs' full-mode smoke tests."""

import numpy as np


def load_data(shape, n: int, n_train: int, label_shape=(), seed: int = 0):
    """A ``load_data`` replacement: ``n`` random uint8 images of ``shape``, split at ``n_train``."""
    rng = np.random.default_rng(seed)

    def load():
        images = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        labels = rng.integers(0, 10, size=(n, *label_shape))
        return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])

    return load


def load_reviews(n: int, n_train: int, max_index: int = 50, seed: int = 0):
    """An ``imdb.load_data`` replacement: ``n`` reviews of 5 to 30 word codes coded as Keras
    codes them (1 starts a review, 2 is an unknown word, word rank r is r + 3, codes from
    ``num_words`` up become 2), labels 0 or 1, split at ``n_train``."""
    rng = np.random.default_rng(seed)

    def load(num_words=None, **kwargs):
        reviews = np.empty(n, dtype=object)
        for i in range(n):
            codes = rng.integers(4, max_index + 4, size=rng.integers(5, 31))
            if num_words is not None:
                codes = np.where(codes < num_words, codes, 2)
            reviews[i] = [1, *codes.tolist()]
        labels = rng.integers(0, 2, size=n)
        return (reviews[:n_train], labels[:n_train]), (reviews[n_train:], labels[n_train:])

    return load


def word_index(n_words: int = 50):
    """An ``imdb.get_word_index`` replacement: ``word<r>`` has rank ``r`` (1 the most frequent)."""
    return lambda: {f"word{r}": r for r in range(1, n_words + 1)}
