"""Lab 3 answered by an unseen student: answers written without the recorded ones.

Each exercise of labs/03_cnn_lab.ipynb gets correct answers in forms other than the
obvious one and plausible wrong ones (slips, gaming attempts, malformed answers).
Each test asserts the status the checker should give; for a wrong answer, also that the
message is the checker's reason, not a traceback, and says something specific.
q5 and q8 are built at run time as the lab builds them (``confusion_exercise(cm)``
from the matrix of Part 2's CNN, ``design_exercise(seed)``).
A failing test here is a finding about the checker, not a test to adjust.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.unseen.grading import assert_graded  # noqa: E402

pytestmark = pytest.mark.xdist_group("unseen-lab03")

keras = pytest.importorskip("keras")
layers = keras.layers

# as the lab's cell 3
from dlbook.labs.lab03 import q1, q2, q3, q4, q6, q7, q9  # noqa: E402
from dlbook.labs.lab03 import confusion_exercise, design_exercise, load_digit_images  # noqa: E402

SEED = 0  # dlbook.setup().seed, the lab's `seed`



# ---- q1: conv_output_size -----------------------------------------------------------------

def size_floor_true_division(n, f, stride=1, padding=0):
    return math.floor((n + 2 * padding - f) / stride) + 1


def size_ceil_notes(n, f, stride=1, padding=0):
    # the chapter's ceil((n - f + 1) / s), with the padding added
    return math.ceil((n + 2 * padding - f + 1) / stride)


def size_range_len(n, f, stride=1, padding=0):
    # count the window's start positions
    return len(range(0, n + 2 * padding - f + 1, stride))


def size_while_loop(n, f, stride=1, padding=0):
    count, start = 0, 0
    while start + f <= n + 2 * padding:
        count += 1
        start += stride
    return count


def size_numpy(n, f, stride=1, padding=0):
    return np.floor_divide(n + 2 * padding - f, stride) + 1  # an np.int64


def size_true_division(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) / stride + 1


def size_padding_once(n, f, stride=1, padding=0):
    return (n + padding - f) // stride + 1


def size_no_plus_one(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) // stride


def size_ceil(n, f, stride=1, padding=0):
    return math.ceil((n + 2 * padding - f) / stride) + 1


def size_notes_floored(n, f, stride=1, padding=0):
    # the notes' (n - f + 1) / s, rounded down instead of up
    return (n + 2 * padding - f + 1) // stride


def size_round(n, f, stride=1, padding=0):
    return round((n + 2 * padding - f) / stride) + 1


def size_ignores_stride(n, f, stride=1, padding=0):
    return n + 2 * padding - f + 1


SHOWN = {(16, 3, 1, 2): 18, (32, 5, 2, 0): 14, (227, 11, 4, 0): 55, (28, 5, 1, 2): 28}


def size_lookup(n, f, stride=1, padding=0):
    # the notebook's four cases (and AlexNet, named in the prompt), else the stride-1 formula
    return SHOWN.get((n, f, stride, padding), n + 2 * padding - f + 1)


def size_square_tuple(n, f, stride=1, padding=0):
    rows = (n + 2 * padding - f) // stride + 1
    return (rows, rows)


def size_no_return(n, f, stride=1, padding=0):
    rows = (n + 2 * padding - f) // stride + 1  # noqa: F841 - forgot to return it


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(size_floor_true_division, "correct", (), id="c-math-floor"),  # floor of a true division
    pytest.param(size_ceil_notes, "correct", (), id="c-ceil-notes"),  # the ceil form of the chapter
    pytest.param(size_range_len, "correct", (), id="c-range-len"),  # counting start positions
    pytest.param(size_while_loop, "correct", (), id="c-while-loop"),  # sliding the window in a loop
    pytest.param(size_numpy, "correct", (), id="c-numpy-int"),  # an np.int64, not an int
    pytest.param(size_true_division, "incorrect", (), id="w-no-floor"),  # float, no rounding down
    pytest.param(size_padding_once, "incorrect", (), id="w-padding-once"),  # p, not 2p
    pytest.param(size_no_plus_one, "incorrect", (), id="w-no-plus-one"),  # off by one
    pytest.param(size_ceil, "incorrect", (), id="w-ceil"),  # rounds up
    pytest.param(size_notes_floored, "incorrect", (), id="w-notes-floored"),  # (n-f+1)//s
    pytest.param(size_round, "incorrect", (), id="w-round"),  # rounds to nearest
    pytest.param(size_ignores_stride, "incorrect", (), id="w-ignores-stride"),  # stride unused
    pytest.param(size_lookup, "incorrect", (), id="w-lookup-shown-cases"),  # gaming: table
    pytest.param(size_square_tuple, "incorrect", (), id="w-tuple"),  # (rows, cols), not a number
    pytest.param(size_no_return, "incorrect|blank", ("None", "return"), id="w-no-return"),  # None
])
def test_q1_conv_output_size(answer, expected, says):
    assert_graded(q1, answer, expected, says)


# ---- q2: conv2d --------------------------------------------------------------------------

def _out(image, f, stride):
    return ((image.shape[0] - f) // stride + 1, (image.shape[1] - f) // stride + 1)


def conv_kernel_loops(image, kernel, stride=1):
    # loop over the kernel's entries, adding shifted, strided slices of the image
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    f = kernel.shape[0]
    rows, cols = _out(image, f, stride)
    out = np.zeros((rows, cols))
    for u in range(f):
        for v in range(f):
            out += kernel[u, v] * image[u:u + stride * (rows - 1) + 1:stride,
                                        v:v + stride * (cols - 1) + 1:stride]
    return out


def conv_sliding_window(image, kernel, stride=1):
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)[::stride, ::stride]
    return np.einsum("ijuv,uv->ij", windows, kernel)


def conv_columns_first(image, kernel, stride=1):
    # the two loops the other way round, j outside
    f = kernel.shape[0]
    rows, cols = _out(image, f, stride)
    out = np.empty((rows, cols))
    for j in range(cols):
        for i in range(rows):
            out[i, j] = (image[i * stride:i * stride + f, j * stride:j * stride + f] * kernel).sum()
    return out


def conv_keras_ops(image, kernel, stride=1):
    # Keras's own convolution; returns a backend tensor in float32
    x = keras.ops.convert_to_tensor(np.asarray(image, dtype="float32")[None, :, :, None])
    k = keras.ops.convert_to_tensor(np.asarray(kernel, dtype="float32")[:, :, None, None])
    return keras.ops.conv(x, k, strides=stride, padding="valid")[0, :, :, 0]


def conv_scipy(image, kernel, stride=1):
    from scipy.signal import correlate2d

    return correlate2d(image, kernel, mode="valid")[::stride, ::stride]


def conv_flipped(image, kernel, stride=1):
    return conv_columns_first(image, kernel[::-1, ::-1], stride)


def conv_kernel_transposed(image, kernel, stride=1):
    return conv_columns_first(image, kernel.T, stride)


def conv_ignores_stride(image, kernel, stride=1):
    return conv_columns_first(image, kernel, 1)


def conv_one_short(image, kernel, stride=1):
    # output size n - f: the last row and column are missing
    f = kernel.shape[0]
    rows, cols = (image.shape[0] - f) // stride, (image.shape[1] - f) // stride
    return np.array([[np.sum(image[i * stride:i * stride + f, j * stride:j * stride + f] * kernel)
                      for j in range(cols)] for i in range(rows)])


def conv_window_not_strided(image, kernel, stride=1):
    # the right output size, but the window starts at row i, not i * stride
    f = kernel.shape[0]
    rows, cols = _out(image, f, stride)
    return np.array([[np.sum(image[i:i + f, j:j + f] * kernel) for j in range(cols)]
                     for i in range(rows)])


def conv_same_padding(image, kernel, stride=1):
    f = kernel.shape[0]
    padded = np.pad(image, f // 2)
    return conv_columns_first(padded, kernel, stride)


def conv_int_output(image, kernel, stride=1):
    # np.zeros(..., dtype=int): every sum is truncated to an integer
    f = kernel.shape[0]
    out = np.zeros(_out(image, f, stride), dtype=int)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i * stride:i * stride + f, j * stride:j * stride + f] * kernel)
    return out


def conv_writes_inputs(image, kernel, stride=1):
    # gaming: zero the inputs, so that any comparison on the same arrays sees zeros
    shape = _out(image, kernel.shape[0], stride)
    image[...] = 0
    kernel[...] = 0
    return np.zeros(shape)


def conv_no_return(image, kernel, stride=1):
    conv_columns_first(image, kernel, stride)


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(conv_kernel_loops, "correct", (), id="c-loops-over-kernel"),  # other loop order
    pytest.param(conv_sliding_window, "correct", (), id="c-sliding-window"),  # vectorised
    pytest.param(conv_columns_first, "correct", (), id="c-columns-first"),  # j outer, i inner
    pytest.param(conv_keras_ops, "correct", (), id="c-keras-tensor"),  # a float32 tensor
    pytest.param(conv_scipy, "correct", (), id="c-scipy-correlate"),  # scipy's cross-correlation
    pytest.param(conv_flipped, "incorrect", ("flip",), id="w-flipped"),  # signal-processing conv
    pytest.param(conv_kernel_transposed, "incorrect", (), id="w-kernel-transposed"),  # K.T
    pytest.param(conv_ignores_stride, "incorrect", (), id="w-ignores-stride"),  # stride 1 always
    pytest.param(conv_one_short, "incorrect", ("shape",), id="w-one-short"),  # n - f rows
    pytest.param(conv_window_not_strided, "incorrect", (), id="w-window-not-strided"),  # i, not i*s
    pytest.param(conv_same_padding, "incorrect", ("shape",), id="w-same-padding"),  # pads
    pytest.param(conv_int_output, "incorrect", (), id="w-int-output"),  # truncated sums
    pytest.param(conv_writes_inputs, "incorrect", (), id="w-writes-inputs"),  # gaming
    pytest.param(conv_no_return, "incorrect|blank", ("None", "return"), id="w-no-return"),  # None
])
def test_q2_conv2d(answer, expected, says):
    assert_graded(q2, answer, expected, says)


# ---- q3: max_pool ------------------------------------------------------------------------

def pool_sliding_window(image, size=2, stride=None):
    stride = stride or size
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3))


def pool_comprehension(image, size=2, stride=None):
    s = size if stride is None else stride
    rows, cols = (image.shape[0] - size) // s + 1, (image.shape[1] - size) // s + 1
    return np.array([[max(image[i * s + u, j * s + v] for u in range(size) for v in range(size))
                      for j in range(cols)] for i in range(rows)])


def pool_keras_ops(image, size=2, stride=None):
    x = keras.ops.convert_to_tensor(np.asarray(image, dtype="float32")[None, :, :, None])
    return keras.ops.max_pool(x, size, strides=stride or size, padding="valid")[0, :, :, 0]


def pool_columns_first(image, size=2, stride=None):
    if stride is None:
        stride = size
    rows, cols = (image.shape[0] - size) // stride + 1, (image.shape[1] - size) // stride + 1
    out = np.full((rows, cols), -np.inf)
    for j in range(cols):
        for i in range(rows):
            out[i, j] = image[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out


def pool_default_stride_one(image, size=2, stride=None):
    return pool_columns_first(image, size, stride or 1)


def pool_ignores_stride(image, size=2, stride=None):
    return pool_columns_first(image, size, size)


def pool_average(image, size=2, stride=None):
    s = stride or size
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size))[::s, ::s]
    return windows.mean(axis=(2, 3))


def pool_partial_windows(image, size=2, stride=None):
    # ceil(n / s) windows, the last ones cut short (padding="same")
    s = stride or size
    rows, cols = math.ceil(image.shape[0] / s), math.ceil(image.shape[1] / s)
    return np.array([[image[i * s:i * s + size, j * s:j * s + size].max() for j in range(cols)]
                     for i in range(rows)])


def pool_largest_magnitude(image, size=2, stride=None):
    s = stride or size
    windows = np.lib.stride_tricks.sliding_window_view(image, (size, size))[::s, ::s]
    return np.abs(windows).max(axis=(2, 3))


def pool_transposed(image, size=2, stride=None):
    return pool_sliding_window(image, size, stride).T


def pool_zeros_start(image, size=2, stride=None):
    # out = np.zeros(...) and out[i, j] = max(out[i, j], ...): windows below 0 give 0
    s = stride or size
    rows, cols = (image.shape[0] - size) // s + 1, (image.shape[1] - size) // s + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = max(out[i, j], image[i * s:i * s + size, j * s:j * s + size].max())
    return out


def pool_writes_input(image, size=2, stride=None):
    # gaming: zero the input, return zeros of the right shape
    s = stride or size
    shape = ((image.shape[0] - size) // s + 1, (image.shape[1] - size) // s + 1)
    image[...] = 0
    return np.zeros(shape)


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(pool_sliding_window, "correct", (), id="c-sliding-window"),  # vectorised
    pytest.param(pool_comprehension, "correct", (), id="c-comprehension"),  # pure Python max
    pytest.param(pool_keras_ops, "correct", (), id="c-keras-tensor"),  # a float32 tensor
    pytest.param(pool_columns_first, "correct", (), id="c-columns-first"),  # other loop order
    pytest.param(pool_default_stride_one, "incorrect", (), id="w-default-stride-1"),  # not size
    pytest.param(pool_ignores_stride, "incorrect", (), id="w-ignores-stride"),  # given stride lost
    pytest.param(pool_average, "incorrect", (), id="w-average"),  # mean, not max
    pytest.param(pool_partial_windows, "incorrect", (), id="w-partial-windows"),  # ceil size
    pytest.param(pool_largest_magnitude, "incorrect", (), id="w-abs-max"),  # |x| max
    pytest.param(pool_transposed, "incorrect", (), id="w-transposed"),  # rows and columns swapped
    pytest.param(pool_zeros_start, "incorrect", (), id="w-zeros-floor"),  # negatives become 0
    pytest.param(pool_writes_input, "incorrect", (), id="w-writes-input"),  # gaming
])
def test_q3_max_pool(answer, expected, says):
    assert_graded(q3, answer, expected, says)


# ---- q9: the backward pass of a convolution ------------------------------------------------

def _valid_xcorr(a, k):
    kr, kc = k.shape
    return np.array([[np.sum(a[i:i + kr, j:j + kc] * k) for j in range(a.shape[1] - kc + 1)]
                     for i in range(a.shape[0] - kr + 1)])


def back_scipy(image, kernel, delta):
    from scipy.signal import convolve2d, correlate2d

    return correlate2d(image, delta, mode="valid"), convolve2d(delta, kernel, mode="full")


def back_pad_flip(image, kernel, delta):
    # 'full' convolution = pad delta by f - 1, cross-correlate with the flipped kernel; a list
    f = kernel.shape[0]
    padded = np.pad(delta, f - 1)
    return [_valid_xcorr(image, delta), _valid_xcorr(padded, kernel[::-1, ::-1])]


def back_kernel_offsets(image, kernel, delta):
    # loops over the kernel's entries; vectorised over the outputs
    image, kernel, delta = (np.asarray(a, dtype=float) for a in (image, kernel, delta))
    d_kernel, d_image = np.zeros_like(kernel), np.zeros_like(image)
    rows, cols = delta.shape
    for u in range(kernel.shape[0]):
        for v in range(kernel.shape[1]):
            d_kernel[u, v] = np.sum(image[u:u + rows, v:v + cols] * delta)
            d_image[u:u + rows, v:v + cols] += kernel[u, v] * delta
    return d_kernel, d_image


def back_no_flip(image, kernel, delta):
    # the 'full' cross-correlation: the kernel is not flipped
    f = kernel.shape[0]
    return _valid_xcorr(image, delta), _valid_xcorr(np.pad(delta, f - 1), kernel)


def back_swapped(image, kernel, delta):
    d_kernel, d_image = back_kernel_offsets(image, kernel, delta)
    return d_image, d_kernel


def back_kernel_flipped(image, kernel, delta):
    # dL/dK as a true convolution (delta flipped)
    d_kernel, d_image = back_kernel_offsets(image, kernel, delta)
    return _valid_xcorr(image, delta[::-1, ::-1]), d_image


def back_valid_image(image, kernel, delta):
    # dL/dI padded only by f // 2: 'same', not 'full'
    f = kernel.shape[0]
    return _valid_xcorr(image, delta), _valid_xcorr(np.pad(delta, f // 2), kernel[::-1, ::-1])


def back_kernel_only(image, kernel, delta):
    return _valid_xcorr(image, delta)  # d_image forgotten


def back_writes_inputs(image, kernel, delta):
    # gaming: zero the inputs, return zeros of the right shapes
    shapes = kernel.shape, image.shape
    for a in (image, kernel, delta):
        a[...] = 0
    return np.zeros(shapes[0]), np.zeros(shapes[1])


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(back_scipy, "correct", (), id="c-scipy"),  # correlate2d + convolve2d full
    pytest.param(back_pad_flip, "correct", (), id="c-pad-flip-list"),  # padded, flipped; a list
    pytest.param(back_kernel_offsets, "correct", (), id="c-kernel-offset-loops"),  # other loops
    pytest.param(back_no_flip, "incorrect", ("flip", "180", "[::-1"), id="w-no-flip"),  # full cross-correlation
    pytest.param(back_swapped, "incorrect", (), id="w-swapped-pair"),  # (d_image, d_kernel)
    pytest.param(back_kernel_flipped, "incorrect", (), id="w-d-kernel-flipped"),  # convolution
    pytest.param(back_valid_image, "incorrect", ("shape",), id="w-same-not-full"),  # wrong size
    pytest.param(back_kernel_only, "incorrect", (), id="w-one-array"),  # malformed: not a pair
    pytest.param(back_writes_inputs, "incorrect", (), id="w-writes-inputs"),  # gaming
])
def test_q9_conv2d_backward(answer, expected, says):
    assert_graded(q9, answer, expected, says)


# ---- q4: parameters of the second Conv2D ---------------------------------------------------

@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(32 * (3 * 3 * 16) + 32, "correct", (), id="c-weights-plus-biases"),  # int
    pytest.param((np.prod([3, 3, 16]) + 1) * 32, "correct", (), id="c-numpy-int64"),  # np.int64
    pytest.param(32 * (3 * 3 * 16 + 1.0), "correct", (), id="c-float"),  # 4640.0
    pytest.param(3 * 3 * 16 * 32, "incorrect", ("bias",), id="w-no-bias"),  # 4608
    pytest.param((3 * 3 + 1) * 32, "incorrect", (), id="w-no-depth"),  # 320: one channel in
    pytest.param((3 * 3 * 32 + 1) * 16, "incorrect", (), id="w-swapped"),  # 4624
    pytest.param((3 * 3 * 1 + 1) * 16, "incorrect", (), id="w-first-layer"),  # 160
    pytest.param(160 + 4640, "incorrect", (), id="w-both-layers"),  # 4800
    pytest.param((8 * 8 * 16 + 1) * 32, "incorrect", (), id="w-image-size"),  # dense count
    pytest.param("4640", "incorrect", ("quote", "text"), id="w-string"),  # malformed
    pytest.param(None, "incorrect", ("None",), id="w-none"),  # malformed
])
def test_q4_conv_params(answer, expected, says):
    assert_graded(q4, answer, expected, says)


# ---- q5: the most frequent mistake in the confusion matrix ----------------------------------

@pytest.fixture(scope="module")
def part2():
    """Part 2's CNN trained as the lab trains it: the test labels, predictions and cm."""
    from sklearn.metrics import confusion_matrix

    X_train, X_test, y_train, y_test = load_digit_images()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=X_train.shape[1:]),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=20, batch_size=64, validation_split=0.1, verbose=0)
    y_pred = model.predict(X_test, verbose=0).argmax(axis=1)
    cm = confusion_matrix(y_test, y_pred, labels=range(10))
    return y_test, y_pred, cm


