"""Lab 5 answered by an unseen student: answers written without the recorded ones.

Each exercise of labs/05_autoencoders_lab.ipynb gets correct answers in forms other than
the obvious one and plausible wrong ones (slips, gaming attempts, malformed answers).
Each test asserts the status the checker should give; for a wrong answer, also that the
message is the checker's reason, not a traceback, and says something specific.
A failing test here is a finding about the checker, not a test to adjust.

The trained answers are small (few epochs) and each is trained once, at its first use
(``functools.cache``); one model serves several exercises where the lab's story allows
(q1's autoencoder is also q3's "trained on clean digits", q4's "saw the 9s" and q8's
"over the budget").
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from tests.unseen.grading import assert_graded  # noqa: E402

pytestmark = pytest.mark.xdist_group("unseen-lab05")

keras = pytest.importorskip("keras")
layers, ops = keras.layers, keras.ops

import dlbook  # noqa: E402

from dlbook.labs.lab05 import q1, q2, q3, q4, q5, q6, q7, q8, q9  # noqa: E402  (the lab's cell 3)
from dlbook.labs.lab05 import (SP_FRACTION, load_lab_digits, noisy_training_digits,  # noqa: E402
                               salt_and_pepper)

SEED = dlbook.setup(verbose=False).seed


def cases(table):
    """Rows (id, answer, expected, says) as pytest parameters; a row that is already a
    ``pytest.param`` (one with marks of its own) is kept as it is."""
    return [pytest.param(*row[1:], id=row[0]) if type(row) is tuple else row
            for row in table]


@functools.cache
def digits():
    """What the notebook holds: X_train, X_val, y_train, y_val (cell 5)."""
    return tuple(np.asarray(a) for a in load_lab_digits())


def every_digit():
    """Every image the notebook hands out, training and validation together."""
    X_train, X_val, y_train, y_val = digits()
    return np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])


def dense_ae(code=16, hidden=64, act="relu", out="sigmoid"):
    return keras.Sequential([keras.Input(shape=(64,)), layers.Dense(hidden, activation=act),
                             layers.Dense(code), layers.Dense(hidden, activation=act),
                             layers.Dense(64, activation=out)])


def fitted(model, x, y, *, epochs, lr=1e-2, loss="mse", batch_size=32):
    # steps_per_execution: several batches per call, only to keep this file quick
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=loss,
                  steps_per_execution=16)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


# ---- q1: a dense autoencoder (MSE <= 0.011, PSNR >= 20 dB on held-out digits) --------

@functools.cache
def ae_sequential():
    # the hint's shape, trained faster: learning rate 1e-2, 15 epochs of 32
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(), X_train, X_train, epochs=15)


@functools.cache
def ae_functional_bce():
    # an encoder and a decoder as two models, nested; tanh, a code of 24, cross-entropy
    # loss; trained on every digit the notebook hands out (more data, not the checker's)
    X_all, _ = every_digit()
    keras.utils.set_random_seed(SEED)
    image = keras.Input(shape=(64,))
    code = layers.Dense(24)(layers.Dense(96, activation="tanh")(image))
    encoder = keras.Model(image, code, name="encoder")
    z = keras.Input(shape=(24,))
    decoder = keras.Model(z, layers.Dense(64, activation="sigmoid")(
        layers.Dense(96, activation="tanh")(z)), name="decoder")
    model = keras.Model(image, decoder(encoder(image)))
    return fitted(model, X_all, X_all, epochs=10, loss="binary_crossentropy")


def ae_untrained():
    keras.utils.set_random_seed(SEED)
    model = dense_ae()
    model.compile(optimizer="adam", loss="mse")  # compiled, never fitted
    return model


def ae_history():
    # q1.check(history): the cell's other name
    keras.utils.set_random_seed(SEED)
    model = dense_ae()
    model.compile(optimizer="adam", loss="mse")
    X_train = digits()[0]
    return model.fit(X_train[:64], X_train[:64], epochs=1, verbose=0)


def ae_identity():
    # gaming: no code at all, one linear layer that copies its input
    model = keras.Sequential([keras.Input(shape=(64,)),
                              layers.Dense(64, kernel_initializer="identity")])
    model.compile(optimizer="adam", loss="mse")
    return model


def ae_encoder_only():
    # passes the encoder half: 16 numbers out, not 64 pixels
    encoder = ae_functional_bce().layers[1]
    return encoder


def ae_classifier():
    # Lab 1's habit: a softmax over 10 classes, trained on the labels
    X_train, _, y_train, _ = digits()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(16, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    return fitted(model, X_train, y_train, epochs=1, loss="sparse_categorical_crossentropy")


def without_sigmoid(trained, build):
    # the same weights, the last sigmoid left off: as if trained with a linear last layer
    # and a loss with from_logits=True; the outputs are logits
    model = build()
    model.set_weights(trained.get_weights())
    return model


def ae_logits():
    return without_sigmoid(ae_sequential(), lambda: dense_ae(out=None))


@functools.cache
def ae_undertrained():
    # the right shape (a code of 16), trained too briefly: 5 epochs at the default rate
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(), X_train, X_train, epochs=5, lr=1e-3)


def ae_memoriser():
    # gaming: a lookup table of every digit the notebook hands out, as two Dense layers
    # (a softmax over -distance^2 picks the nearest stored digit)
    bank, _ = every_digit()
    bank = bank.astype("float32")
    beta = 200.0
    model = keras.Sequential([keras.Input(shape=(64,)),
                              layers.Dense(len(bank), activation="softmax"),
                              layers.Dense(64, use_bias=False)])
    model.layers[0].set_weights([2 * beta * bank.T, -beta * np.sum(bank ** 2, axis=1)])
    model.layers[1].set_weights([bank])
    return model


Q1 = [
    ("sequential-lr-1e-2", ae_sequential, "correct", ()),
    ("functional-nested-bce-all-digits", ae_functional_bce, "correct", ()),
    ("untrained", ae_untrained, "incorrect", ("train", "MSE", "PSNR")),
    ("history-not-model", ae_history, "incorrect", ("History", "model")),
    pytest.param(ae_identity, "incorrect", ("code", "bottleneck", "narrow", "encoder"),
                 id="identity-no-code"),
    ("encoder-only", ae_encoder_only, "incorrect", ("shape", "64")),
    ("classifier", ae_classifier, "incorrect", ("shape", "64", "10")),
    # logits with from_logits are a correct form (unit guide; q7 reads a decoder's logits)
    pytest.param(ae_logits, "correct", (), id="logits-out"),
    ("undertrained-code-16", ae_undertrained, "incorrect", ("train", "epoch")),
    ("memorised-handed-out-digits", ae_memoriser, "incorrect",
     ("code", "bottleneck", "narrow", "MSE", "PSNR")),
    ("none", lambda: None, "incorrect|blank", ("model",)),
    ("a-string", lambda: "autoencoder", "incorrect", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q1))
def test_q1(build, expected, says):
    assert_graded(q1, build(), expected, says)


def test_q1_names_only_the_slip_made():
    # a recorded slip's message only when the answer matches that slip (the lab rules)
    result = q1.evaluate(ae_undertrained())
    assert result.status == "incorrect", result.text
    assert "code of 2" not in result.message.lower(), result.message


# ---- q2: the PSNR of each row ----------------------------------------------------------

def psnr_twenty_log(original, reconstructed, max_value=1.0):
    # 20 log10(MAX) - 10 log10(MSE)
    d = np.asarray(original, dtype=float) - np.asarray(reconstructed, dtype=float)
    return 20 * np.log10(max_value) - 10 * np.log10(np.mean(d * d, axis=-1))


def psnr_loop(original, reconstructed, max_value=1.0):
    # one row at a time; a float for one image, a list for a batch
    o, r = np.atleast_2d(original), np.atleast_2d(reconstructed)
    out = []
    for a, b in zip(o, r):
        mse = sum((float(x) - float(y)) ** 2 for x, y in zip(a, b)) / len(a)
        out.append(10 * np.log10(max_value ** 2 / mse))
    return out[0] if np.ndim(original) == 1 else out


def psnr_keras_ops(original, reconstructed, max_value=1.0):
    o = ops.convert_to_tensor(np.asarray(original, dtype="float64"))
    r = ops.convert_to_tensor(np.asarray(reconstructed, dtype="float64"))
    mse = ops.mean(ops.square(o - r), axis=-1)
    return 10.0 * ops.log(max_value ** 2 / mse) / np.log(10.0)


def psnr_einsum(original, reconstructed, max_value=1.0):
    d = np.subtract(original, reconstructed)
    mse = np.einsum("...i,...i->...", d, d) / np.shape(d)[-1]
    return 10 * np.log(np.square(max_value) / mse) / np.log(10)


def psnr_one_element(original, reconstructed, max_value=1.0):
    # np.atleast_1d: one image gives a one-element array
    mse = np.mean((np.asarray(original) - np.asarray(reconstructed)) ** 2, axis=-1)
    return np.atleast_1d(10 * np.log10(max_value ** 2 / mse))


def _mse(original, reconstructed, axis=-1):
    return np.mean((np.asarray(original, dtype=float) - np.asarray(reconstructed)) ** 2,
                   axis=axis)


def psnr_in_place(original, reconstructed, max_value=1.0):
    original -= reconstructed  # the caller's array now holds the error
    original **= 2
    return 10 * np.log10(max_value ** 2 / original.mean(axis=-1))


def psnr_forgot_return(original, reconstructed, max_value=1.0):
    value = 10 * np.log10(max_value ** 2 / _mse(original, reconstructed))  # noqa: F841


Q2 = [
    ("twenty-log-max", psnr_twenty_log, "correct", ()),
    ("row-loop-list", psnr_loop, "correct", ()),  # a float for one image, a list for a batch
    ("keras-ops-tensor", psnr_keras_ops, "correct", ()),  # a tensor, natural log / ln 10
    ("einsum-ln", psnr_einsum, "correct", ()),
    ("one-element-array", psnr_one_element, "correct", ()),  # np.atleast_1d
    ("mse-not-psnr", lambda o, r, max_value=1.0: _mse(o, r), "incorrect", ()),
    ("max-not-squared", lambda o, r, max_value=1.0: 10 * np.log10(max_value / _mse(o, r)),
     "incorrect", ()),
    ("rmse-ten-log", lambda o, r, max_value=1.0: 10 * np.log10(max_value / np.sqrt(_mse(o, r))),
     "incorrect", ()),  # 10 log10(MAX / RMSE): half the decibels
    ("natural-log", lambda o, r, max_value=1.0: 10 * np.log(max_value ** 2 / _mse(o, r)),
     "incorrect", ()),
    ("inverted-ratio", lambda o, r, max_value=1.0: 10 * np.log10(_mse(o, r) / max_value ** 2),
     "incorrect", ()),  # the sign of the PSNR flipped
    ("max-from-data", lambda o, r, max_value=1.0:
     10 * np.log10(np.max(o, axis=-1) ** 2 / _mse(o, r)), "incorrect", ()),  # MAX = the image's peak
    ("max-ignored", lambda o, r, max_value=1.0: 10 * np.log10(1.0 / _mse(o, r)),
     "incorrect", ()),  # MAX always 1
    ("max-255", lambda o, r, max_value=1.0: 10 * np.log10(255.0 ** 2 / _mse(o, r)),
     "incorrect", ()),  # 8-bit images' MAX
    ("one-mean-for-batch", lambda o, r, max_value=1.0:
     10 * np.log10(max_value ** 2 / _mse(o, r, axis=None)), "incorrect", ()),  # all pixels of all images
    ("mean-over-axis-0", lambda o, r, max_value=1.0:
     10 * np.log10(max_value ** 2 / _mse(o, r, axis=0)), "incorrect", ()),
    ("writes-into-original", psnr_in_place, "incorrect", ("place", "chang", "modif")),
    ("forgot-return", psnr_forgot_return, "incorrect|blank", ("return", "None")),
    ("a-number", 21.3, "incorrect", ("function",)),
]


@pytest.mark.parametrize("answer,expected,says", cases(Q2))
def test_q2(answer, expected, says):
    assert_graded(q2, answer, expected, says)


# ---- q3: a denoiser for Gaussian noise (gain >= 3 dB) ----------------------------------

@functools.cache
def denoiser_functional():
    X_train = digits()[0]
    X_noisy = noisy_training_digits()
    keras.utils.set_random_seed(SEED)
    noisy = keras.Input(shape=(64,))
    h = layers.Dense(64, activation="relu")(noisy)
    h = layers.Dense(16)(h)
    h = layers.Dense(64, activation="relu")(h)
    model = keras.Model(noisy, layers.Dense(64, activation="sigmoid")(h))
    return fitted(model, X_noisy, X_train, epochs=15)


@functools.cache
def denoiser_fresh_noise_all_digits():
    # new noise at every pass (a loop of fits), on every digit the notebook hands out,
    # with a narrower network (48, 12, 48)
    X_all, _ = every_digit()
    rng = np.random.default_rng(SEED)
    keras.utils.set_random_seed(SEED)
    model = dense_ae(code=12, hidden=48)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse",
                  steps_per_execution=16)
    for _ in range(6):
        noisy = np.clip(X_all + 0.3 * rng.normal(size=X_all.shape), 0, 1).astype("float32")
        model.fit(noisy, X_all, epochs=2, batch_size=32, verbose=0)
    return model


def denoiser_swapped():
    # fit(X_train, X_train_noisy): taught to add the noise
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(), X_train, noisy_training_digits(), epochs=3)


def identity_model():
    return keras.Sequential([keras.Input(shape=(64,)), layers.Identity()])


Q3 = [
    ("functional", denoiser_functional, "correct", ()),
    pytest.param(lambda: without_sigmoid(denoiser_functional(), lambda: dense_ae(out=None)),
                 "correct", (), id="logits-out"),
    ("fresh-noise-all-digits", denoiser_fresh_noise_all_digits, "correct", ()),
    ("trained-on-clean", ae_sequential, "incorrect", ("noisy", "noise")),  # q1's autoencoder
    ("inputs-targets-swapped", denoiser_swapped, "incorrect", ("dB",)),
    ("identity", identity_model, "incorrect", ("dB", "gain")),  # returns the noisy digits
    ("untrained", ae_untrained, "incorrect", ("dB", "train")),
    ("noisy-array", lambda: noisy_training_digits(), "incorrect", ("model",)),  # the data
]


@pytest.mark.parametrize("build,expected,says", cases(Q3))
def test_q3(build, expected, says):
    assert_graded(q3, build(), expected, says)


# ---- q4: anomaly detection, 9s against 0-8 (AUC >= 0.73) -------------------------------

@functools.cache
def detector_dense():
    X_train, _, y_train, _ = digits()
    normal = X_train[y_train != 9]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(code=8), normal, normal, epochs=10)


def detector_pca():
    # the chapter's best linear autoencoder: PCA with 8 components of the digits 0-8 (of
    # every digit the notebook hands out), written into two Dense layers, no training loop
    X_all, y_all = every_digit()
    normal = X_all[y_all != 9].astype("float64")
    centre = normal.mean(axis=0)
    _, _, vt = np.linalg.svd(normal - centre, full_matrices=False)
    components = vt[:8]  # (8, 64)
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(8), layers.Dense(64)])
    model.layers[0].set_weights([components.T, -centre @ components.T])
    model.layers[1].set_weights([components, centre])
    return model


def detector_nines_only():
    # the mask the wrong way round: trained on the 9s
    X_train, _, y_train, _ = digits()
    nines = X_train[y_train == 9]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(code=8), nines, nines, epochs=20)


Q4 = [
    ("dense-code-8", detector_dense, "correct", ()),
    ("pca-closed-form", detector_pca, "correct", ()),
    # q1's autoencoder: it has seen the 9s, so it rebuilds them as well as the rest
    ("saw-the-nines", ae_sequential, "incorrect", ("AUC", "9")),
    ("trained-on-nines-only", detector_nines_only, "incorrect", ("0 to 8",)),
    ("untrained", ae_untrained, "incorrect", ("AUC", "train")),
    ("normal-array", lambda: digits()[0][digits()[2] != 9], "incorrect", ("model",)),
    ("none", lambda: None, "incorrect|blank", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q4))
def test_q4(build, expected, says):
    assert_graded(q4, build(), expected, says)


# ---- q5: the Gaussian KL with keras.ops ------------------------------------------------

def kl_sum_form(mean, log_var):
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


def kl_from_sigma(mean, log_var):
    sigma = ops.exp(0.5 * log_var)
    return -0.5 * ops.sum(1 + 2 * ops.log(sigma) - mean ** 2 - sigma ** 2, axis=-1)


def kl_coordinate_loop(mean, log_var):
    # the one-dimensional KL of each coordinate, added up in a loop
    total = 0.0
    for j in range(ops.shape(mean)[-1]):
        mu, lv = mean[..., j], log_var[..., j]
        total = total + (ops.exp(lv) + mu * mu - 1 - lv) / 2
    return total


def kl_numpy(mean, log_var):
    # NumPy, not keras.ops: fails on a Keras tensor
    mean, log_var = np.asarray(mean), np.asarray(log_var)
    return 0.5 * np.sum(np.exp(log_var) + mean ** 2 - 1 - log_var, axis=-1)


Q5 = [
    ("sum-form", kl_sum_form, "correct", ()),
    ("from-sigma", kl_from_sigma, "correct", ()),
    ("coordinate-loop", kl_coordinate_loop, "correct", ()),
    ("no-half", lambda m, lv: ops.sum(ops.exp(lv) + m ** 2 - 1 - lv, axis=-1), "incorrect", ()),
    ("log-sigma-not-log-var", lambda m, lv:
     0.5 * ops.sum(ops.exp(2 * lv) + m ** 2 - 1 - 2 * lv, axis=-1), "incorrect", ()),
    ("log-var-as-variance", lambda m, lv:
     0.5 * ops.sum(lv + m ** 2 - 1 - ops.log(lv), axis=-1), "incorrect", ()),
    ("wrong-sign", lambda m, lv: 0.5 * ops.sum(1 + lv - m ** 2 - ops.exp(lv), axis=-1),
     "incorrect", ()),
    ("no-minus-one", lambda m, lv: 0.5 * ops.sum(ops.exp(lv) + m ** 2 - lv, axis=-1),
     "incorrect", ()),
    ("mean-over-latent", lambda m, lv: 0.5 * ops.mean(ops.exp(lv) + m ** 2 - 1 - lv, axis=-1),
     "incorrect", ()),
    ("summed-over-batch", lambda m, lv: 0.5 * ops.sum(ops.exp(lv) + m ** 2 - 1 - lv),
     "incorrect", ()),  # one number for the batch
    ("no-sum", lambda m, lv: 0.5 * (ops.exp(lv) + m ** 2 - 1 - lv), "incorrect", ()),
    ("numpy-not-ops", kl_numpy, "incorrect", ("ops", "Keras tensor")),
    ("a-number", 0.5, "incorrect", ("function",)),
]


@pytest.mark.parametrize("answer,expected,says", cases(Q5))
def test_q5(answer, expected, says):
    assert_graded(q5, answer, expected, says)


# ---- q6: the reparameterisation trick ----------------------------------------------------

def sample_sqrt(mean, log_var, eps):
    return mean + ops.sqrt(ops.exp(log_var)) * eps


def sample_ops_calls(mean, log_var, eps):
    return ops.add(mean, ops.multiply(eps, ops.exp(ops.multiply(log_var, 0.5))))


def sample_own_noise(mean, log_var, eps):
    # draws its own noise instead of the given eps
    noise = keras.random.normal(ops.shape(mean), seed=0)
    return mean + ops.exp(0.5 * log_var) * ops.cast(noise, mean.dtype if hasattr(mean, "dtype")
                                                   else "float32")


Q6 = [
    ("sqrt-of-variance", sample_sqrt, "correct", ()),
    ("ops-calls", sample_ops_calls, "correct", ()),
    ("exp-over-two", lambda m, lv, e: m + e * ops.exp(lv / 2), "correct", ()),
    ("variance-not-std", lambda m, lv, e: m + ops.exp(lv) * e, "incorrect", ()),
    ("log-var-as-std", lambda m, lv, e: m + lv * e, "incorrect", ()),
    ("minus-half", lambda m, lv, e: m + ops.exp(-0.5 * lv) * e, "incorrect", ()),
    ("no-noise", lambda m, lv, e: m + ops.exp(0.5 * lv), "incorrect", ()),
    ("mean-times-sigma", lambda m, lv, e: m * ops.exp(0.5 * lv) + e, "incorrect", ()),
    pytest.param(sample_own_noise, "incorrect", ("eps",), id="own-noise"),
    ("mean-only", lambda m, lv, e: m, "incorrect", ()),  # no sample at all
]


@pytest.mark.parametrize("answer,expected,says", cases(Q6))
def test_q6(answer, expected, says):
    assert_graded(q6, answer, expected, says)


# ---- q7: a VAE with a code of two numbers -----------------------------------------------

class Sampling(layers.Layer):
    """The lab's skeleton, filled in: z by the trick, the KL added to the loss."""

    def __init__(self, kl_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed_generator = keras.random.SeedGenerator(SEED)

    def call(self, inputs):
        mean, log_var = inputs
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        if self.kl_weight:
            self.add_loss(self.kl_weight * ops.mean(kl_sum_form(mean, log_var)))
        return sample_sqrt(mean, log_var, eps)


def pixel_bce(y_true, y_pred):
    return 64 * keras.losses.binary_crossentropy(y_true, y_pred)


def vae_skeleton(*, latent=2, kl_weight=1.0, epochs=25):
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    pixels = keras.Input(shape=(64,))
    hidden = layers.Dense(64, activation="relu")(pixels)
    mean, log_var = layers.Dense(latent)(hidden), layers.Dense(latent)(hidden)
    encoder = keras.Model(pixels, [mean, log_var])
    decoder = keras.Sequential([keras.Input(shape=(latent,)), layers.Dense(64, activation="relu"),
                                layers.Dense(64, activation="sigmoid")])
    z = Sampling(kl_weight)([mean, log_var])
    vae = keras.Model(pixels, decoder(z))
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=5e-3), loss=pixel_bce,
                steps_per_execution=16)
    vae.fit(X_train, X_train, epochs=epochs, batch_size=32, verbose=0)
    return encoder, decoder, vae


