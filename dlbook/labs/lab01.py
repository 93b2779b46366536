"""Exercises of Lab 1, neural networks in Keras.

The notebook is ``solutions/01_neural_networks_lab.ipynb``:

* q1, q2: the logistic sigmoid and its derivative, in NumPy;
* q3, q4: the 2-2-1 network of the Q&A notes' "Back Propagation Solved
  Example - 1" in Keras, and the weights after one SGD step;
* q5, q6: a multilayer perceptron that learns XOR, and its four predictions;
* q7: a multilayer perceptron for the two-moons data;
* q8: a written answer, why one layer cannot learn XOR;
* q9: a multilayer perceptron for handwritten digits (``digits_exercise`` makes
  the same exercise for MNIST's 784 inputs in the full configuration).

Use: ``from dlbook.labs.lab01 import q1, q2, q3, q4, q5, q6, q7, q8, q9``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from dlbook import nn, notes
from dlbook.exercises import Case, FunctionExercise, ModelExercise, Right, ValueExercise, Wrong
from dlbook.exercises import WrittenExercise, variant

NOTEBOOK = "01_neural_networks_lab.ipynb"


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ---- q1, q2: sigmoid and its derivative --------------------------------------


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), element by element."""
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    """The derivative of the sigmoid: sigmoid(z) * (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1 - s)


ZS = np.array([-2.0, 0.0, 2.0])

q1 = FunctionExercise(
    "q1", "The sigmoid in NumPy",
    reference=sigmoid,
    prompt="Write sigmoid(z) = 1 / (1 + exp(-z)). It must work on a number and "
           "on a NumPy array.",
    cases=[
        Case((0.0,), 0.5, mistakes=[
            (2.0, "{call} returned 2.0: mind the brackets. 1 / 1 + np.exp(-z) is "
                  "1 + exp(-z); write 1 / (1 + np.exp(-z))."),
            (0.0, "{call} returned 0.0, but a sigmoid neuron with net input 0 sits "
                  "half-way: sigmoid(0) = 0.5 (0 is what tanh and ReLU give)."),
            (math.inf, "{call} returned inf: 1 - exp(-z) is 0 at z = 0. The "
                       "denominator of the sigmoid is 1 + exp(-z)."),
        ]),
        Case((2.0,), _sig(2.0), mistakes=[
            (_sig(-2.0), "{call} returned {got}, which is sigmoid(-2): you wrote "
                         "exp(z) where the sigmoid has exp(-z)."),
            (1 / (1 - math.exp(-2.0)), "{call} returned {got}: the denominator is "
                                       "1 + exp(-z), with a plus."),
        ]),
        Case((-2.0,), _sig(-2.0)),
        Case((ZS,), sigmoid(ZS), message="{call} should return the array {expected}; "
                                         "you returned {got}. Use np.exp, which works "
                                         "element by element (math.exp does not)."),
    ],
    hints=[
        "The sigmoid squashes any number z into (0, 1): sigmoid(0) = 0.5, large "
        "positive z gives nearly 1, large negative z nearly 0.",
        "return 1 / (1 + np.exp(-z)). Mind the minus sign and the brackets.",
    ],
    wrong_answers=[
        Wrong(lambda z: 1 / (1 + np.exp(z)), "exp(-z)"),
        Wrong(lambda z: 1 / 1 + np.exp(-z), "brackets"),
        Wrong(lambda z: 1 / (1 - np.exp(-z)), "1 + exp(-z)"),
        Wrong(lambda z: 1 / (1 + math.exp(-z)), "raised TypeError"),
        Wrong(np.tanh, "0 is what tanh and ReLU give"),
    ],
    right_answers=[
        Right(lambda z: 0.5 * (1 + np.tanh(z / 2)), "the same curve, written with tanh"),
        Right(lambda z: np.exp(z) / (np.exp(z) + 1), "e^z / (e^z + 1): multiply by e^z"),
    ],
    solution_context=lambda: {"np": np},
)

q2 = FunctionExercise(
    "q2", "The derivative of the sigmoid",
    reference=sigmoid_prime,
    prompt="Write sigmoid_prime(z), the derivative of the sigmoid at z. "
           "Use the identity sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)).",
    cases=[
        Case((0.0,), 0.25, mistakes=[
            (0.75, "{call} returned 0.75 = 0.5 * (1 + 0.5): the derivative is "
                   "s * (1 - s), with a minus, not s * (1 + s)."),
            (0.5, "{call} returned 0.5, which is sigmoid(0) itself, not its slope. "
                  "The derivative is s * (1 - s) with s = sigmoid(z)."),
            (0.0, "{call} returned 0.0 = 0 * (1 - 0): you applied z * (1 - z) to z "
                  "itself. First compute s = sigmoid(z), then s * (1 - s)."),
        ]),
        Case((2.0,), _sig(2.0) * (1 - _sig(2.0)), mistakes=[
            (_sig(2.0) * (1 + _sig(2.0)), "{call} returned {got}: that is s * (1 + s). "
                                          "The derivative is s * (1 - s)."),
            (-2.0, "{call} returned -2.0 = 2 * (1 - 2): you applied z * (1 - z) to z. "
                   "Use s = sigmoid(z) in the formula."),
            (_sig(2.0) ** 2, "{call} returned {got} = s**2. The derivative is "
                             "s * (1 - s), not s * s."),
        ]),
        Case((-2.0,), _sig(-2.0) * (1 - _sig(-2.0))),
        Case((ZS,), sigmoid_prime(ZS), message="{call} should return the array "
                                               "{expected}; you returned {got}."),
    ],
    hints=[
        "The sigmoid has a neat derivative: sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)). "
        "Its largest value is 0.25, at z = 0.",
        "s = sigmoid(z); return s * (1 - s)   (you may call your sigmoid from q1).",
    ],
    wrong_answers=[
        Wrong(lambda z: sigmoid(z) * (1 + sigmoid(z)), "not s * (1 + s)"),
        Wrong(lambda z: z * (1 - z), "applied z * (1 - z)"),
        Wrong(sigmoid, "sigmoid(0) itself"),
        Wrong(lambda z: sigmoid(z) ** 2, "s**2"),
    ],
    right_answers=[
        Right(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "the quotient rule, not simplified"),
        Right(lambda z: sigmoid(z) - sigmoid(z) ** 2, "s - s**2, multiplied out"),
    ],
    solution_context=lambda: {"np": np, "sigmoid": sigmoid},
)

# ---- q3, q4: the 2-2-1 network of the Q&A notes ------------------------------

# Inputs, target and starting weights of the worked example. W[i, j] is the
# weight from unit i to unit j, laid out like the kernel of a Keras Dense layer:
# rows are the inputs of the layer, columns its units.
BP_X = np.array([0.35, 0.9])
BP_T = 0.5
BP_W1 = np.array([[0.1, 0.4],    # from x1: w13, w14
                  [0.8, 0.6]])   # from x2: w23, w24
BP_W2 = np.array([[0.3],         # from unit 3: w35
                  [0.9]])        # from unit 4: w45
BP_LR = 1.0
TABLE_NAMES = ("w13", "w23", "w14", "w24", "w35", "w45")
# The notes' table of the weights after one step (4 decimals), from the registry.
NOTES_NEW_WEIGHTS = tuple(notes.claim(f"qa.backprop.{n}-new").notes_value
                          for n in TABLE_NAMES)


def table_order(W1, W2):
    """The six weights in the order of the notes' table: w13 w23 w14 w24 w35 w45."""
    W1, W2 = np.asarray(W1), np.asarray(W2)
    return np.array([W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1], W2[0, 0], W2[1, 0]])


