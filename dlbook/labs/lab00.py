"""Exercises of Lab 0, getting started (``solutions/00_getting_started.ipynb``).

Two claims of the lecture notes, checked by the student:

* the three-input neuron of the VESIT notes (x = 0.8, 0.6, 0.4;
  w = 0.1, 0.3, -0.2; b = 0.35): net input, binary and bipolar sigmoid
  (the notes print 0.625 for the binary sigmoid: an erratum);
* (q4, written) why the notes' 0.625 cannot be right;
* the padding question of the Q&A notes (16x16 input, 3x3 filter, stride 1,
  padding 2: the notes say 21x21, the right size is 18x18).

Use: ``from dlbook.labs.lab00 import q1, q2, q3, q4, q5, q6``.
"""

from __future__ import annotations

import math

import numpy as np

from dlbook import notes
from dlbook.exercises import Case, FunctionExercise, ModelExercise, Right, ValueExercise, Wrong
from dlbook.exercises import WrittenExercise, variant

NOTEBOOK = "00_getting_started.ipynb"

# The neuron of the VESIT notes.
X = (0.8, 0.6, 0.4)
W = (0.1, 0.3, -0.2)
B = 0.35

NET_INPUT = sum(x * w for x, w in zip(X, W)) + B
BINARY = 1 / (1 + math.exp(-NET_INPUT))
BIPOLAR = 2 / (1 + math.exp(-NET_INPUT)) - 1
NOTES_BINARY = notes.claim("vesit.neuron.binary-sigmoid").notes_value  # 0.625, an erratum

# ---- q1-q3: the neuron -------------------------------------------------------

q1 = ValueExercise(
    "q1", "Net input of the neuron",
    points=1,
    expected=NET_INPUT, atol=1e-4,
    prompt="Compute the net input y_in = b + x1*w1 + x2*w2 + x3*w3.",
    hints=[
        "The net input is the weighted sum of the inputs plus the bias.",
        "With numpy: b + np.dot(x, w), where x and w are arrays of three numbers.",
    ],
    solution="y_in = b + np.dot(x, w)",
    mistakes=[
        (NET_INPUT - B, "you computed the weighted sum x . w but left out the bias b."),
        (NET_INPUT - 2 * X[2] * W[2],
         "the third weight is negative (-0.2): check the sign of x3 * w3."),
    ],
    wrong_answers=[
        Wrong(1.0, "not the expected value"),
    ],
    right_answers=[
        Right(np.array([NET_INPUT]), "a one-element array is a number"),
        Right(np.float32(NET_INPUT), "float32 rounding is within the tolerance"),
    ],
    solution_context=lambda: {"np": np, "x": np.array(X), "w": np.array(W), "b": B},
)

q2 = ValueExercise(
    "q2", "Binary sigmoid output",
    points=1,
    expected=BINARY, atol=1e-4,
    prompt="Compute the binary sigmoid output 1 / (1 + exp(-y_in)).",
    hints=[
        "The binary (logistic) sigmoid squashes y_in into (0, 1): f(y) = 1 / (1 + e^(-y)).",
        "In numpy: 1 / (1 + np.exp(-y_in)). Mind the minus sign.",
    ],
    solution="y_binary = 1 / (1 + np.exp(-y_in))",
    mistakes=[
        (NOTES_BINARY, "0.625 is the value the VESIT notes print, and it is a slip: "
                       "compute 1 / (1 + exp(-y_in)) yourself instead of copying it."),
        (1 / (1 + math.exp(NET_INPUT)),
         "you computed 1 / (1 + exp(+y_in)): the sigmoid uses exp(-y_in)."),
        (1 / (1 + math.exp(-(NET_INPUT - B))),
         "your value is the sigmoid of x . w without the bias: use y_in, which includes b."),
        (NET_INPUT, "that is the net input itself: apply the sigmoid to it."),
    ],
    right_answers=[
        Right(1 / (1 + math.exp(-round(NET_INPUT, 4))), "from y_in rounded to 4 decimals"),
        Right(math.exp(NET_INPUT) / (math.exp(NET_INPUT) + 1), "e^y / (e^y + 1), the same "
                                                               "function"),
    ],
    solution_context=lambda: {"np": np, "y_in": NET_INPUT},
)