@functools.cache
def vae_trained():
    return vae_skeleton()


def vae_split_head():
    # one Dense(4) head split in two with ops.split; tanh; a loss summed with keras.ops;
    # the parts passed as a list
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    pixels = keras.Input(shape=(64,))
    stats = layers.Dense(4)(layers.Dense(48, activation="tanh")(pixels))
    mean, log_var = layers.Lambda(lambda s: ops.split(s, 2, axis=-1))(stats)
    encoder = keras.Model(pixels, [mean, log_var])
    z_in = keras.Input(shape=(2,))
    decoder = keras.Model(z_in, layers.Dense(64, activation="sigmoid")(
        layers.Dense(48, activation="tanh")(z_in)))
    vae = keras.Model(pixels, decoder(Sampling()([mean, log_var])))
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                loss=lambda y, p: ops.sum(ops.binary_crossentropy(y, p), axis=-1),
                steps_per_execution=16)
    vae.fit(X_train, X_train, epochs=25, batch_size=32, verbose=0)
    return [encoder, decoder]


def vae_no_kl():
    encoder, decoder, _ = vae_skeleton(kl_weight=0.0, epochs=10)  # add_loss forgotten
    return encoder, decoder


def vae_three_numbers():
    encoder, decoder, _ = vae_skeleton(latent=3, epochs=3)
    return encoder, decoder