def _after_step(W1=BP_W1, W2=BP_W2, lr=BP_LR):
    new_W1, new_W2, _, _ = nn.sgd_step(BP_X, BP_T, W1, W2, lr=lr)
    return table_order(new_W1, new_W2)


NEW_WEIGHTS = _after_step()


def backprop_network():
    """2 inputs, 2 sigmoid hidden units, 1 sigmoid output, no biases."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(2, activation="sigmoid", use_bias=False),
        layers.Dense(1, activation="sigmoid", use_bias=False),
    ])


def backprop_network_functional():
    """The same network with the functional API and Activation layers."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(2,))
    hidden = layers.Activation("sigmoid")(layers.Dense(2, use_bias=False)(inputs))
    output = layers.Dense(1, use_bias=False)(hidden)
    return keras.Model(inputs, layers.Activation(keras.activations.sigmoid)(output))


q3 = ModelExercise(
    "q3", "The 2-2-1 network of the Q&A notes",
    reference=backprop_network,
    prompt="Build the network of the worked example: 2 inputs, a Dense layer of 2 "
           "sigmoid units and a Dense layer of 1 sigmoid unit, both without biases.",
    hints=[
        "keras.Sequential with keras.Input(shape=(2,)) and two layers.Dense. The "
        "notes' network has no biases: Dense adds one unless you pass use_bias=False.",
        "Each Dense layer takes its number of units first, then activation=\"sigmoid\" "
        "and use_bias=False.",
    ],
    wrong_answers=[
        Wrong(variant(backprop_network, use_bias=True),
              "use_bias True; the exercise asks for False"),
        Wrong(variant(backprop_network, 1, activation="relu"),
              "activation 'relu'; the exercise asks for 'sigmoid'"),
        Wrong(variant(backprop_network, 1, units=3),
              "Dense layer 1 has 3 units; the exercise asks for 2"),
        Wrong(variant(backprop_network, drop=1), "has 1 layer"),
    ],
    right_answers=[
        Right(backprop_network_functional, "functional API; Activation layers fold into "
                                           "the Dense layer before them"),
    ],
)