def pair_unravel_copy(cm, y_test, y_pred):
    mistakes = cm.copy()
    np.fill_diagonal(mistakes, 0)
    return np.unravel_index(mistakes.argmax(), mistakes.shape)  # a tuple of np.int64


def pair_in_place(cm, y_test, y_pred):
    np.fill_diagonal(cm, 0)  # zeroes the lab's own cm, then reads it: still the right pair
    i, j = np.unravel_index(cm.argmax(), cm.shape)
    return int(i), int(j)


def pair_loop_list(cm, y_test, y_pred):
    best, pair = -1, None
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if i != j and cm[i, j] > best:
                best, pair = cm[i, j], [i, j]
    return pair  # a list, not a tuple


def pair_argwhere(cm, y_test, y_pred):
    mistakes = np.where(np.eye(len(cm), dtype=bool), -1, cm)
    return np.argwhere(mistakes == mistakes.max())[0]  # an array of two


def pair_counter(cm, y_test, y_pred):
    from collections import Counter

    counts = Counter((int(t), int(p)) for t, p in zip(y_test, y_pred) if t != p)
    return counts.most_common(1)[0][0]


def pair_with_diagonal(cm, y_test, y_pred):
    i, j = np.unravel_index(cm.argmax(), cm.shape)  # the diagonal left in
    return int(i), int(j)