def vae_untrained():
    keras.utils.set_random_seed(SEED)
    pixels = keras.Input(shape=(64,))
    hidden = layers.Dense(64, activation="relu")(pixels)
    encoder = keras.Model(pixels, [layers.Dense(2)(hidden), layers.Dense(2)(hidden)])
    decoder = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(64, activation="relu"),
                                layers.Dense(64, activation="sigmoid")])
    return encoder, decoder


def vae_logit_decoder():
    # the trained decoder with its sigmoid left off: logits, not probabilities
    encoder, decoder, _ = vae_trained()
    logits = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(64, activation="relu"),
                               layers.Dense(64)])
    logits.set_weights(decoder.get_weights())
    return encoder, logits


def vae_z_encoder():
    # an encoder that returns the sample z, not [mean, log_var]
    encoder, decoder, vae = vae_trained()
    return keras.Model(vae.inputs, vae.layers[-2].output), decoder


Q7 = [
    ("skeleton", lambda: vae_trained()[:2], "correct", ()),
    ("split-head-list", vae_split_head, "correct", ()),
    ("no-kl-term", vae_no_kl, "incorrect", ("KL",)),
    ("three-numbers", vae_three_numbers, "incorrect", ("two", "asks for 2", "(batch, 2)")),
    ("untrained", vae_untrained, "incorrect", ("ELBO", "train", "nats")),
    ("decoder-logits", vae_logit_decoder, "correct", ()),  # logits: a correct form
    pytest.param(lambda: vae_trained()[1::-1], "incorrect",
                 ("order", "swap", "(encoder, decoder)", "64 pixels"), id="parts-swapped"),
    ("the-vae", lambda: vae_trained()[2], "incorrect", ("encoder", "decoder", "pair", "tuple")),
    ("z-encoder", vae_z_encoder, "incorrect", ("mean", "log_var")),
    ("none", lambda: None, "incorrect|blank", ()),
]