def half_squared_error(y_true, y_pred):
    """The notes' loss, 1/2 (t - y)^2, averaged over the outputs (as in the lab)."""
    import keras

    return 0.5 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def one_step_context() -> dict:
    """What the lab has defined when q4 is asked: the q3 model with the notes' weights."""
    import keras

    model = backprop_network()
    model.set_weights([BP_W1, BP_W2])
    return {"keras": keras, "model": model, "lr": BP_LR, "X": BP_X[None, :],
            "y": np.array([[BP_T]]), "half_squared_error": half_squared_error,
            "table_order": table_order}


q4 = ValueExercise(
    "q4", "The weights after one SGD step",
    expected=NEW_WEIGHTS, atol=1e-5,
    correct_message="one SGD step in Keras gives the six weights that backpropagation "
                    "by hand gives (to 5 decimals).",
    prompt="Load the notes' weights, take one SGD step with lr = 1 and the loss "
           "1/2 (t - y)^2, and give the six new weights in the order of the notes' "
           "table: w13, w23, w14, w24, w35, w45.",
    hints=[
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), "
        "loss=half_squared_error); mind that SGD's default learning rate is 0.01. "
        "Then model.train_on_batch(X, y) takes exactly one step.",
        "W1_new, W2_new = model.get_weights() gives the kernels (rows: inputs, "
        "columns: units); new_weights = table_order(W1_new, W2_new) puts them in the "
        "table's order, the same as np.array([W1_new[0, 0], W1_new[1, 0], "
        "W1_new[0, 1], W1_new[1, 1], W2_new[0, 0], W2_new[1, 0]]).",
    ],
    solution=(
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),\n"
        "              loss=half_squared_error)\n"
        "model.train_on_batch(X, y)\n"
        "W1_new, W2_new = model.get_weights()\n"
        "new_weights = table_order(W1_new, W2_new)"
    ),
    mistakes=[
        (NOTES_NEW_WEIGHTS,
         "these are the rounded values of the notes' table. Take them from your Keras "
         "model instead: the notes round as they go, so their w35 and w45 are off in the "
         f"4th decimal ({NOTES_NEW_WEIGHTS[4]:.4f} and {NOTES_NEW_WEIGHTS[5]:.4f}; full "
         f"precision gives {NEW_WEIGHTS[4]:.4f} and {NEW_WEIGHTS[5]:.4f})."),
        (table_order(BP_W1, BP_W2),
         "these are the starting weights: run one training step "
         "(model.train_on_batch(X, y)) before reading model.get_weights()."),
        (_after_step(lr=2.0),
         "every weight moved twice as far as it should. Keras's MeanSquaredError is "
         "(t - y)^2 without the 1/2, so its gradient is twice the notes' one: use the "
         "half squared error as the loss (or learning_rate=0.5)."),
        (_after_step(lr=0.01),
         "the weights hardly moved: keras.optimizers.SGD() defaults to learning_rate=0.01, "
         "and the notes use 1."),
        (_after_step(W1=BP_W1.T),
         "the hidden layer started from the wrong weights: you loaded W1 transposed. The "
         "kernel's rows are the inputs (x1, x2) and its columns the units (3, 4), so "
         "W1 = [[w13, w14], [w23, w24]]."),
        (np.concatenate([_after_step()[[0, 2, 1, 3]], _after_step()[4:]]),
         "the numbers are right but in Keras's order (W1 row by row: w13, w14, w23, w24). "
         "The exercise asks for the notes' order: w13, w23, w14, w24, w35, w45."),
    ],
    right_answers=[
        Right(NEW_WEIGHTS.tolist(), "a list of the six numbers"),
        Right(NEW_WEIGHTS.reshape(6, 1).astype("float32"), "a float32 column of six"),
    ],
    solution_context=one_step_context,
)

