"""Lab 3's own checks, beyond the self-tests every exercise gets (test_exercises.py).

- the NumPy references of q1 to q3 agree with Keras (Conv2D, MaxPooling2D and
  their output shapes), and LeNet-5's reference has the chapter's numbers;
- q5's checker accepts every pair tied for the most frequent mistake;
- the design exercise's target is out of reach of a dense network of the same
  size and of Part 2's CNN, over three seeds (measured, not assumed);
- the full configuration (DLBOOK_MODE=full) runs: the lab's own MNIST cells on
  a few batches of synthetic 28x28 images, and the ImageNet transfer on
  synthetic 32x32x3 CIFAR-like images (MobileNetV2 without its download), and
  it falls back with a message when the download fails (CI has no GPU and no
  network).
"""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

from dlbook import measure
from dlbook.labs import lab03
from tests import synthetic
from tests.notebook_scan import solution_cell
from tools import book


def keras_conv(image, kernel, stride):
    import keras

    layer = keras.layers.Conv2D(1, kernel.shape[0], strides=stride, use_bias=False)
    layer.build((None, *image.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return keras.ops.convert_to_numpy(layer(image[None, :, :, None].astype("float32")))[0, :, :, 0]


def _ids(case):
    return "-".join(str(np.shape(a)) if isinstance(a, np.ndarray) else str(a) for a in case.args)


@pytest.mark.parametrize("case", lab03.q2.cases[:12], ids=_ids)
def test_conv2d_reference_is_keras(case):
    image, kernel, stride = (*case.args, 1)[:3]
    np.testing.assert_allclose(lab03.conv2d(image, kernel, stride), keras_conv(image, kernel, stride),
                               atol=1e-5)


@pytest.mark.parametrize("case", lab03.q3.cases[:12], ids=_ids)
def test_max_pool_reference_is_keras(case):
    import keras

    image, size, stride = (*case.args, 2, None)[:3] if len(case.args) == 1 else (*case.args, None)[:3]
    # (image,): the default size 2; (image, size): the default stride, the size
    pooled = keras.layers.MaxPooling2D(size, strides=stride)(image[None, :, :, None])
    np.testing.assert_allclose(lab03.max_pool(*case.args),
                               keras.ops.convert_to_numpy(pooled)[0, :, :, 0])


@pytest.mark.parametrize("case", lab03.q1.cases[:20], ids=_ids)
def test_output_size_reference_is_keras(case):
    import keras

    n, f, stride, padding = (*case.args, 1, 0)[:4] if len(case.args) == 2 else case.args
    model = keras.Sequential([keras.Input(shape=(n, n, 1)), keras.layers.ZeroPadding2D(padding),
                              keras.layers.Conv2D(1, f, strides=stride)])
    assert lab03.conv_output_size(*case.args) == model.output_shape[1] == case.expected


def test_backward_reference_is_autodiff():
    """q9's reference: the gradients of L = sum(S * delta), S = Keras's convolution, by autodiff."""
    import keras

    from dlbook.autodiff import gradients

    for case in lab03.q9.cases:
        image, kernel, delta = case.args

        def loss(image, kernel):
            S = keras.ops.conv(image[None, :, :, None], kernel[:, :, None, None])[0, :, :, 0]
            return keras.ops.sum(S * delta)

        auto_image, auto_kernel = gradients(loss, image, kernel)
        d_kernel, d_image = lab03.conv2d_backward(image, kernel, delta)
        np.testing.assert_allclose(d_kernel, auto_kernel, atol=1e-9)
        np.testing.assert_allclose(d_image, auto_image, atol=1e-9)


# ---- checked on cases the checker draws, with honest messages ---------------------

def test_drawn_cases_are_many_and_not_the_notebooks():
    assert len(lab03.q1.cases) >= 100 and len(lab03.q2.cases) >= 20 and len(lab03.q9.cases) >= 20
    sizes = {tuple(c.args) for c in lab03.q1.cases}
    assert not sizes & set(lab03.SHOWN_SIZES)
    assert len({np.shape(c.args[0]) for c in lab03.q9.cases}) >= 10  # several sizes
    assert any(len(c.args) == 2 for c in lab03.q1.cases)  # the default stride and padding


def test_size_feedback_never_shows_the_expected_size():
    # Wrong by one where the division is exact: no slip's message, and no expected value.
    def student(n, f, stride=1, padding=0):
        q = n + 2 * padding - f
        return q // stride + (2 if q % stride == 0 else 1)

    message = lab03.q1.evaluate(student).message
    case = next(c for c in lab03.q1.cases if student(*c.args) != c.expected)
    assert message.startswith(f"{case.call_text('conv_output_size')} returned {student(*case.args)}, ")
    assert "should" not in message and f" {case.expected}" not in message.split("returned", 1)[1]


def test_a_slip_is_named_only_when_it_holds_on_every_case():
    # Forgets the + 1 only when the stride is above 1: not the "+ 1" slip.
    def part_slip(n, f, stride=1, padding=0):
        return (n + 2 * padding - f) // stride + (stride == 1)

    message = lab03.q1.evaluate(part_slip).message
    assert "forgot the + 1" not in message and "which is not right" in message
    # ceil(n / s), Keras's size for padding="same", is not "the padding goes on both sides".
    same = lab03.q1.evaluate(lambda n, f, stride=1, padding=0: math.ceil(n / stride)).message
    assert "both sides" not in same and 'padding="same"' in same


def test_a_lookup_table_of_the_shown_cases_fails():
    table = {case[:2]: lab03.conv_output_size(*case) for case in lab03.SHOWN_SIZES}
    assert not lab03.q1.evaluate(lambda n, f, stride=1, padding=0: table.get((n, f), 1))


def test_array_feedback_shows_the_first_differing_entry():
    def student(image, kernel, stride=1):
        out = lab03.conv2d(image, kernel, stride)
        out[-1, -1] += 1  # one wrong entry
        return out

    message = lab03.q2.evaluate(student).message
    assert "1 of " in message and "the first is at index" in message and "instead of" in message


def test_a_function_that_writes_into_its_input_is_wrong():
    def student(image, kernel, stride=1):
        kernel *= 1.0  # harmless
        image[0, 0] = 0.0  # not harmless
        return lab03.conv2d(image, kernel, stride)

    assert "changed its argument image" in lab03.q2.evaluate(student).message


def test_conv_params_is_keras():
    import keras

    layer = keras.layers.Conv2D(lab03.CONV_FILTERS, lab03.CONV_KERNEL)
    layer.build((None, 8, 8, lab03.CONV_INPUT_CHANNELS))
    assert layer.count_params() == lab03.q4.expected == 4640


def test_lenet_has_the_chapters_numbers():
    model = lab03.lenet5()
    assert model.count_params() == sum(lab03.LENET_PARAMS.values()) == 61_706
    maps = [s for s in lab03.shape_trace(model) if len(s) == 3]
    assert maps == [shape for _, shape, _ in lab03.LENET_STAGES]
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert dense[0].kernel.shape == (400, 120)  # C5's fan-in


def test_confusion_exercise_accepts_every_tie_and_explains_the_slips():
    cm = 30 * np.eye(10, dtype=int)
    cm[4, 9] = cm[9, 4] = 2
    cm[3, 5] = 1
    q = lab03.confusion_exercise(cm)
    assert q.evaluate((4, 9)).correct and q.evaluate(np.array([9, 4])).correct
    assert "is on the diagonal" in q.evaluate((4, 4)).message
    assert "another mistake happens 2 times" in q.evaluate((3, 5)).message
    assert "(true label, predicted label)" in q.evaluate("4 and 9").message
    assert "from 0 to 9" in q.evaluate((4, 12)).message
    assert q.self_test() == []


def _accuracy(q, model) -> float:
    import keras

    images = q.X_test.reshape(len(q.X_test), *q.image)
    return float(np.mean(keras.ops.convert_to_numpy(model.predict(images, verbose=0)).argmax(1)
                         == q.y_test))


@pytest.mark.xdist_group("lab03.q8")  # on the worker of q8's self-tests (conftest.py)
def test_design_target_has_a_margin_over_seeds():
    """The reference passes and the dense network of the budget fails, at seeds 0, 1, 2,
    each by at least twice its seed-to-seed spread (the numbers beside lab03.TARGET)."""
    # recorded() trains a recorded answer from the current seed once and keeps the model:
    # at q8's own seed, 0, these are the answers its self-tests train.
    q = lab03.q8
    own_seed = q.seed
    reference, dense = [], []
    try:
        for seed in (0, 1, 2):
            q.seed = seed
            model = q.recorded(lab03.DENSE_SAME_SIZE)
            assert model.count_params() <= q.budget
            assert "below the target" in q.evaluate(model).message, f"seed {seed}"
            dense.append(_accuracy(q, model))
            model = q.recorded(lab03.DESIGN_SOLUTION)
            assert q.evaluate(model).correct, f"seed {seed}"
            reference.append(_accuracy(q, model))
    finally:
        q.seed = own_seed
    # Against the seed-to-seed spreads measured when the target was set (the table beside
    # lab03.TARGET: 0.042 for the reference, 0.050 for the dense network on TensorFlow),
    # not this run's own spread, which three seeds measure too roughly to test on.
    assert min(reference) >= q.target + 2 * 0.042, reference
    assert max(dense) <= q.target - 2 * 0.050, dense
    assert q.train(lab03.PART2_CNN).count_params() > q.budget


def test_design_is_graded_on_digits_the_notebook_never_holds():
    """No array the notebook gets (Parts 2, 3 and 5) holds one of the checker's digits."""
    q = lab03.q8
    handed_out = [*lab03.load_digit_images()[:2], *lab03.load_shifted_digits()[:2]]
    seen = {np.round(_crop(image), 6).tobytes() for images in handed_out for image in images}
    held = [np.round(_crop(image), 6).tobytes() for image in q.X_test.reshape(-1, *q.image)]
    assert len(held) == lab03.HELD_OUT and not seen & set(held)
    assert "X_test" not in q.solution_namespace() and "y_test" not in q.solution_namespace()


def _crop(image):
    """The 8 x 8 digit of an image (on a canvas or not): the box around its ink."""
    rows, cols = np.flatnonzero(image[:, :, 0].any(1)), np.flatnonzero(image[:, :, 0].any(0))
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1, 0]


@pytest.mark.xdist_group("lab03.q8")
def test_training_on_every_array_the_notebook_hands_out_does_not_pass():
    # Before q8 had its own digits, it scored on the lab's test images, which the notebook
    # held: the dense network trained on them too passed. Now it is scored on others.
    q = lab03.q8
    X_train, X_val, y_train, y_val = lab03.load_shifted_digits()
    namespace = {**q.solution_namespace(), "X_train": np.concatenate([X_train, X_val]),
                 "y_train": np.concatenate([y_train, y_val])}
    exec(lab03.DENSE_SAME_SIZE, namespace)
    result = q.evaluate(namespace["model"])
    assert not result.correct and "below the target" in result.message


def test_q4s_answer_is_not_on_screen_above_it():
    nb = nbformat.read(book.ROOT / "solutions" / lab03.NOTEBOOK, as_version=4)
    shown = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() == "q4.check(conv_params)":
            break
        shown += [cell.source] if cell.cell_type == "markdown" else [
            str(output.get("text", "")) + str(output.get("data", {})) for output in cell.outputs]
    else:
        raise AssertionError("q4.check(conv_params) not found")
    assert not [text for text in shown if "4640" in text or "4,640" in text]


def test_a_transfer_head_without_softmax_is_rejected_and_the_message_is_true():
    result = lab03.q6.evaluate(lab03._transfer_logits)
    assert not result.correct and "scores, not probabilities" in result.message
    assert lab03.q6.evaluate(lab03._transfer_softmax_layer).correct


def test_lenet_feedback_names_the_first_wrong_layer():
    message = lab03.q7.evaluate(lab03.variant(lab03.lenet5, 1, kernel_size=(3, 3))()).message
    assert message.startswith("your C1 (the first layer with weights) has 60 parameters")
    assert "C5" not in message


def test_an_unbuilt_model_gets_a_message_not_a_traceback():
    import keras

    def unbuilt():
        return keras.Sequential([keras.layers.Conv2D(6, 5, padding="same"), keras.layers.Flatten(),
                                 keras.layers.Dense(10, activation="softmax")])

    def head_only(base, num_classes, trainable):
        base.trainable = trainable
        return keras.Sequential([keras.layers.Dense(num_classes, activation="softmax")])

    for q, answer in [(lab03.q7, unbuilt()), (lab03.q8, unbuilt()), (lab03.q6, head_only)]:
        message = q.evaluate(answer).message
        assert "not built" in message and "raised" not in message, (q.name, message)


# ---- the full configuration on synthetic data --------------------------------------

def _cell(start: str) -> str:
    return solution_cell(lab03.NOTEBOOK, start)


def _full_namespace(monkeypatch):
    import keras
    from sklearn.metrics import confusion_matrix

    import dlbook

    monkeypatch.setenv("DLBOOK_MODE", "full")
    cfg = dlbook.setup(verbose=False)
    assert not cfg.quick
    return {"cfg": cfg, "keras": keras, "np": np, "layers": keras.layers, "seed": cfg.seed,
            "confusion_matrix": confusion_matrix, "transfer_model": lab03.transfer_model,
            "load_digit_images": lab03.load_digit_images,
            "measured": measure.measured, "approx": measure.approx}


def test_full_mode_cnn_runs_on_synthetic_mnist(monkeypatch, capsys):
    import keras

    fake_mnist = synthetic.load_data((28, 28), n=320, n_train=256)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_mnist)
    namespace = _full_namespace(monkeypatch)
    exec(_cell('dataset = "digits"'), namespace)
    assert "MNIST: 256 training and 64 test images of shape (28, 28, 1)" in capsys.readouterr().out
    exec(_cell("augmentation = "), namespace)
    model = namespace["model"]
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    assert any(isinstance(layer, keras.layers.RandomRotation) for layer in model.layers)
    exec(_cell("conv_params = (3 * 3"), namespace)
    exec(_cell("num_epochs = "), namespace)
    assert len(namespace["history"].history["loss"]) == 8
    assert np.isfinite(namespace["history"].history["loss"]).all()
    with pytest.raises(AssertionError):  # random labels: below the MNIST threshold
        exec(_cell("test_loss, test_acc"), namespace)
    namespace["y_pred"] = model.predict(namespace["X_test"], verbose=0).argmax(axis=1)
    namespace["cm"] = namespace["confusion_matrix"](namespace["y_test"], namespace["y_pred"],
                                                    labels=range(10))
    exec(_cell("q5 = confusion_exercise"), {**namespace, **vars(lab03)})