def pair_reversed(cm, y_test, y_pred):
    i, j = pair_unravel_copy(cm, y_test, y_pred)
    return int(j), int(i)  # (predicted, true)


def pair_flat_index(cm, y_test, y_pred):
    mistakes = cm.copy()
    np.fill_diagonal(mistakes, 0)
    return int(mistakes.argmax())  # the flat index, not unravelled


def pair_one_based(cm, y_test, y_pred):
    i, j = pair_unravel_copy(cm, y_test, y_pred)
    return int(i) + 1, int(j) + 1


def pair_rarest(cm, y_test, y_pred):
    mistakes = np.where(np.eye(len(cm), dtype=bool) | (cm == 0), cm.max() + 1, cm)
    i, j = np.unravel_index(mistakes.argmin(), mistakes.shape)  # argmin for argmax
    return int(i), int(j)


def pair_classic_guess(cm, y_test, y_pred):
    return (3, 8)  # the textbook confusion, not read off this matrix


def pair_matrix(cm, y_test, y_pred):
    mistakes = cm.copy()
    np.fill_diagonal(mistakes, 0)
    return mistakes  # the matrix, not the pair


def pair_text(cm, y_test, y_pred):
    i, j = pair_unravel_copy(cm, y_test, y_pred)
    return f"({i}, {j})"


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(pair_unravel_copy, "correct", (), id="c-unravel-np-ints"),  # np.int64 entries
    pytest.param(pair_in_place, "correct", (), id="c-fill-diagonal-in-place"),  # writes into cm
    pytest.param(pair_loop_list, "correct", (), id="c-loop-list"),  # a list, not a tuple
    pytest.param(pair_argwhere, "correct", (), id="c-argwhere-array"),  # an array of two
    pytest.param(pair_counter, "correct", (), id="c-counter-on-labels"),  # from y_test, y_pred
    pytest.param(pair_with_diagonal, "incorrect", (), id="w-diagonal-kept"),  # a correct class
    pytest.param(pair_reversed, "incorrect", (), id="w-reversed"),  # (predicted, true)
    pytest.param(pair_flat_index, "incorrect", (), id="w-flat-index"),  # a number
    pytest.param(pair_one_based, "incorrect", (), id="w-one-based"),  # digits + 1
    pytest.param(pair_rarest, "incorrect", (), id="w-rarest-mistake"),  # argmin
    pytest.param(pair_classic_guess, "incorrect", (), id="w-guess-3-8"),  # gaming: a guess
    pytest.param(pair_matrix, "incorrect", (), id="w-matrix"),  # malformed: the matrix
    pytest.param(pair_text, "incorrect", ("str", "text", "quote"), id="w-text"),  # malformed: a string
])
def test_q5_most_frequent_mistake(part2, answer, expected, says):
    y_test, y_pred, cm = part2
    cm = cm.copy()  # each test starts from the lab's matrix
    q5 = confusion_exercise(cm)
    assert_graded(q5, answer(cm, y_test, y_pred), expected, says)


