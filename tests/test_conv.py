"""dlbook.nn.conv: padding arithmetic, conv2d and pooling against Keras layers."""

import itertools

import keras
import numpy as np
import pytest

from dlbook import nn

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n, f, s, p, out", [
    (8, 3, 1, "valid", 6), (8, 3, 1, 1, 8), (16, 3, 1, 2, 18), (32, 3, 1, "same", 32),
    (227, 11, 4, "valid", 55), (7, 3, 2, "same", 4), (28, 5, 1, "valid", 24),
])
def test_output_size_formula(n, f, s, p, out):
    assert nn.conv_output_size(n, f, s, p) == out


def test_output_size_of_224_with_alexnet_stride_is_not_a_whole_step():
    # (224 - 11) / 4 + 1 = 54.25: the floor hides the half-used window
    assert (224 - 11) / 4 + 1 != nn.conv_output_size(224, 11, 4)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True])
def test_bad_sizes_are_reported(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        nn.conv_output_size(bad, 3)


def test_bad_padding_and_too_big_a_window():
    with pytest.raises(ValueError, match="padding must be"):
        nn.conv_output_size(8, 3, 1, "full")
    with pytest.raises(ValueError, match="does not fit"):
        nn.conv_output_size(2, 3)


def test_a_2d_kernel_is_cross_correlation_not_flipped():
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 0.0], [0.0, 0.0]])  # picks the top-left pixel of each window
    np.testing.assert_array_equal(nn.conv2d(x, k), x[:3, :3])


@pytest.mark.parametrize("stride, padding", itertools.product([1, 2], ["valid", "same"]))
def test_conv2d_matches_keras(stride, padding):
    x = RNG.normal(size=(1, 7, 6, 3))
    k = RNG.normal(size=(3, 3, 3, 4))
    b = RNG.normal(size=4)
    layer = keras.layers.Conv2D(4, 3, strides=stride, padding=padding)
    layer.build(x.shape)
    layer.set_weights([k, b])
    expected = keras.ops.convert_to_numpy(layer(x.astype("float32")))[0]
    np.testing.assert_allclose(nn.conv2d(x[0], k, stride, padding, b), expected, atol=1e-4)


@pytest.mark.parametrize("mode, layer", [("max", keras.layers.MaxPooling2D),
                                         ("average", keras.layers.AveragePooling2D)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_matches_keras(mode, layer, padding):
    x = RNG.normal(size=(1, 5, 7, 2))
    expected = keras.ops.convert_to_numpy(layer(2, padding=padding)(x.astype("float32")))[0]
    np.testing.assert_allclose(nn.pool2d(x[0], 2, padding=padding, mode=mode), expected, atol=1e-5)


def test_conv2d_reports_mismatched_channels():
    with pytest.raises(ValueError, match="expects 2 channels"):
        nn.conv2d(np.zeros((4, 4, 3)), np.zeros((3, 3, 2, 1)))


@pytest.mark.parametrize("mode", ["full", "valid"])
@pytest.mark.parametrize("nx, nh", [(7, 3), (3, 7), (5, 5), (1, 4), (6, 1)])
def test_conv1d_is_np_convolve(mode, nx, nh):
    x, h = RNG.normal(size=nx), RNG.normal(size=nh)
    np.testing.assert_allclose(nn.conv1d(x, h, mode), np.convolve(x, h, mode), atol=1e-12)


def test_conv1d_flips_the_kernel_where_conv1d_layers_do_not():
    x, h = np.arange(1.0, 6.0), np.array([1.0, 0.0, -1.0])
    np.testing.assert_array_equal(nn.conv1d(x, h, "valid"), [2.0, 2.0, 2.0])
    layer = keras.layers.Conv1D(1, 3, use_bias=False)
    layer.build((1, 5, 1))
    layer.set_weights([h.reshape(3, 1, 1)])
    keras_out = keras.ops.convert_to_numpy(layer(x.reshape(1, 5, 1).astype("float32")))
    np.testing.assert_allclose(keras_out.ravel(), [-2.0, -2.0, -2.0])  # no flip
    np.testing.assert_allclose(nn.conv1d(x, h[::-1], "valid"), keras_out.ravel())


def test_conv1d_of_unit_steps_is_a_ramp():
    np.testing.assert_array_equal(nn.conv1d(np.ones(10), np.ones(10))[:10], np.arange(1, 11))


@pytest.mark.parametrize("args, message", [
    (([1.0, 2.0], [1.0], "same"), "mode must be"),
    (([[1.0, 2.0]], [1.0]), "1-D signals"),
    (([], [1.0]), "1-D signals"),
])
def test_conv1d_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        nn.conv1d(*args)
