"""Convolution and pooling as a CNN layer computes them, in NumPy.

Written for the Unit 3 chapter (convolutional networks): padding arithmetic,
2-D convolution (which in deep learning is cross-correlation: the kernel is
not flipped) and pooling. The conventions are those of Keras
(``data_format="channels_last"``):

* an image is ``(height, width)`` or ``(height, width, channels)``;
* a kernel is ``(f, f)`` or ``(f, f, in_channels, filters)``, like the kernel
  of ``keras.layers.Conv2D``;
* ``padding`` is ``"valid"`` (none), ``"same"`` (Keras: the output has
  ``ceil(n / stride)`` rows, the extra zero goes at the bottom/right), or a
  number ``p`` of zero rows and columns added on every side.

The output size along one axis is ``floor((n + 2p - f) / s) + 1``.

:func:`conv1d` is the convolution of signal processing (the kernel *is*
flipped), as the MCA 402B notes define it for LTI systems; it gives what
``np.convolve`` gives.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["conv_output_size", "pad_amounts", "conv1d", "conv2d", "pool2d"]


def _check_size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def pad_amounts(n: int, f: int, stride: int = 1, padding="valid") -> tuple[int, int]:
    """Zeros added before and after one axis of length ``n``, as Keras pads it."""
    n, f, stride = _check_size("n", n), _check_size("f", f), _check_size("stride", stride)
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = max((math.ceil(n / stride) - 1) * stride + f - n, 0)
        return total // 2, total - total // 2
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        return int(padding), int(padding)
    raise ValueError(f'padding must be "valid", "same" or a whole number >= 0, not {padding!r}')


def conv_output_size(n: int, f: int, stride: int = 1, padding="valid") -> int:
    """Rows (or columns) out of a convolution or pooling window: floor((n + 2p - f)/s) + 1.

    ``padding`` as in :func:`pad_amounts`; with ``"same"`` the answer is
    ``ceil(n / stride)``. Raises ``ValueError`` when the window does not fit.
    """
    before, after = pad_amounts(n, f, stride, padding)
    if n + before + after < f:
        raise ValueError(f"a window of {f} does not fit in {n} + {before + after} padding")
    return (n + before + after - f) // stride + 1


def _pad(x: np.ndarray, f: int, stride: int, padding) -> np.ndarray:
    rows = pad_amounts(x.shape[0], f, stride, padding)
    cols = pad_amounts(x.shape[1], f, stride, padding)
    return np.pad(x, (rows, cols, (0, 0)))


def _windows(x: np.ndarray, f: int, stride: int) -> np.ndarray:
    """All f x f windows of (H, W, C) at the given stride: (H_out, W_out, f, f, C)."""
    win = np.lib.stride_tricks.sliding_window_view(x, (f, f), axis=(0, 1))
    return win[::stride, ::stride].transpose(0, 1, 3, 4, 2)


def conv1d(x, h, mode: str = "full") -> np.ndarray:
    """Discrete convolution y[n] = sum_k x[k] h[n - k] of two 1-D signals.

    The kernel ``h`` is flipped and slid along ``x``: ``"full"`` keeps every
    overlap (length ``len(x) + len(h) - 1``), ``"valid"`` only the complete
    ones (length ``|len(x) - len(h)| + 1``), as ``np.convolve`` does.
    Convolution commutes, so the longer signal is the one slid over.
    """
    if mode not in ("full", "valid"):
        raise ValueError(f'mode must be "full" or "valid", not {mode!r}')
    x, h = np.asarray(x, dtype=float), np.asarray(h, dtype=float)
    if x.ndim != 1 or h.ndim != 1 or not x.size or not h.size:
        raise ValueError(f"x and h must be non-empty 1-D signals; got shapes {x.shape} and {h.shape}")
    if h.size > x.size:
        x, h = h, x
    if mode == "full":
        x = np.pad(x, h.size - 1)
    windows = np.lib.stride_tricks.sliding_window_view(x, h.size)
    return windows @ h[::-1]


def conv2d(image, kernel, stride: int = 1, padding="valid", bias=None) -> np.ndarray:
    """2-D convolution of a CNN layer (cross-correlation, no kernel flip).

    ``image`` (H, W) or (H, W, C); ``kernel`` (f, f) or (f, f, C, F). The
    output is (H_out, W_out) for a 2-D image and kernel, else (H_out, W_out, F).
    """
    x, k = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    flat = x.ndim == 2 and k.ndim == 2
    if x.ndim == 2:
        x = x[..., None]
    if k.ndim == 2:
        k = k[:, :, None, None]
    if x.ndim != 3 or k.ndim != 4 or k.shape[0] != k.shape[1]:
        raise ValueError(f"image must be (H, W[, C]) and kernel (f, f[, C, F]); got {np.shape(image)} and {np.shape(kernel)}")
    if k.shape[2] != x.shape[2]:
        raise ValueError(f"the kernel expects {k.shape[2]} channels, the image has {x.shape[2]}")
    f = k.shape[0]
    out = np.einsum("hwijc,ijcf->hwf", _windows(_pad(x, f, stride, padding), f, stride), k)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)
    return out[..., 0] if flat else out


def pool2d(image, size: int = 2, stride: int | None = None, padding="valid", mode: str = "max") -> np.ndarray:
    """Max or average pooling of (H, W) or (H, W, C), channel by channel.

    ``stride`` defaults to ``size`` (Keras's default). With ``"same"``
    padding, padded cells are ignored, as Keras does: max over the real
    cells, average over the real cells only.
    """
    if mode not in ("max", "average"):
        raise ValueError(f'mode must be "max" or "average", not {mode!r}')
    x = np.asarray(image, dtype=float)
    flat = x.ndim == 2
    if flat:
        x = x[..., None]
    stride = size if stride is None else stride
    fill = -np.inf if mode == "max" else np.nan
    rows = pad_amounts(x.shape[0], size, stride, padding)
    cols = pad_amounts(x.shape[1], size, stride, padding)
    padded = np.pad(x, (rows, cols, (0, 0)), constant_values=fill)
    win = _windows(padded, size, stride)
    out = win.max(axis=(2, 3)) if mode == "max" else np.nanmean(win, axis=(2, 3))
    return out[..., 0] if flat else out