def test_full_mode_imagenet_transfer_runs_on_synthetic_cifar(monkeypatch, capsys):
    import keras

    fake_cifar = synthetic.load_data((32, 32, 3), n=96, n_train=64, label_shape=(1,), seed=1)

    real = keras.applications.MobileNetV2

    def offline_mobilenet(**kwargs):  # the architecture without the ImageNet download
        assert kwargs.pop("weights") == "imagenet"
        return real(weights=None, **kwargs)

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", fake_cifar)
    monkeypatch.setattr(keras.applications, "MobileNetV2", offline_mobilenet)
    namespace = _full_namespace(monkeypatch)
    exec(_cell("def imagenet_transfer"), namespace)
    out = capsys.readouterr().out
    assert "MobileNetV2 + a new head, 64 CIFAR-10 images: test accuracy" in out, out
    accuracy = float(out.rsplit(" ", 1)[1])
    assert 0.0 <= accuracy <= 1.0


def test_full_mode_imagenet_transfer_falls_back_offline(monkeypatch, capsys):
    import keras

    def no_network():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", no_network)
    namespace = _full_namespace(monkeypatch)
    exec(_cell("def imagenet_transfer"), namespace)
    assert ("Could not run the ImageNet transfer (OSError: no network); the digits "
            "experiment above is its offline version.") in capsys.readouterr().out