@pytest.mark.parametrize("build,expected,says", cases(Q7))
def test_q7(build, expected, says):
    assert_graded(q7, build(), expected, says)


# ---- q8: a salt-and-pepper denoiser of at most 6,000 parameters (>= 13.7 dB) -----------

def sp_noisy(X, seed):
    return salt_and_pepper(X, SP_FRACTION, np.random.default_rng(seed))


@functools.cache
def sp_dense_32_12():
    # a code of 12, hidden 32: 5,004 parameters
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    model = dense_ae(code=12, hidden=32)
    return fitted(model, sp_noisy(X_train, SEED), X_train, epochs=20)


def sp_conv():
    # convolutional, 2,625 parameters, new noise at every pass, on every digit handed out
    X_all, _ = every_digit()
    rng = np.random.default_rng(SEED)
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(64,)), layers.Reshape((8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"), layers.Flatten()])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse",
                  steps_per_execution=16)
    for _ in range(4):
        model.fit(salt_and_pepper(X_all, SP_FRACTION, rng), X_all, epochs=2, batch_size=32,
                  verbose=0)
    return model


def sp_clean_in_budget():
    # q1's recipe in the budget: trained on clean digits
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(code=12, hidden=32), X_train, X_train, epochs=12)


def sp_over_budget():
    # q1's architecture (10,448 parameters) trained on the noisy digits
    X_train = digits()[0]
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(), sp_noisy(X_train, SEED), X_train, epochs=4)


