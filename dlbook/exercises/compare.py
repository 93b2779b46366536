"""Comparing an answer with the expected value: structured mismatches.

:func:`compare` returns ``None`` when the answer matches, otherwise a
:class:`Mismatch`. Its ``kind`` says *what* differs (one of :data:`KINDS`),
``got`` / ``expected`` / ``where`` hold the details and ``text`` the
explanation in words. The kinds of exercise choose their feedback from
``kind``, never by reading ``text``.

What counts as the same answer (as a teacher would accept it):

* a list, a tuple, a NumPy array and a backend tensor holding the same
  numbers are the same answer;
* an array that differs only by trailing axes of length 1 (shape ``(6, 1)``
  for ``(6,)``) is the same answer, unless ``exact_shape=True``;
* a one-element array or list is a number;
* numbers match within ``atol + rtol * |expected|``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np

#: The kinds of mismatch, and what each means.
KINDS = {
    "none": "the answer is None",
    "text": "the answer is a string where a number or array is expected",
    "bool": "True/False where a number is expected, or the other way round",
    "type": "the answer is not the kind of value expected (a number, a tuple, an array)",
    "length": "a tuple has the wrong number of entries",
    "entry": "one entry of a tuple is not a number, or should be None",
    "unreadable": "the answer cannot be read as an array of numbers",
    "shape": "an array has the wrong shape",
    "dtype": "an array has the wrong dtype",
    "nan": "the answer holds NaN where the expected value does not",
    "value": "the right kind and shape of value, but other numbers",
    # models (dlbook.exercises.model.compare_models)
    "input_shape": "a model takes inputs of another shape",
    "layer_count": "a model has another number of computing layers",
    "layer_type": "a computing layer is of another type",
    "setting": "a layer's setting (units, activation, kernel size...) differs",
    "output_shape": "a model's output has another shape",
    "params": "a model has another number of parameters",
}


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """Why an answer differs from the expected value."""

    kind: str  # a key of KINDS
    got: Any
    expected: Any
    text: str  # the explanation in words, for the student
    where: tuple | None = None  # the index of the first differing entry, if any

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown mismatch kind {self.kind!r}; one of {sorted(KINDS)}")

    def __str__(self) -> str:
        return self.text


# ---- words for values ----------------------------------------------------------

def fmt(value: Any) -> str:
    """Short, stable text for a value in a message."""
    if value is Ellipsis:
        return "..."
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x) or math.isinf(x):
            return str(x)
        return f"{x:.6g}" if x != int(x) or abs(x) >= 1e15 else f"{x:.1f}"
    if hasattr(value, "shape") and hasattr(value, "tolist"):
        shape = tuple(value.shape)
        if len(shape) == 0:
            return fmt(value.item())
        if math.prod(shape) <= 8:
            return "array(" + fmt(value.tolist()) + ")"
        return f"an array of shape {shape}"
    if isinstance(value, tuple):
        inner = ", ".join(fmt(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: Any) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


def sentence(text: str) -> str:
    """End ``text`` with a full stop unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def is_number(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, numbers.Real):
        return True
    return getattr(x, "shape", None) == () and hasattr(x, "item") and is_number(x.item())


# ---- comparing -----------------------------------------------------------------

def _to_numpy(value: Any) -> Any:
    """A backend tensor (TensorFlow, JAX, torch) as a NumPy array; anything else as is."""
    if isinstance(value, np.ndarray) or isinstance(value, (str, bytes)):
        return value
    if callable(getattr(value, "numpy", None)):
        try:
            return value.numpy()
        except Exception:  # noqa: BLE001 - not a tensor after all
            return value
    if hasattr(value, "__array__") and hasattr(value, "shape"):
        try:
            return np.asarray(value)
        except Exception:  # noqa: BLE001
            return value
    return value


def _strip_trailing_ones(shape: tuple) -> tuple:
    shape = tuple(shape)
    while shape and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def compare(got: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 0.0,
            dtype: str | None = None, exact_shape: bool = False,
            what: str = "your answer") -> Mismatch | None:
    """None when ``got`` matches ``expected``; otherwise a :class:`Mismatch`.

    ``expected`` is a bool, a number, a tuple (entry by entry; ``None``
    entries, such as a batch size, must be None too) or an array-like
    (shape, then values). ``dtype`` ("int" or "float") also checks an
    array's dtype; ``exact_shape`` refuses trailing axes of length 1.
    """
    got = _to_numpy(got)

    def miss(kind: str, text: str, where=None) -> Mismatch:
        return Mismatch(kind, got, expected, text, where)

    if got is None:
        return miss("none", f"{what} is None, not a value: did a function forget to "
                            "`return` its result?")
    if isinstance(got, str):
        return miss("text", f"{what} is the text {got!r}, not a number: remove the quotes")
    if isinstance(expected, bool) or isinstance(got, bool):
        if isinstance(expected, bool) and isinstance(got, (bool, np.bool_)):
            return None if bool(got) == expected else miss("value", f"{what} is {got}, not {expected}")
        if isinstance(expected, bool):
            return miss("bool", f"{what} should be True or False, not {type_name(got)}")
        return miss("bool", f"{what} is {got} (a bool), but a number is expected")
    if isinstance(expected, tuple):
        return _compare_tuple(got, expected, atol, rtol, exact_shape, what, miss)
    if is_number(expected):
        return _compare_number(got, expected, atol, rtol, what, miss)
    return _compare_array(got, expected, atol, rtol, dtype, exact_shape, what, miss)


