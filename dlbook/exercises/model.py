"""A Keras model answer, compared by what it computes.

Both models, the student's and the reference, are read as the sequence of
their *computing* layers:

* ``InputLayer`` is left out and a model inside a model (a Sequential
  encoder inside an autoencoder) is opened up, so Sequential, functional
  (``keras.Model(inputs, outputs)``) and nested models all read the same way;
* an ``Activation`` layer (or a default ``ReLU`` / ``Softmax`` layer) after
  a layer whose own activation is linear folds into it:
  ``Dense(4)`` + ``Activation("relu")`` is ``Dense(4, activation="relu")``;
* an activation is named, so ``"relu"`` and ``keras.activations.relu`` are
  the same.

Each reference layer's settings are taken from its own ``get_config()``,
without the keys that do not change what the layer computes
(:func:`semantic_keys`): names, dtypes, trainability, initializers,
regularizers, constraints, seeds. So Dense, Conv2D, pooling, LSTM/GRU,
Embedding, BatchNormalization and Dropout need no list of keys.

The reference model is built once per exercise, at the first check.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import textwrap
import warnings
from typing import Any, Callable, Sequence

from dlbook.exercises.compare import Mismatch, fmt, type_name
from dlbook.exercises.core import Exercise, Incorrect

#: Config keys that never change what a layer computes.
IGNORED_KEYS = frozenset({
    "name", "dtype", "dtype_policy", "trainable", "seed", "autocast", "build_config",
    "batch_input_shape", "batch_shape", "input_shape", "synchronized", "unroll",
    "implementation", "quantization_config",
})
IGNORED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
IGNORED_PREFIXES = ("lora_", "quantization")
ACTIVATION_KEYS = ("activation", "recurrent_activation")

#: How the feedback names a config key (anything else: the key with spaces).
KEY_WORDS = {
    "units": "units", "filters": "filters", "kernel_size": "kernel size",
    "strides": "strides", "padding": "padding", "activation": "activation",
    "recurrent_activation": "recurrent activation", "rate": "dropout rate",
    "pool_size": "pool size", "use_bias": "use_bias", "return_sequences": "return_sequences",
    "input_dim": "vocabulary size (input_dim)", "output_dim": "embedding size (output_dim)",
    "mask_zero": "mask_zero", "dilation_rate": "dilation rate",
    "dropout": "input dropout", "recurrent_dropout": "recurrent dropout",
    "axis": "axis", "momentum": "momentum", "epsilon": "epsilon",
}
_MISSING = object()


def trained_on_logits(model) -> bool:
    """Whether the model was compiled with a loss that reads its outputs as logits.

    True when its loss (one, a list or a dict of them) has ``from_logits=True`` in its
    config; a loss given by name (``"binary_crossentropy"``) reads probabilities.
    """
    loss = getattr(model, "loss", None)
    losses = loss.values() if isinstance(loss, dict) else (
        loss if isinstance(loss, (list, tuple)) else [loss])
    for item in losses:
        try:
            if item is not None and not isinstance(item, str) and \
                    item.get_config().get("from_logits"):
                return True
        except Exception:  # noqa: BLE001 - a loss without a config
            pass
    return False


def semantic_keys(config: dict) -> list[str]:
    """The keys of a layer config that change what the layer computes."""
    return [k for k in config if k not in IGNORED_KEYS
            and not k.endswith(IGNORED_SUFFIXES) and not k.startswith(IGNORED_PREFIXES)]


def _plain(value: Any) -> Any:
    """Lists as tuples, recursively, so that configs compare with ==."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def activation_name(fn: Any) -> str:
    """``"relu"`` for "relu", keras.activations.relu and layers.ReLU(); a custom name otherwise."""
    import keras

    if fn is None:
        return "linear"
    if isinstance(fn, str):
        fn = keras.activations.get(fn)
    name = getattr(fn, "__name__", type(fn).__name__)
    try:
        builtin = keras.activations.get(name)
    except (ValueError, TypeError):
        builtin = None
    return name if builtin is fn else f"{name} (a function of your own)"


def _standalone_activation(layer) -> str | None:
    """The activation an activation-only layer applies, or None for other layers."""
    from keras import layers

    if isinstance(layer, layers.Activation):
        return activation_name(layer.activation)
    if type(layer) is layers.ReLU and layer.max_value is None and not layer.negative_slope \
            and not layer.threshold:
        return "relu"
    if type(layer) is layers.Softmax and layer.axis in (-1, [-1], (-1,)):
        return "softmax"
    return None


def computing_layers(model) -> list:
    """The layers of ``model`` that compute, nested models opened up, inputs left out."""
    import keras

    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            out += computing_layers(layer)
        else:
            out.append(layer)
    return out


