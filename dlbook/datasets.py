"""Small data sets that the labs load (the chapters load theirs in their own cells)."""

from __future__ import annotations


def load_small_digits():
    """scikit-learn's 8x8 digits as rows of pixels in [0, 1]: X_train, X_test, y_train, y_test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.images.reshape(len(digits.images), -1).astype("float32") / 16.0
    return train_test_split(X, digits.target, test_size=0.2, stratify=digits.target,
                            random_state=0)
