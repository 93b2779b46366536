"""One setup call for the first cell of every notebook.

``setup()`` fixes the environment before TensorFlow is imported, seeds every
random generator, sets rounded numpy printing and one colour-blind-safe
matplotlib style, and reports the device. It returns a :class:`Config` whose
``quick`` flag tells a lab whether to use its small CPU configuration.
"""

from __future__ import annotations

import dataclasses
import os
import sys

SEED = 0

# Set with os.environ[...] = ..., never setdefault: an outside environment
# must not change the numbers a notebook prints (tooling notes, determinism).
_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # silence TF's C++ logs (timestamps, PIDs)
    # oneDNN off: its kernels are chosen by instruction set at run time, so results
    # would differ by processor (and it prints a notice). Only make test's simulated
    # other processor turns it on, with $DLBOOK_ONEDNN=1 (tools/test_env.sh).
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",  # bit-identical reruns
    "PYTHONHASHSEED": str(SEED),  # for subprocesses
}

# The only supported way to pick another Keras backend (the GPU check of the
# labs runs them under JAX). KERAS_BACKEND itself is always overwritten.
BACKEND_VARIABLE = "DLBOOK_BACKEND"
DEFAULT_BACKEND = "tensorflow"
# Keras backends that can train the labs' models and differentiate (autodiff).
BACKENDS = ("tensorflow", "jax", "torch")
# "1": TensorFlow's oneDNN on, for make test's simulated other processor only.
ONEDNN_VARIABLE = "DLBOOK_ONEDNN"
# "quick" or "full": force a lab configuration whatever the device is.
MODE_VARIABLE = "DLBOOK_MODE"

CPU_HINT = (
    "Device: CPU. Labs run their quick configuration.\n"
    "For the full one in Colab: Runtime > Change runtime type > GPU."
)


@dataclasses.dataclass(frozen=True)
class Config:
    """What ``setup()`` found: the backend, the device and the lab mode."""

    backend: str
    gpu: bool
    quick: bool
    seed: int = SEED

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def _gpu_names(backend: str) -> list[str]:
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return [torch.cuda.get_device_name(0)]
    return []


def configured_backend() -> str:
    """The Keras backend ``setup()`` will use: ``$DLBOOK_BACKEND`` or TensorFlow."""
    backend = os.environ.get(BACKEND_VARIABLE, "") or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ValueError(
            f"{BACKEND_VARIABLE} must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )
    return backend


def _prepare_backend(backend: str) -> None:
    """Check the backend is installed; on JAX, switch float64 on.

    JAX computes in float32 unless told otherwise, even when asked for
    float64, so a chapter's float64 cross-check (1e-12) would silently
    compare float32 numbers. With ``jax_enable_x64`` float64 stays float64;
    Keras layers still default to float32 (``keras.config.floatx()``).
    """
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        raise RuntimeError(
            f"The Keras backend {backend!r} is not installed in this environment. "
            f"Install it (pip install {backend}) or set {BACKEND_VARIABLE} to one "
            f"that is installed ({', '.join(BACKENDS)})."
        )
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)


def _style_plots() -> None:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    plt.style.use("tableau-colorblind10")  # colour-blind-safe palette
    mpl.rcParams.update(
        {
            "figure.figsize": (6.0, 3.6),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": "medium",
            "legend.frameon": False,
            "savefig.bbox": "tight",
        }
    )


def setup(seed: int = SEED, *, verbose: bool = True) -> Config:
    """Prepare a notebook: environment, seeds, printing, plots, device.

    Call it once, in the first code cell, before importing TensorFlow or
    Keras. It prints one line about the device. The Keras backend is
    TensorFlow, or the one ``$DLBOOK_BACKEND`` names (``jax``, ``torch``);
    on JAX, float64 is enabled so that float64 arrays stay float64.
    """
    backend = configured_backend()
    os.environ.update(_ENV)
    if os.environ.get(ONEDNN_VARIABLE) == "1":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    os.environ["KERAS_BACKEND"] = backend
    if "keras" in sys.modules and backend != sys.modules["keras"].backend.backend():
        raise RuntimeError(
            "Keras was imported before dlbook.setup(), with another backend. "
            "Restart the kernel and run the setup cell first."
        )
    _prepare_backend(backend)

    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)  # Python, numpy and backend seeds
    np.set_printoptions(precision=4, suppress=True, floatmode="maxprec")
    _style_plots()

    gpus = _gpu_names(backend)
    mode = os.environ.get(MODE_VARIABLE, "")
    if mode not in ("", "quick", "full"):
        raise ValueError(f"{MODE_VARIABLE} must be 'quick' or 'full', not {mode!r}")
    quick = mode == "quick" or (mode == "" and not gpus)
    config = Config(backend=backend, gpu=bool(gpus), quick=quick, seed=seed)
    if verbose:
        if gpus:
            print(f"Device: GPU ({gpus[0]}). Labs run their {config.mode} configuration.")
        elif quick:
            print(CPU_HINT)
        else:
            print("Device: CPU, but DLBOOK_MODE=full: labs run their full configuration.")
    return config


GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value, fmt: str | None = None) -> None:
    """Store ``value`` for the prose to show with ``{glue:}`name```.

    The same output format as myst-nb's ``glue(..., display=False)``, written
    here so that notebooks need no myst-nb in Colab. ``fmt`` (for example
    ``".4f"``) formats numbers before they are stored, so the page shows
    exactly what the code computed, rounded once. Returns None, so a cell
    that ends with a glue call shows nothing more.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    shown = format(value, fmt) if fmt else value
    bundle, metadata = format_display_data(shown)
    if fmt or isinstance(shown, str):  # the text itself, not its repr in quotes
        bundle = {"text/plain": shown}
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