@dataclasses.dataclass
class LayerSpec:
    """One computing step of a model: its layer type and its semantic settings."""

    type: str
    config: dict
    layer: Any = dataclasses.field(default=None, repr=False, compare=False)

    def get(self, key: str) -> Any:
        """The setting ``key``: from the config, else the layer's attribute."""
        if key in self.config:
            return self.config[key]
        return _plain(getattr(self.layer, key, _MISSING))


def _config(layer) -> dict:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns about serialising a lambda
            config = layer.get_config()
    except Exception:  # noqa: BLE001 - e.g. a lambda activation cannot be serialised
        config = {}
    out = {k: _plain(config[k]) for k in semantic_keys(config)}
    for key in ACTIVATION_KEYS:
        if hasattr(layer, key) and (key in out or not config):
            out[key] = activation_name(getattr(layer, key))
    return out


def layer_specs(model) -> list[LayerSpec]:
    """The computing steps of ``model``, with Activation layers folded in."""
    specs: list[LayerSpec] = []
    for layer in computing_layers(model):
        act = _standalone_activation(layer)
        if act is not None:
            before = specs[-1].config if specs else {}
            if before.get("activation") == "linear":
                before["activation"] = act
            else:
                specs.append(LayerSpec("Activation", {"activation": act}, layer))
            continue
        specs.append(LayerSpec(type(layer).__name__, _config(layer), layer))
    return specs


@dataclasses.dataclass
class Signature:
    """What a model computes, as the checker compares it."""

    input_shape: Any
    output_shape: Any
    specs: list
    params: int

    @property
    def names(self) -> str:
        return ", ".join(s.type for s in self.specs)


def signature(model) -> Signature:
    return Signature(_plain(model.input_shape), _plain(model.output_shape),
                     layer_specs(model), model.count_params())


def _layers(n: int) -> str:
    return f"{n} layer{'' if n == 1 else 's'}"


def builder_source(builder: Callable, answer_name: str) -> str:
    """The code a model builder runs, as a notebook would write it.

    The builder's body without its docstring and imports, its final
    ``return expr`` written as ``answer_name = expr``.
    """
    func = builder.func if isinstance(builder, functools.partial) else builder
    source = textwrap.dedent(inspect.getsource(func))
    body = ast.parse(source).body[0].body
    kept = [s for s in body if not isinstance(s, (ast.Import, ast.ImportFrom))
            and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                     and isinstance(s.value.value, str))]
    if not kept or not isinstance(kept[-1], ast.Return):
        raise ValueError(f"model builder {func.__name__} must end with `return model`")
    lines = source.split("\n")[kept[0].lineno - 1: kept[-1].end_lineno]
    text = textwrap.dedent("\n".join(lines))
    head, _, tail = text.rpartition("return ")
    return head + f"{answer_name} = " + tail