TIED = np.diag([30] * 10)
TIED[3, 5] = TIED[8, 1] = 3  # two mistakes, equally frequent
TIED[4, 9] = 1


@pytest.mark.parametrize("answer, expected", [
    pytest.param((3, 5), "correct", id="c-tie-first"),  # np.argmax's pick
    pytest.param((8, 1), "correct", id="c-tie-last"),  # a loop with >= picks this one
    pytest.param((4, 9), "incorrect", id="w-tie-smaller"),  # not the most frequent
])
def test_q5_tied_mistakes(answer, expected):
    # A run's matrix can hold two mistakes of the same count: either is the answer.
    q5 = confusion_exercise(TIED.copy())
    assert_graded(q5, answer, expected)


# ---- q6: transfer_model -------------------------------------------------------------------

def head_functional(base, num_classes, trainable):
    base.trainable = trainable
    inputs = keras.Input(shape=base.inputs[0].shape[1:])
    features = base(inputs, training=False)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(features))


def head_each_layer(base, num_classes, trainable):
    for layer in base.layers:  # freeze layer by layer
        layer.trainable = trainable
    return keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])


def head_add_then_freeze(base, num_classes, trainable):
    model = keras.Sequential()
    model.add(base)
    model.add(layers.Dense(num_classes))
    model.add(layers.Activation("softmax"))  # the softmax as its own layer
    base.trainable = trainable  # set after the model is put together
    return model