# ---- q5, q6: XOR -------------------------------------------------------------

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
XOR_Y = np.array([0, 1, 1, 0])


def xor_network():
    """2 inputs, 4 tanh hidden units, 1 sigmoid output."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(4, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ])


def xor_network_functional():
    """The XOR network with the functional API and activation functions, not names."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(2,))
    hidden = layers.Dense(4, activation=keras.activations.tanh)(inputs)
    return keras.Model(inputs, layers.Dense(1, activation=keras.activations.sigmoid)(hidden))


def xor_context() -> dict:
    """A trained XOR network (weights set by hand, no training) and the four inputs."""
    model, k = xor_network(), 10.0
    # hidden unit 1 is OR, unit 2 is AND (tanh: -1 or +1); the output is OR and not AND
    W1 = np.zeros((2, 4))
    W1[:, :2] = k
    b1 = np.array([-0.5 * k, -1.5 * k, 0.0, 0.0])
    W2 = np.array([[k], [-k], [0.0], [0.0]])
    model.set_weights([W1, b1, W2, np.array([-k])])
    return {"model": model, "X": XOR_X}


q5 = ModelExercise(
    "q5", "A multilayer perceptron for XOR",
    reference=xor_network,
    prompt="Build an MLP for XOR: 2 inputs, a hidden Dense layer of 4 tanh units, "
           "an output Dense layer of 1 sigmoid unit (with biases).",
    hints=[
        "One hidden layer is enough for XOR, but it must be there: a single Dense layer "
        "draws one straight line, and XOR needs two.",
        "The hidden layer: 4 units, activation=\"tanh\". The output layer: 1 unit, "
        "activation=\"sigmoid\". Dense keeps its biases by default.",
    ],
    wrong_answers=[
        Wrong(variant(xor_network, drop=1), "has 1 layer"),
        Wrong(variant(xor_network, 2, units=2, activation="softmax"),
              "Dense layer 2 has 2 units; the exercise asks for 1"),
        Wrong(variant(xor_network, 1, activation="linear"),
              "activation 'linear'; the exercise asks for 'tanh'"),
        Wrong(variant(xor_network, 1, use_bias=False), "use_bias False"),
    ],
    right_answers=[
        Right(xor_network_functional, "the functional API; an activation function is its name"),
    ],
)

