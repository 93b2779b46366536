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