def head_never_frozen(base, num_classes, trainable):
    return keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])


def head_always_frozen(base, num_classes, trainable):
    base.trainable = False
    return keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])


def head_inverted(base, num_classes, trainable):
    base.trainable = not trainable
    return keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])


def head_whole_model_frozen(base, num_classes, trainable):
    model = keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])
    model.trainable = trainable  # freezes the new head too
    return model


def head_fresh_weights(base, num_classes, trainable):
    copy = keras.models.clone_model(base)  # the layers, not the trained weights
    copy.trainable = trainable
    return keras.Sequential([copy, layers.Dense(num_classes, activation="softmax")])


def head_five_classes(base, num_classes, trainable):
    base.trainable = trainable
    return keras.Sequential([base, layers.Dense(5, activation="softmax")])  # the lab's 5


def head_no_softmax(base, num_classes, trainable):
    base.trainable = trainable
    return keras.Sequential([base, layers.Dense(num_classes)])


def head_sigmoid(base, num_classes, trainable):
    base.trainable = trainable
    return keras.Sequential([base, layers.Dense(num_classes, activation="sigmoid")])


def head_base_only(base, num_classes, trainable):
    base.trainable = trainable
    return base


def head_no_return(base, num_classes, trainable):
    base.trainable = trainable
    keras.Sequential([base, layers.Dense(num_classes, activation="softmax")])