q6 = ValueExercise(
    "q6", "XOR: all four points right",
    expected=XOR_Y, atol=0.0,
    prompt="Predict the class (0 or 1) of each of the four XOR inputs with the trained "
           "model: an array of four integers.",
    hints=[
        "model.predict(X, verbose=0) gives probabilities of shape (4, 1). A point is "
        "class 1 when its probability is above 0.5.",
        "Compare the probabilities with 0.5, turn the booleans into integers with "
        ".astype(int), and flatten with .ravel().",
    ],
    solution="xor_pred = (model.predict(X, verbose=0) > 0.5).astype(int).ravel()",
    mistakes=[
        (np.zeros(4), "your network says 0 for all four points: it has not learned XOR. "
                      "Check that it has a hidden layer and that it trained."),
        (np.ones(4), "your network says 1 for all four points: it has not learned XOR. "
                     "Check that it has a hidden layer and that it trained."),
        (np.array([0, 1, 1, 1]), "your network computes OR (it gets (1, 1) wrong): "
                                 "train for more epochs."),
        (np.array([1, 0, 0, 1]), "your predictions are XNOR, the opposite of XOR: "
                                 "class 1 is a probability ABOVE 0.5."),
    ],
    wrong_answers=[
        Wrong(XOR_Y[:3], "shape (3,)"),
    ],
    right_answers=[
        Right(XOR_Y.reshape(4, 1), "predict's (4, 1) shape, not flattened"),
        Right([0, 1, 1, 0], "a list"),
    ],
    solution_context=xor_context,
)

# ---- q7: two moons -----------------------------------------------------------


def moons_network():
    """An MLP for two classes in the plane: 2 -> 16 relu -> 16 relu -> 1 sigmoid."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])


def moons_network_with_activation_layers():
    """The moons MLP with each activation as a layer of its own."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(16), layers.ReLU(),
        layers.Dense(16), layers.Activation("relu"),
        layers.Dense(1), layers.Activation("sigmoid"),
    ])


q7 = ModelExercise(
    "q7", "A multilayer perceptron for two moons",
    reference=moons_network,
    answer_name="mlp",
    prompt="Build an MLP for the moons: 2 inputs, two hidden Dense layers of 16 relu "
           "units, a Dense output of 1 sigmoid unit.",
    hints=[
        "It is the logistic-regression model with two hidden layers put in front of its "
        "output layer.",
        "Copy the logistic model and insert two layers.Dense(16, ...) with the relu "
        "activation before its output layer.",
    ],
    wrong_answers=[
        Wrong(variant(moons_network, drop=(1, 2)), "has 1 layer"),
        Wrong(variant(moons_network, 2, units=8),
              "Dense layer 2 has 8 units; the exercise asks for 16"),
        Wrong(variant(moons_network, 3, units=2, activation="softmax"),
              "Dense layer 3 has 2 units; the exercise asks for 1"),
        Wrong(variant(moons_network, activation="linear"),
              "activation 'linear'; the exercise asks for 'relu'"),
    ],
    right_answers=[
        Right(moons_network_with_activation_layers, "ReLU and Activation layers fold into "
                                                    "the Dense layer before them"),
    ],
)

# ---- q8: a written answer ----------------------------------------------------