def sp_noisy_targets():
    # fit(X_noisy, X_noisy): the noise is the target too
    X_train = digits()[0]
    X_noisy = sp_noisy(X_train, SEED)
    keras.utils.set_random_seed(SEED)
    return fitted(dense_ae(code=12, hidden=32), X_noisy, X_noisy, epochs=5)


Q8 = [
    ("dense-32-12-32", sp_dense_32_12, "correct", ()),
    ("conv-fresh-noise-all-digits", sp_conv, "correct", ()),
    pytest.param(lambda: without_sigmoid(sp_dense_32_12(),
                                         lambda: dense_ae(code=12, hidden=32, out=None)),
                 "correct", (), id="logits-out"),
    ("trained-on-clean", sp_clean_in_budget, "incorrect", ("noise", "noisy", "PSNR", "dB")),
    ("over-budget", sp_over_budget, "incorrect", ("6,000", "6000", "parameters", "budget")),
    ("q1-autoencoder", ae_sequential, "incorrect", ("6,000", "6000", "parameters", "budget")),
    ("noisy-targets", sp_noisy_targets, "incorrect", ("PSNR", "dB")),
    ("identity", identity_model, "incorrect", ("PSNR", "dB")),
    ("a-string", lambda: "model", "incorrect", ("model",)),
]