@pytest.mark.parametrize("answer, expected, says", [
    pytest.param(head_functional, "correct", (), id="c-functional"),  # functional API
    pytest.param(head_each_layer, "correct", (), id="c-freeze-each-layer"),  # layer by layer
    pytest.param(head_add_then_freeze, "correct", (), id="c-add-activation-layer"),  # .add, Softmax
    pytest.param(head_never_frozen, "incorrect", ("froz", "trainable"), id="w-never-frozen"),
    pytest.param(head_always_frozen, "incorrect", ("trainable", "fine"), id="w-always-frozen"),
    pytest.param(head_inverted, "incorrect", ("trainable", "froz"), id="w-inverted"),
    pytest.param(head_whole_model_frozen, "incorrect", (), id="w-head-frozen-too"),
    pytest.param(head_fresh_weights, "incorrect", ("weight",), id="w-fresh-weights"),
    pytest.param(head_five_classes, "incorrect", (), id="w-hardcoded-5"),  # gaming
    pytest.param(head_no_softmax, "incorrect", ("softmax",), id="w-no-softmax"),  # logits
    pytest.param(head_sigmoid, "incorrect", ("softmax",), id="w-sigmoid"),  # wrong activation
    pytest.param(head_base_only, "incorrect", (), id="w-no-head"),  # the base alone
    pytest.param(head_no_return, "incorrect|blank", ("None", "return"), id="w-no-return"),  # None
])
def test_q6_transfer_model(answer, expected, says):
    assert_graded(q6, answer, expected, says)