q8 = WrittenExercise(
    "q8", "Why one layer cannot learn XOR",
    prompt="In two or three sentences: why can no single-layer perceptron (or "
           "logistic regression) classify all four XOR points, while the MLP of q5 can?",
    model_answer=(
        "A single layer computes one weighted sum w1*x1 + w2*x2 + b and thresholds it, so "
        "its decision boundary is one straight line. XOR's class-1 points (0, 1) and "
        "(1, 0) lie on one diagonal and its class-0 points (0, 0) and (1, 1) on the other, "
        "and no line separates them: from the four inequalities, b <= 0 and w1 + w2 + b "
        "<= 0 would need w1 + b > 0 and w2 + b > 0, whose sum w1 + w2 + 2b > 0 contradicts "
        "them. A hidden layer computes new features (for example OR and AND of the "
        "inputs) in which the classes are linearly separable, so the output unit's one "
        "line suffices there."
    ),
    key_points=[
        "one layer gives one straight decision boundary",
        "XOR is not linearly separable",
        "a hidden layer maps the inputs to features that are separable",
    ],
    hints=[
        "Draw the four points and try to separate the two classes with one straight line.",
        "Write the four inequalities w . x + b > 0 (class 1) or <= 0 (class 0) and add "
        "the two class-1 ones.",
    ],
)

# ---- q9: handwritten digits --------------------------------------------------

# The quick configuration (CPU): scikit-learn's 8x8 digits. The full one (GPU):
# MNIST's 28x28 digits, with wider hidden layers.
QUICK_FEATURES, QUICK_HIDDEN = 64, (128, 64)
FULL_FEATURES, FULL_HIDDEN = 784, (512, 256)


def digits_network(num_features=QUICK_FEATURES, hidden_units=QUICK_HIDDEN):
    """An MLP for 10 classes: two relu hidden layers, then Dense(10, softmax)."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(num_features,)),
        layers.Dense(hidden_units[0], activation="relu"),
        layers.Dense(hidden_units[1], activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def digits_network_functional(num_features=QUICK_FEATURES, hidden_units=QUICK_HIDDEN):
    """The digits MLP with the functional API and a Softmax layer."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(num_features,))
    x = layers.Dense(hidden_units[0], activation=keras.activations.relu)(inputs)
    x = layers.Dense(hidden_units[1], activation="relu")(x)
    return keras.Model(inputs, layers.Softmax()(layers.Dense(10)(x)))


def digits_exercise(num_features=QUICK_FEATURES, hidden_units=QUICK_HIDDEN):
    """Exercise q9 for data with ``num_features`` inputs and these hidden sizes.

    The lab checks the model against the data it loaded: 64 inputs and hidden
    layers (128, 64) for the 8x8 digits, 784 and (512, 256) for MNIST.
    """
    n, (h1, h2) = num_features, hidden_units
    reference = functools.partial(digits_network, n, (h1, h2))
    return ModelExercise(
        "q9", "A multilayer perceptron for handwritten digits",
        reference=reference,
        prompt=f"Build the MLP: keras.Input(shape=(num_features,)) with num_features = "
               f"{n}, Dense(hidden_units[0], relu), Dense(hidden_units[1], relu), "
               f"Dense(10, softmax), with hidden_units = {(h1, h2)}.",
        hints=[
            "Three Dense layers. The last one has one unit per class (10 digits) and a "
            "softmax, so that its outputs are probabilities that add up to 1.",
            "Write the sizes with the variables: keras.Input(shape=(num_features,)) and "
            "hidden_units[0], hidden_units[1] for the two hidden layers.",
        ],
        wrong_answers=[
            Wrong(variant(reference, 2, units=h2 // 2),
                  f"Dense layer 2 has {h2 // 2} units; the exercise asks for {h2}"),
            Wrong(variant(reference, 3, units=1, activation="sigmoid"),
                  "Dense layer 3 has 1 unit"),
            Wrong(variant(reference, 3, activation="relu"),
                  "activation 'relu'; the exercise asks for 'softmax'"),
            Wrong(variant(reference, input_shape=(n + 1,)), f"inputs of shape (None, {n + 1})"),
        ],
        right_answers=[
            Right(functools.partial(digits_network_functional, n, (h1, h2)),
                  "the functional API; a Softmax layer after Dense(10)"),
        ],
    )


q9 = digits_exercise()

EXERCISES = [q1, q2, q3, q4, q5, q6, q7, q8, q9]
