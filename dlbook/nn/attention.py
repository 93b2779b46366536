"""Attention over a sequence of encoder states, in NumPy, as Keras computes it.

Written for the Unit 4 chapter (recurrent networks, section ``ch4-attention``).
A decoder state asks a *query*; every encoder state offers a *key* and a
*value* (in the simplest case key = value = the encoder state). Each key gets
a score, a softmax over the source positions turns the scores into weights
that sum to 1, and the context vector is the weighted sum of the values.
Shapes follow ``keras.layers.Attention``: ``query`` (batch, Tq, dim),
``keys`` and ``values`` (batch, Tv, dim); a single sequence without the batch
axis works too. Both functions return ``(context, weights)``, context
(batch, Tq, dim) and weights (batch, Tq, Tv).

* :func:`dot_product_attention`: score = q · k, times ``scale``
  (Luong et al., 2015; with ``scale = 1/sqrt(dim)`` the Transformer's
  scaled dot product). Equals ``keras.layers.Attention(use_scale=False)``,
  or with ``use_scale=True`` its learned scalar passed as ``scale``.
* :func:`additive_attention`: score = sum_j v_j tanh(q_j + k_j)
  (Bahdanau et al., 2015, after the query and keys have been projected by
  their weight matrices, W_q q and W_k k). Equals
  ``keras.layers.AdditiveAttention``, whose ``scale`` weight is ``v``.
"""

from __future__ import annotations

import numpy as np

from dlbook.nn.activations import softmax

__all__ = ["dot_product_attention", "additive_attention", "attend"]


def _arrays(query, keys, values):
    query, keys = np.asarray(query, dtype=float), np.asarray(keys, dtype=float)
    values = keys if values is None else np.asarray(values, dtype=float)
    if query.ndim not in (2, 3) or keys.ndim != query.ndim or values.ndim != query.ndim:
        raise ValueError(
            "query, keys and values must all be (time, dim) or all (batch, time, dim); "
            f"got shapes {query.shape}, {keys.shape}, {values.shape}"
        )
    if query.shape[-1] != keys.shape[-1]:
        raise ValueError(
            f"query and keys need the same last dimension to be compared: "
            f"{query.shape[-1]} and {keys.shape[-1]}"
        )
    if keys.shape[-2] != values.shape[-2]:
        raise ValueError(
            f"keys and values need one entry per source position: "
            f"{keys.shape[-2]} keys and {values.shape[-2]} values"
        )
    return query, keys, values


def attend(scores, values):
    """Softmax over the source positions (last axis), then the weighted sum."""
    weights = softmax(scores, axis=-1)
    return weights @ values, weights


def dot_product_attention(query, keys, values=None, scale=1.0):
    """Luong's dot-product attention: ``score[i, j] = scale * (q_i · k_j)``."""
    query, keys, values = _arrays(query, keys, values)
    scores = scale * (query @ np.swapaxes(keys, -1, -2))
    return attend(scores, values)


def additive_attention(query, keys, values=None, v=None):
    """Bahdanau's additive attention: ``score[i, j] = sum(v * tanh(q_i + k_j))``.

    ``v`` (dim,) defaults to ones, as the ``scale`` weight of
    ``keras.layers.AdditiveAttention`` starts.
    """
    query, keys, values = _arrays(query, keys, values)
    v = np.ones(query.shape[-1]) if v is None else np.asarray(v, dtype=float)
    summed = np.tanh(query[..., :, None, :] + keys[..., None, :, :])
    return attend(summed @ v, values)