def _compare_tuple(got, expected, atol, rtol, exact_shape, what, miss):
    if hasattr(got, "as_list"):  # a TensorFlow TensorShape
        got = tuple(got.as_list())
    if isinstance(got, np.ndarray):
        if not exact_shape and got.ndim > 1 and _strip_trailing_ones(got.shape) == (len(expected),):
            got = got.reshape(-1)
        got = got.tolist() if got.ndim == 1 else got
    if not isinstance(got, (tuple, list)):
        return miss("type", f"{what} is {fmt(got)}, but a tuple such as {fmt(expected)} is expected")
    got_t = tuple(got)
    if len(got_t) != len(expected):
        n = len(got_t)
        return miss("length", f"{what} {fmt(got_t)} has {n} {'entry' if n == 1 else 'entries'}, "
                              f"but {len(expected)} are expected, like {fmt(expected)}")
    for i, (g, e) in enumerate(zip(got_t, expected)):
        if e is None:
            if g is not None:
                return miss("entry", f"entry {i} of {what} is {fmt(g)}; it should be None "
                                     "(the batch size)", (i,))
            continue
        if not is_number(g):
            return miss("entry", f"entry {i} of {what} is {fmt(g)}, not a number", (i,))
        if not math.isclose(float(g), float(e), rel_tol=rtol, abs_tol=atol):
            return miss("value", f"{what} is {fmt(got_t)}, but the expected value is "
                                 f"{fmt(expected)}", (i,))
    return None


def _compare_number(got, expected, atol, rtol, what, miss):
    value = got
    if isinstance(got, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.size == 1:
            value = arr.reshape(()).item()
    if not is_number(value):
        return miss("type", f"{what} is {fmt(got)} ({type_name(got)}), but a single number "
                            "is expected")
    g, e = float(value), float(expected)
    if math.isnan(g) and not math.isnan(e):
        return miss("nan", f"{what} is NaN (not a number): look for 0/0, log(0) or an overflow")
    if math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
        return None
    return miss("value", f"{what} is {fmt(value)}, which is not the expected value")


def _compare_array(got, expected, atol, rtol, dtype, exact_shape, what, miss):
    exp = np.asarray(_to_numpy(expected))
    try:
        arr = np.asarray(got)
    except Exception:  # noqa: BLE001 - anything that numpy cannot read
        return miss("unreadable", f"{what} ({type_name(got)}) cannot be read as an array")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return miss("unreadable", f"{what} ({type_name(got)}) is not an array of numbers")
    if arr.shape != exp.shape:
        if not exact_shape and _strip_trailing_ones(arr.shape) == _strip_trailing_ones(exp.shape):
            arr = arr.reshape(exp.shape)
        else:
            exactly = " (this exercise asks for exactly that shape)" if exact_shape else ""
            return miss("shape", f"{what} has shape {fmt(tuple(arr.shape))}, but the expected "
                                 f"shape is {fmt(tuple(exp.shape))}{exactly}")
    if dtype == "int" and not np.issubdtype(arr.dtype, np.integer):
        return miss("dtype", f"{what} has dtype {arr.dtype}, but integers are expected")
    if dtype == "float" and not np.issubdtype(arr.dtype, np.floating):
        return miss("dtype", f"{what} has dtype {arr.dtype}, but floating-point numbers are expected")
    got_f, exp_f = arr.astype(float), exp.astype(float)
    if np.isnan(got_f).any() and not np.isnan(exp_f).any():
        return miss("nan", f"{what} contains NaN: look for 0/0, log(0) or an overflow")
    close = np.isclose(got_f, exp_f, rtol=rtol, atol=atol)
    if close.all():
        return None
    bad = int((~close).sum())
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    return miss("value", f"{bad} of {exp.size} entries of {what} differ from the expected "
                         f"values; the first is at index {idx}: {fmt(arr[idx])} instead of "
                         f"{fmt(exp[idx])}", idx)


def matches(got: Any, expected: Any, **options) -> bool:
    """Whether ``got`` matches ``expected`` (never raises)."""
    try:
        return compare(got, expected, **options) is None
    except Exception:  # noqa: BLE001
        return False


def require_callable(answer: Any, name: str) -> None:
    """Raise Incorrect unless ``answer`` is a function (the student passed a value or a call)."""
    from dlbook.exercises.core import Incorrect

    if not callable(answer):
        raise Incorrect(f"expected a function, but you passed {fmt(answer)} "
                        f"({type_name(answer)}). Pass the function itself, {name}, "
                        "without calling it.")
