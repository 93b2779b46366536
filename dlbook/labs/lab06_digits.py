"""Lab 6, part 2: GANs of digits (q7, a DCGAN; q8, a conditional GAN).

The notebook trains on the lab's 1,437 digits of scikit-learn (8 x 8 pixels in [0, 1],
:func:`load_digit_images`, the split of Lab 5); the other 360 are the checker's. The
checker fits its own digits classifier (a logistic regression of scikit-learn,
deterministic, so the same on every Keras backend) on those 360 digits, which no
function the notebook calls returns, and scores the student's generator on latent
noise it draws itself:

* q7: the classifier's mean confidence (its largest class probability, averaged over
  the samples) and the class coverage (classes that at least ``COVER_SHARE`` of the
  samples fall in);
* q8: for each class it asks the conditional generator for ``PER_CLASS`` digits of
  that class, each with its own noise, and measures how many the classifier reads as
  the class requested.

The targets and what the references and baselines reach are in ``lab06.MARGINS``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from dlbook.datasets import digits_lab_and_held_out
from dlbook.exercises import Incorrect, Right, Wrong
from dlbook.exercises.compare import type_name
from dlbook.exercises.core import describe_exception

#: The side of the lab's digits (8 in quick mode; the full configuration adds MNIST's 28).
SIDE = 8
#: How many samples q7's checker draws, and the seed of its noise.
Q7_SAMPLES, Q7_SEED = 1000, 60_701
#: q8: digits requested per class, and the seed of the checker's noise.
PER_CLASS, Q8_SEED = 100, 60_801
#: A class is covered when at least this share of q7's samples is read as it.
COVER_SHARE = 0.04
#: q7's targets: the classifier's mean confidence and the classes covered (MARGINS).
DCGAN_CONFIDENCE, DCGAN_CLASSES = 0.4, 6
#: q8: the least mean pixel standard deviation among the digits requested of one class
#: (a generator that ignores its noise gives 0).
MIN_SPREAD = 0.01
#: q8's target: the share of requested digits read as the class requested (MARGINS).
CGAN_ACCURACY = 0.6


def load_digit_images():
    """The lab's digits as images: ``X`` of shape (1437, 8, 8, 1), pixels in [0, 1]
    (float32), and their labels ``y`` (1437,). The checker holds the other 360."""
    (X, y), _ = digits_lab_and_held_out()
    return X.reshape(-1, SIDE, SIDE, 1).astype("float32"), np.asarray(y)


@functools.lru_cache(maxsize=1)
def digits_classifier():
    """The checker's classifier: a logistic regression of scikit-learn fitted on the 360
    held-out digits (rows of 64 pixels in [0, 1])."""
    from sklearn.linear_model import LogisticRegression

    _, (X_held, y_held) = digits_lab_and_held_out()
    return LogisticRegression(max_iter=5000).fit(X_held, y_held)


def _pixels(images, n: int) -> np.ndarray:
    """Generated images as rows of 64 pixels, or Incorrect with what is wrong with them."""
    try:
        x = np.asarray(images, dtype=float)
    except (TypeError, ValueError):
        raise Incorrect(f"the generator should return images, not {type_name(images)}.") from None
    if x.shape[0] != n or x.size != n * SIDE * SIDE:
        raise Incorrect(f"the generator should give one {SIDE} x {SIDE} image per noise vector "
                        f"(shape (n, {SIDE}, {SIDE}, 1) or (n, {SIDE * SIDE})); on {n} noise "
                        f"vectors it gave shape {x.shape}.")
    x = x.reshape(n, SIDE * SIDE)
    if not np.isfinite(x).all():
        raise Incorrect("the generator's pixels are not all finite numbers: training diverged.")
    if x.min() < -0.01 or x.max() > 1.01:
        tanh = " (a tanh gives [-1, 1]: use a sigmoid, or rescale with (x + 1) / 2)" \
            if x.min() >= -1.01 and x.max() <= 1.01 else ""
        raise Incorrect(f"the generator's pixels should lie in [0, 1], as the digits' do; "
                        f"they run from {x.min():.2f} to {x.max():.2f}{tanh}.")
    return np.clip(x, 0.0, 1.0)


def _is_model(m) -> bool:
    import keras

    return isinstance(m, keras.Model)


def _latent(model) -> int:
    try:
        shape = model.inputs[0].shape
    except Exception:  # noqa: BLE001 - a subclassed model without inputs
        shape = None
    if shape is None or shape[-1] is None or len(shape) != 2:
        raise Incorrect("the generator needs a fixed noise input: start it with "
                        "keras.Input(shape=(latent_dim,)).")
    return int(shape[-1])


def _run(model, inputs) -> np.ndarray:
    import keras

    try:
        return keras.ops.convert_to_numpy(model(inputs, training=False))
    except Exception as exc:  # noqa: BLE001 - the student's model
        raise Incorrect(describe_exception(exc, "Running your generator")) from None


#: A sample within this root-mean-square pixel distance of a training digit is a copy of it
#: (the digits' pixels are multiples of 1/16; a generator's are not).
COPY_RMS = 0.02
#: At most this share of samples may be copies of training digits.
MAX_COPIES = 0.5


def copies_share(x: np.ndarray) -> float:
    """The share of the rows of ``x`` (64 pixels) within COPY_RMS of one of the lab's
    training digits: a generator that returns stored digits is not a GAN."""
    X, _ = load_digit_images()
    X = X.reshape(len(X), -1).astype(float)
    d2 = (x ** 2).sum(1)[:, None] - 2 * x @ X.T + (X ** 2).sum(1)[None, :]
    rms = np.sqrt(np.maximum(d2.min(axis=1), 0.0) / x.shape[1])
    return float((rms < COPY_RMS).mean())


def _no_copies(x: np.ndarray) -> None:
    share = copies_share(x)
    if share > MAX_COPIES:
        raise Incorrect(f"{share:.0%} of the samples are copies of the notebook's training "
                        "digits: a generator draws new digits from the noise; it does not look "
                        "up stored ones.")


# ---- q7: a DCGAN of digits ----------------------------------------------------------------


def dcgan_scores(generator) -> dict:
    """What q7's checker measures on its own noise: the classifier's mean confidence, the
    share of samples per class, and the classes covered."""
    if not _is_model(generator):
        raise Incorrect(f"pass the trained generator (a Keras model), not {type_name(generator)}.")
    if len(generator.inputs) != 1:
        raise Incorrect("q7's generator takes noise only (one input); the conditional one "
                        "is q8's.")
    rng = np.random.default_rng(Q7_SEED)
    z = rng.standard_normal((Q7_SAMPLES, _latent(generator))).astype("float32")
    x = _pixels(_run(generator, z), Q7_SAMPLES)
    _no_copies(x)
    p = digits_classifier().predict_proba(x)
    share = np.bincount(p.argmax(axis=1), minlength=10) / Q7_SAMPLES
    return {"confidence": float(p.max(axis=1).mean()), "share": share,
            "classes": int((share >= COVER_SHARE).sum())}


# ---- q8: a conditional GAN ------------------------------------------------------------------


def _label_input(model, labels: np.ndarray):
    """The labels in the form of the generator's second input: integers (n,) or (n, 1),
    or one-hot rows (n, 10)."""
    shape = tuple(model.inputs[1].shape)
    if len(shape) == 2 and shape[-1] == 10:
        return np.eye(10, dtype="float32")[labels]
    if len(shape) == 2:
        return labels.reshape(-1, 1).astype("int32")
    return labels.astype("int32")


def cgan_scores(generator) -> dict:
    """What q8's checker measures: for each class, ``PER_CLASS`` digits requested on its
    own noise; the share of each class read as requested, and over all classes."""
    if not _is_model(generator):
        raise Incorrect(f"pass the trained generator (a Keras model), not {type_name(generator)}.")
    if len(getattr(generator, "inputs", []) or []) != 2:
        raise Incorrect("a conditional generator takes two inputs, [noise, label]: build it "
                        "with keras.Input for each and keras.Model([z, label], image).")
    rng = np.random.default_rng(Q8_SEED)
    labels = np.repeat(np.arange(10), PER_CLASS)
    z = rng.standard_normal((len(labels), _latent(generator))).astype("float32")
    x = _pixels(_run(generator, [z, _label_input(generator, labels)]), len(labels))
    _no_copies(x)
    spread = np.mean([x[labels == c].std(axis=0).mean() for c in range(10)])
    if spread < MIN_SPREAD:
        raise Incorrect("every request of a class gets (nearly) the same image, whatever the "
                        "noise: a conditional GAN draws varied digits of the class, the noise "
                        "choosing the style.")
    pred = digits_classifier().predict(x)
    per_class = np.array([(pred[labels == c] == c).mean() for c in range(10)])
    return {"accuracy": float((pred == labels).mean()), "per_class": per_class}


# ---- the exercises --------------------------------------------------------------------------

Q7_SOLUTION = """\
latent_dim = 16
generator = keras.Sequential([
    keras.Input(shape=(latent_dim,)),
    layers.Dense(4 * 4 * 32),
    layers.BatchNormalization(),
    layers.ReLU(),
    layers.Reshape((4, 4, 32)),
    # a transposed convolution doubles the side: 4 x 4 -> 8 x 8
    layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
])
discriminator = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(32, 3, strides=2, padding="same"),
    layers.LeakyReLU(0.2),
    layers.Flatten(),
    layers.Dense(1),  # a logit
])
dcgan_history = train_gan(generator, discriminator, X_digits, 1000, batch_size=64,
                          d_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5),
                          g_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5), seed=seed)