@pytest.mark.parametrize("build,expected,says", cases(Q8))
def test_q8(build, expected, says):
    assert_graded(q8, build(), expected, says)


# ---- q9: one step of CD-1 ----------------------------------------------------------------

def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def cd1_parts(v0, W, b, c, u_h, u_v):
    p_h0 = _sig(v0 @ W + c)
    h0 = (u_h < p_h0).astype(float)
    p_v1 = _sig(h0 @ W.T + b)
    v1 = (u_v < p_v1).astype(float)
    p_h1 = _sig(v1 @ W + c)
    return p_h0, h0, p_v1, v1, p_h1


def cd1_vectorised(v0, W, b, c, u_h, u_v, lr):
    p_h0, _, _, v1, p_h1 = cd1_parts(v0, W, b, c, u_h, u_v)
    n = len(v0)
    return (W + lr * (v0.T @ p_h0 - v1.T @ p_h1) / n,
            b + lr * np.mean(v0 - v1, axis=0), c + lr * np.mean(p_h0 - p_h1, axis=0))


def cd1_outer_loop(v0, W, b, c, u_h, u_v, lr):
    # one example at a time, np.outer, np.where for the samples; returns a list
    from scipy.special import expit

    dW, db, dc = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
    for v, uh, uv in zip(v0, u_h, u_v):
        ph0 = expit(np.dot(v, W) + c)
        h = np.where(uh < ph0, 1.0, 0.0)
        v1 = np.where(uv < expit(np.dot(W, h) + b), 1.0, 0.0)
        ph1 = expit(np.dot(v1, W) + c)
        dW += np.outer(v, ph0) - np.outer(v1, ph1)
        db += v - v1
        dc += ph0 - ph1
    n = len(v0)
    return [W + lr * dW / n, b + lr * db / n, c + lr * dc / n]