def builder_arguments(builder: Callable) -> dict:
    """The builder's parameters with the values it is called with (its defaults
    unless a functools.partial binds others)."""
    func, args, kwargs = builder, (), {}
    if isinstance(builder, functools.partial):
        func, args, kwargs = builder.func, builder.args, builder.keywords
    bound = inspect.signature(func).bind_partial(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def variant(builder: Callable, layer: int | None = None, *, drop: Sequence[int] = (),
            input_shape: tuple | None = None, **changes) -> Callable:
    """A builder of ``builder``'s (Sequential) model with settings changed: a recorded
    wrong answer written from the reference, not a second copy of it.

    ``layer`` numbers the computing layers from 1 as the feedback does; it
    gets ``changes`` (``layer=None``: every layer that has those keys).
    ``drop`` leaves layers out; ``input_shape`` replaces the input's shape.
    """
    drop = {drop} if isinstance(drop, int) else set(drop)

    def build():
        import keras

        model = builder()
        if not isinstance(model, keras.Sequential):
            raise TypeError("variant() changes a keras.Sequential reference")
        config = model.get_config()
        config.pop("build_input_shape", None)
        entries = [e for e in config["layers"] if e["class_name"] != "InputLayer"]
        inputs = [e for e in config["layers"] if e["class_name"] == "InputLayer"]
        for number, entry in enumerate(entries, start=1):
            entry.pop("build_config", None)
            if layer is None:
                entry["config"].update({k: v for k, v in changes.items() if k in entry["config"]})
            elif number == layer:
                unknown = set(changes) - set(entry["config"])
                if unknown:
                    raise ValueError(f"layer {layer} ({entry['class_name']}) has no {sorted(unknown)}")
                entry["config"].update(changes)
        if input_shape is not None:
            inputs[0]["config"]["batch_shape"] = (None, *input_shape)
        config["layers"] = inputs + [e for n, e in enumerate(entries, 1) if n not in drop]
        return keras.Sequential.from_config(config)

    return build


def _setting_message(layer_type: str, i: int, key: str, have: Any, want: Any) -> str:
    have_text = "no such setting" if have is _MISSING else fmt(have)
    if key in ("units", "filters") and isinstance(have, int):
        noun = key[:-1] if have == 1 else key
        return f"{layer_type} layer {i} has {have} {noun}; the exercise asks for {fmt(want)}."
    word = KEY_WORDS.get(key, key.replace("_", " "))
    return f"{layer_type} layer {i} has {word} {have_text}; the exercise asks for {fmt(want)}."


def compare_models(got: Signature, ref: Signature, *, ignore=frozenset(),
                   check_params: bool = True) -> Mismatch | None:
    """None when two models compute the same thing; otherwise the first difference.

    The :class:`Mismatch` kinds are "input_shape", "layer_count", "layer_type",
    "setting" (``where`` is (layer number, key)), "output_shape" and "params".
    """
    if got.input_shape != ref.input_shape:
        return Mismatch("input_shape", got.input_shape, ref.input_shape,
                        f"your model takes inputs of shape {fmt(got.input_shape)}, but the "
                        f"data has shape {fmt(ref.input_shape)}: check keras.Input.")
    if len(got.specs) != len(ref.specs):
        return Mismatch("layer_count", got.names, ref.names,
                        f"your model has {_layers(len(got.specs))} ({got.names}), but the "
                        f"exercise asks for {len(ref.specs)} ({ref.names}).")
    for i, (g, r) in enumerate(zip(got.specs, ref.specs), start=1):
        if g.type != r.type:
            return Mismatch("layer_type", g.type, r.type,
                            f"layer {i} is a {g.type} layer; the exercise asks for {r.type} "
                            f"(the layers should be {ref.names}).", (i,))
        for key, want in r.config.items():
            have = g.get(key)
            if key not in ignore and have != want:
                return Mismatch("setting", have, want,
                                _setting_message(r.type, i, key, have, want), (i, key))
    if got.output_shape != ref.output_shape:
        return Mismatch("output_shape", got.output_shape, ref.output_shape,
                        f"your output has shape {fmt(got.output_shape)} but the model "
                        f"should give {fmt(ref.output_shape)}.")
    if check_params and got.params != ref.params:
        return Mismatch("params", got.params, ref.params,
                        f"your model has {got.params:,} parameters; the reference has "
                        f"{ref.params:,}.")
    return None


class ModelExercise(Exercise):
    """A Keras model, compared with the model ``reference()`` builds.

    ``reference`` is a zero-argument builder (a function, or a
    ``functools.partial``) that imports keras itself and ends with
    ``return model``; its body is the displayed solution. Recorded answers
    are builders too (see :func:`variant`).
    """

    kind = "model"

    def __init__(self, name: str, title: str, *, reference: Callable[[], Any],
                 check_params: bool = True, ignore: Sequence[str] = (),
                 correct_message: str = "", **kwargs):
        if "solution" in kwargs:
            raise TypeError(f"{name}: a model exercise's solution is its builder's code; "
                            "do not pass solution=")
        kwargs.setdefault("answer_name", "model")
        super().__init__(name, title, reference=reference, **kwargs)
        self.check_params = check_params
        self.ignore = frozenset(ignore)
        self.correct_message = correct_message

    def solution_text(self) -> str:
        return builder_source(self.reference, self.answer_name)

    def solution_namespace(self) -> dict:
        """keras and layers (imported by every lab), the builder's arguments, the context."""
        import keras

        return {"keras": keras, "layers": keras.layers, **builder_arguments(self.reference),
                **super().solution_namespace()}

    @functools.cached_property
    def expected(self) -> Signature:
        """The reference's signature, from one build of it."""
        return signature(self.reference())

    def reference_answer(self) -> Any:
        return self.reference()  # a fresh model: the student's cells may train it

    def recorded(self, answer: Any) -> Any:
        return answer() if callable(answer) and not hasattr(answer, "layers") else answer

    def blank_message(self) -> str:
        return "build the model in place of the ..., then run this cell again."

    def grade(self, answer: Any) -> str:
        import keras

        if answer is None:
            raise Incorrect("your model is None: did a function forget to `return model`?")
        if not isinstance(answer, keras.Model):
            hint = " Pass the model object itself." if callable(answer) else ""
            raise Incorrect(f"expected a Keras model, but you passed {fmt(answer)} "
                            f"({type_name(answer)}).{hint}")
        try:
            got = signature(answer)
        except (AttributeError, ValueError):
            raise Incorrect("your model is not built yet, so it has no shapes: start it "
                            "with keras.Input(shape=...).") from None
        ref = self.expected
        mismatch = compare_models(got, ref, ignore=self.ignore, check_params=self.check_params)
        if mismatch is not None:
            raise Incorrect(mismatch.text)
        return self.correct_message or (
            f"{_layers(len(ref.specs))} ({ref.names}), output shape {fmt(ref.output_shape)}, "
            f"{ref.params:,} parameters."
        )