# ---- q7: LeNet-5 --------------------------------------------------------------------------

def lenet_dense_c5():
    # C5 as Flatten + Dense(120), tanh and average pooling
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(6, 5, padding="same", activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"),
        layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax"),
    ])


def lenet_conv_c5_relu_max():
    # C5 as a 5 x 5 convolution (the chapter's form), ReLU and max pooling
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(6, (5, 5), padding="same", activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2), strides=2),
        layers.Conv2D(16, (5, 5), padding="valid", activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2), strides=2),
        layers.Conv2D(120, 5, activation="relu"),
        layers.Flatten(),
        layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def lenet_zero_padding():
    # LeCun's padding: 2 rows and columns of zeros, then an unpadded C1
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.ZeroPadding2D(2),
        layers.Conv2D(6, 5, activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"),
        layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax"),
    ])


def lenet_activation_layers():
    # the activations as layers of their own
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(6, 5, padding="same"), layers.Activation("tanh"),
        layers.AveragePooling2D(2),
        layers.Conv2D(16, 5), layers.Activation("tanh"),
        layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120), layers.Activation("tanh"),
        layers.Dense(84), layers.Activation("tanh"),
        layers.Dense(10), layers.Softmax(),
    ])


def lenet_functional():
    # the functional API (the lab says Sequential; the network is the same)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(6, 5, padding="same", activation="tanh")(inputs)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(16, 5, activation="tanh")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(120, activation="tanh")(x)
    x = layers.Dense(84, activation="tanh")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def lenet_edited(*, c1_padding="same", c3_padding="valid", pool_strides=None,
                 input_size=28, c5_before_flatten=False, f6=True, output_activation="softmax"):
    """lenet_dense_c5 with one slip."""
    stack = [
        keras.Input(shape=(input_size, input_size, 1)),
        layers.Conv2D(6, 5, padding=c1_padding, activation="tanh"),
        layers.AveragePooling2D(2, strides=pool_strides),
        layers.Conv2D(16, 5, padding=c3_padding, activation="tanh"),
        layers.AveragePooling2D(2, strides=pool_strides),
    ]
    if c5_before_flatten:
        stack += [layers.Dense(120, activation="tanh"), layers.Flatten()]
    else:
        stack += [layers.Flatten(), layers.Dense(120, activation="tanh")]
    if f6:
        stack.append(layers.Dense(84, activation="tanh"))
    stack.append(layers.Dense(10, activation=output_activation))
    return keras.Sequential(stack)


def lenet_chapter_32():
    # gaming: the chapter's lenet5() copied, for 32 x 32 inputs
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 1)),
        L.Conv2D(6, 5, activation="tanh", name="C1"),
        L.AveragePooling2D(2, name="S2"),
        L.Conv2D(16, 5, activation="tanh", name="C3"),
        L.AveragePooling2D(2, name="S4"),
        L.Conv2D(120, 5, activation="tanh", name="C5"),
        L.Flatten(name="flatten"),
        L.Dense(84, activation="tanh", name="F6"),
        L.Dense(10, activation="softmax", name="output"),
    ], name="lenet5")