def cd1_einsum_copy(v0, W, b, c, u_h, u_v, lr):
    # copies first, then updates its copies in place
    W, b, c = np.array(W, dtype=float), np.array(b, dtype=float), np.array(c, dtype=float)
    p_h0, _, _, v1, p_h1 = cd1_parts(v0, W, b, c, u_h, u_v)
    positive = np.einsum("ni,nj->ij", v0, p_h0)
    negative = np.einsum("ni,nj->ij", v1, p_h1)
    W += lr * (positive - negative) / v0.shape[0]
    b += lr * (v0 - v1).mean(axis=0)
    c += lr * (p_h0 - p_h1).mean(axis=0)
    return W, b, c


def cd1_slip(stats="probs", sign=1.0, average=True, v_stat="sample", down="sample",
             above=False):
    def update(v0, W, b, c, u_h, u_v, lr):
        p_h0 = _sig(v0 @ W + c)
        h0 = ((u_h > p_h0) if above else (u_h < p_h0)).astype(float)
        p_v1 = _sig((h0 if down == "sample" else p_h0) @ W.T + b)
        v1 = ((u_v > p_v1) if above else (u_v < p_v1)).astype(float)
        if v_stat == "probs":
            v1 = p_v1
        p_h1 = _sig(v1 @ W + c)
        pos = p_h0 if stats == "probs" else h0  # samples in the data's statistics
        neg = p_h1
        n = len(v0) if average else 1
        return (W + sign * lr * (v0.T @ pos - v1.T @ neg) / n,
                b + sign * lr * np.sum(v0 - v1, axis=0) / n,
                c + sign * lr * np.sum(pos - neg, axis=0) / n)
    return update