digit_generator = generator
"""

#: The baseline that q7's confidence target shuts out: a generator without a hidden
#: layer (one dense layer from the noise to the 64 pixels), trained the same way.
Q7_DENSE = Q7_SOLUTION.replace(
    """    layers.Dense(4 * 4 * 32),
    layers.BatchNormalization(),
    layers.ReLU(),
    layers.Reshape((4, 4, 32)),
    # a transposed convolution doubles the side: 4 x 4 -> 8 x 8
    layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
""", """    layers.Dense(64, activation="sigmoid"),
    layers.Reshape((8, 8, 1)),
""")
#: The baseline that q7's coverage target shuts out: the reference's networks, untrained.
Q7_UNTRAINED = Q7_SOLUTION.replace("X_digits, 1000,", "X_digits, 0,")

Q8_SOLUTION = """\
latent_dim = 16
z_in = keras.Input(shape=(latent_dim,))
label_in = keras.Input(shape=(1,), dtype="int32")
label_code = layers.Flatten()(layers.Embedding(10, 16)(label_in))
h = layers.Dense(4 * 4 * 32)(layers.Concatenate()([z_in, label_code]))
h = layers.ReLU()(layers.BatchNormalization()(h))
h = layers.Reshape((4, 4, 32))(h)
image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(h)
generator = keras.Model([z_in, label_in], image)

x_in = keras.Input(shape=(8, 8, 1))
d_label_in = keras.Input(shape=(1,), dtype="int32")
# the label as a second channel: an 8 x 8 map learned for each class
label_map = layers.Reshape((8, 8, 1))(layers.Embedding(10, 64)(d_label_in))
h = layers.Conv2D(32, 3, strides=2, padding="same")(layers.Concatenate()([x_in, label_map]))
h = layers.Flatten()(layers.LeakyReLU(0.2)(h))
discriminator = keras.Model([x_in, d_label_in], layers.Dense(1)(h))

cgan_history = train_gan(generator, discriminator, X_digits, 1000, batch_size=64,
                         labels=y_digits.reshape(-1, 1),
                         d_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5),
                         g_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5), seed=seed)
conditional_generator = generator
"""

#: The baseline of q8: the reference trained on shuffled labels, so that a label says
#: nothing about its digit (the generator learns to ignore it).
Q8_SHUFFLED = Q8_SOLUTION.replace("labels=y_digits.reshape(-1, 1),",
                                  "labels=np.random.default_rng(seed).permutation(y_digits).reshape(-1, 1),")