q3 = ValueExercise(
    "q3", "Bipolar sigmoid output",
    points=1,
    expected=BIPOLAR, atol=1e-4,
    prompt="Compute the bipolar sigmoid output 2 / (1 + exp(-y_in)) - 1.",
    hints=[
        "The bipolar sigmoid maps y_in into (-1, 1): f(y) = 2 / (1 + e^(-y)) - 1.",
        "It is 2 * (binary sigmoid) - 1, so you can reuse your answer to q2.",
    ],
    solution="y_bipolar = 2 / (1 + np.exp(-y_in)) - 1",
    mistakes=[
        (2 * NOTES_BINARY - 1, "you used the notes' 0.625 for the binary sigmoid: "
                               "2 x 0.625 - 1 = 0.25. Use the value you computed."),
        (math.tanh(NET_INPUT), "that is tanh(y_in); the bipolar sigmoid equals "
                               "tanh(y_in / 2), that is 2 / (1 + exp(-y_in)) - 1."),
        (-BIPOLAR, "the sign is flipped: use exp(-y_in), not exp(+y_in)."),
        (BINARY, "that is the binary sigmoid (q2); the bipolar one is 2 * that - 1."),
    ],
    right_answers=[
        Right(2 * BINARY - 1, "2 * (binary sigmoid) - 1, from the answer to q2"),
        Right(math.tanh(NET_INPUT / 2), "tanh(y_in / 2) is the same function"),
    ],
    solution_context=lambda: {"np": np, "y_in": NET_INPUT},
)

# ---- q4: a written answer -------------------------------------------------------

q4 = WrittenExercise(
    "q4", "Why the notes' binary sigmoid value cannot be right",
    points=2,
    prompt="In one or two sentences: how does the notes' own bipolar answer show "
           "that their binary sigmoid value is a slip?",
    model_answer=(
        "The bipolar sigmoid is 2 x (binary sigmoid) - 1. With the notes' binary value, "
        f"2 x {NOTES_BINARY} - 1 = {2 * NOTES_BINARY - 1:.3f}, but the notes print "
        f"{BIPOLAR:.3f} for the bipolar output, which is what the correct binary value "
        f"{BINARY:.4f} gives: 2 x {BINARY:.4f} - 1 = {2 * BINARY - 1:.3f}."
    ),
    key_points=["bipolar = 2 x binary - 1", "the two printed values disagree"],
    hints=["Write the bipolar sigmoid in terms of the binary one, then plug in 0.625."],
)

# ---- q5: output size of a convolution -------------------------------------------


def conv_output_size(n, f, p, s):
    """Output size of a convolution: input n, filter f, padding p, stride s."""
    return (n - f + 2 * p) // s + 1


def _draw_size(rng):
    """A hidden case of q5 (graded copies): sizes that fit, strides of 1 to 4."""
    n, f, p, s = (int(rng.integers(4, 64)), int(rng.integers(1, 8)), int(rng.integers(0, 4)),
                  int(rng.integers(1, 5)))
    return (n, f, p, s) if n + 2 * p >= f else None