def lenet_unbuilt():
    # no keras.Input: the model has no shapes yet
    return keras.Sequential([
        layers.Conv2D(6, 5, padding="same", activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"),
        layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"),
        layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax"),
    ])


@pytest.mark.parametrize("build, expected, says", [
    pytest.param(lenet_dense_c5, "correct", (), id="c-dense-c5"),  # Flatten + Dense(120)
    pytest.param(lenet_conv_c5_relu_max, "correct", (), id="c-conv-c5-relu-max"),  # allowed choices
    pytest.param(lenet_zero_padding, "correct", (), id="c-zero-padding-layer"),  # LeCun's padding
    pytest.param(lenet_activation_layers, "correct", (), id="c-activation-layers"),  # separate
    pytest.param(lenet_functional, "correct", (), id="c-functional"),  # keras.Model
    pytest.param(lambda: lenet_edited(c1_padding="valid"), "incorrect", ("24",),
                 id="w-c1-unpadded"),  # 24 x 24 after C1
    pytest.param(lambda: lenet_edited(c3_padding="same"), "incorrect", ("14",),
                 id="w-c3-padded"),  # 14 x 14 x 16 after C3
    pytest.param(lambda: lenet_edited(pool_strides=1), "incorrect", (),
                 id="w-pool-stride-1"),  # 27 x 27 after S2
    pytest.param(lambda: lenet_edited(c5_before_flatten=True), "incorrect", (),
                 id="w-dense-before-flatten"),  # Dense on 5 x 5 x 16: 2,040 parameters
    pytest.param(lambda: lenet_edited(f6=False), "incorrect", (), id="w-no-f6"),  # a layer short
    pytest.param(lambda: lenet_edited(output_activation=None), "incorrect", ("softmax",),
                 id="w-no-softmax"),  # logits out
    pytest.param(lambda: lenet_edited(input_size=32), "incorrect", ("28", "32"),
                 id="w-input-32"),  # the original's 32 x 32
    pytest.param(lenet_chapter_32, "incorrect", ("28", "32"), id="w-chapter-copy"),  # gaming
    pytest.param(lenet_unbuilt, "incorrect", ("Input", "built"), id="w-unbuilt"),  # no Input
    pytest.param(lambda: None, "incorrect", ("None",), id="w-none"),  # malformed
])
def test_q7_lenet(build, expected, says):
    assert_graded(q7, build(), expected, says)


# ---- q8: a CNN within 3,000 parameters (design; trains models, kept to 2 + 3) -------------
# Part 5 (as revised): digits placed at random on a 12 x 12 canvas, from
# load_shifted_digits(); the checker scores the model on 360 digits of its own.

@pytest.fixture(scope="module")
def shifted():
    from dlbook.labs.lab03 import load_shifted_digits

    return load_shifted_digits()  # X_train, X_val, y_train, y_val


def design_functional_logits(X_train, y_train):
    # functional API, a linear output layer and from_logits=True; 2,510 parameters
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(shape=X_train.shape[1:])
    x = layers.Conv2D(12, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(20, 3, padding="same", activation="relu")(x)
    x = layers.GlobalMaxPooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
    model.compile(optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X_train, y_train, epochs=30, batch_size=64, verbose=0)
    return model


def design_one_hot_any_size(X_train, y_train):
    # Sequential, keras.Input with None for the image size, one-hot labels; 2,510 parameters
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(None, None, 1)),
        layers.Conv2D(12, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(20, 3, padding="same", activation="relu"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X_train, keras.utils.to_categorical(y_train, 10), epochs=30, batch_size=64,
              verbose=0)
    return model


def design_over_budget(X_train, y_train):
    # Part 2's CNN on the 12 x 12 canvas, some 75,000 parameters, trained a little
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=X_train.shape[1:]),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=3, batch_size=64, verbose=0)
    return model


def design_old_8x8(X_train, y_train):
    # copied from the 8 x 8 digits of Part 2: takes 8 x 8 inputs, trained on the 8 x 8 digits
    X8, _, y8, _ = load_digit_images()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.Conv2D(12, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(X8, y8, epochs=5, batch_size=64, verbose=0)
    return model


def design_never_trained(X_train, y_train):
    # malformed: compiled, never fitted (history = ... left as it was)
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=X_train.shape[1:]),
        layers.Conv2D(12, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(20, 3, padding="same", activation="relu"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("design, expected, says", [
    pytest.param(design_functional_logits, "correct", (), id="c-functional-logits"),
    pytest.param(design_one_hot_any_size, "correct", (), id="c-one-hot-input-none"),
    pytest.param(design_over_budget, "incorrect", ("3,000", "3000", "budget"),
                 id="w-over-budget"),
    pytest.param(design_old_8x8, "incorrect", ("12", "shape"), id="w-copied-8x8-model"),
    pytest.param(design_never_trained, "incorrect", (), id="w-never-trained"),
])
def test_q8_design(shifted, design, expected, says):
    q8 = design_exercise(SEED)  # as the lab's cell: q8 = design_exercise(seed)
    X_train, X_val, y_train, y_val = shifted
    assert_graded(q8, design(X_train, y_train), expected, says)