def cd1_in_place(v0, W, b, c, u_h, u_v, lr):
    p_h0, _, _, v1, p_h1 = cd1_parts(v0, W, b, c, u_h, u_v)
    W += lr * (v0.T @ p_h0 - v1.T @ p_h1) / len(v0)  # the caller's W changes
    b += lr * np.mean(v0 - v1, axis=0)
    c += lr * np.mean(p_h0 - p_h1, axis=0)
    return W, b, c


def cd1_swapped_outputs(v0, W, b, c, u_h, u_v, lr):
    W, b, c = cd1_vectorised(v0, W, b, c, u_h, u_v, lr)
    return W, c, b


def cd1_weights_only(v0, W, b, c, u_h, u_v, lr):
    W_new, _, _ = cd1_vectorised(v0, W, b, c, u_h, u_v, lr)
    return W_new, b, c  # the biases never learn


Q9 = [
    ("vectorised", cd1_vectorised, "correct", ()),
    ("per-example-loop-list", cd1_outer_loop, "correct", ()),
    ("einsum-copies", cd1_einsum_copy, "correct", ()),
    ("wrong-sign", cd1_slip(sign=-1.0), "incorrect", ()),
    ("hidden-samples-in-stats", cd1_slip(stats="samples"), "incorrect", ()),
    ("v1-probabilities", cd1_slip(v_stat="probs"), "incorrect", ()),
    ("down-from-probabilities", cd1_slip(down="probs"), "incorrect", ()),
    ("on-above-draw", cd1_slip(above=True), "incorrect", ()),
    ("summed-not-averaged", cd1_slip(average=False), "incorrect", ()),
    ("writes-into-W", cd1_in_place, "incorrect", ("place", "chang", "modif")),
    ("returns-W-c-b", cd1_swapped_outputs, "incorrect", ()),
    ("biases-not-updated", cd1_weights_only, "incorrect", ()),
    ("none", None, "incorrect|blank", ()),
]


@pytest.mark.parametrize("answer,expected,says", cases(Q9))
def test_q9(answer, expected, says):
    assert_graded(q9, answer, expected, says)