q5 = FunctionExercise(
    "q5", "Output size of a convolution",
    points=2,
    reference=conv_output_size, draw=_draw_size,
    prompt="Write conv_output_size(n, f, p, s) = floor((n - f + 2p) / s) + 1.",
    cases=[
        Case((16, 3, 2, 1), 18, mistakes=[
            (21, "{call} returned 21, the answer printed in the Q&A notes, which is "
                 "wrong: (16 - 3 + 2*2) / 1 + 1 is 18."),
            (22, "{call} returned 22: you counted the padding twice, once in the padded "
                 "width n + 2p and again in the formula. Use the original n."),
            (17, "{call} returned 17: you forgot the + 1 (a filter of size f fits "
                 "n - f + 1 times in n pixels)."),
            (16, "{call} returned 16: padding p adds p pixels on EACH side, so use 2 * p."),
            (14, "{call} returned 14: you left out the padding (2 * p)."),
        ]),
        Case((28, 5, 0, 1), 24, message="{call} should be 24 (a 5x5 filter on a 28x28 "
                                        "image, no padding); you returned {got}."),
        Case((32, 3, 1, 1), 32, message="{call} should be 32: padding 1 keeps a 3x3 "
                                        "convolution's output the size of its input; "
                                        "you returned {got}."),
        Case((16, 3, 0, 2), 7, message="{call} should be 7; you returned {got}. With "
                                       "stride 2 the last step does not fit: round down "
                                       "with floor division, (n - f + 2*p) // s + 1."),
        Case((7, 3, 1, 2), 4, message="{call} should be 4; you returned {got}: "
                                      "divide only (n - f + 2*p) by s, then add 1."),
    ],
    hints=[
        "Padding adds p pixels on both sides: the padded input has n + 2p pixels. "
        "A filter of size f fits n + 2p - f + 1 times with stride 1.",
        "With stride s, only every s-th position is kept: (n - f + 2*p) // s + 1. "
        "The // (floor division) drops a last step that does not fit.",
    ],
    wrong_answers=[
        Wrong(lambda n, f, p, s: (n + 2 * p - f + 2 * p) // s + 1, "counted the padding twice"),
        Wrong(lambda n, f, p, s: (n - f + 2 * p) / s + 1, "floor division"),
        Wrong(lambda n, f, p, s: (n - f + p) // s + 1, "EACH side"),
        Wrong(lambda n, f, p, s: (n - f + 2 * p) // s, "forgot the + 1"),
        Wrong(lambda n, f, p, s: (n - f + 2 * p + 1) // s, "divide only"),
    ],
    right_answers=[
        Right(lambda n, f, p, s: math.floor((n - f + 2 * p) / s) + 1,
              "true division, then math.floor"),
        Right(lambda n, f, p, s: (n + 2 * p - f) // s + 1, "the padded width n + 2p first"),
    ],
)

# ---- q6: the same with Keras ----------------------------------------------------------


def padded_conv_model():
    """16x16 one-channel input, zero padding 2, one 3x3 filter, stride 1."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(16, 16, 1)),
        layers.ZeroPadding2D(2),
        layers.Conv2D(1, 3),
    ])


def padded_conv_functional():
    """The same model with the functional API and the sizes written as pairs."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(16, 16, 1))
    padded = layers.ZeroPadding2D(padding=(2, 2))(inputs)
    outputs = layers.Conv2D(filters=1, kernel_size=(3, 3), strides=(1, 1))(padded)
    return keras.Model(inputs, outputs)


q6 = ModelExercise(
    "q6", "Check the padding with Keras",
    points=2,
    reference=padded_conv_model,
    prompt="Build a keras.Sequential model: Input of shape (16, 16, 1), "
           "ZeroPadding2D(2), Conv2D with 1 filter of size 3.",
    hints=[
        "Two layers after keras.Input: one that pads, then one that convolves.",
        "layers.ZeroPadding2D takes the number of zeros added on each side; "
        "layers.Conv2D takes the number of filters, then the filter size.",
    ],
    wrong_answers=[
        Wrong(variant(padded_conv_model, drop=1), "has 1 layer"),
        Wrong(variant(padded_conv_model, 1, padding=((1, 1), (1, 1))), "padding"),
        Wrong(variant(padded_conv_model, 2, filters=8), "8 filters"),
        Wrong(variant(padded_conv_model, 2, kernel_size=(5, 5)), "kernel size"),
    ],
    right_answers=[
        Right(padded_conv_functional, "the functional API, sizes as pairs"),
    ],
)

EXERCISES = [q1, q2, q3, q4, q5, q6]
