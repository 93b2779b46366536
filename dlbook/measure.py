"""Printing numbers that differ from machine to machine, so that the line does not.

Every stored line of a notebook must read the same on any x86-64 processor,
under any BLAS kernel and on Colab's versions: nbval compares each one. Two
kinds of number do not hold to the last digit, and each has one way to print:

* **Round-off.** Two computations that agree in exact arithmetic (a NumPy
  forward pass and Keras's, an inverse times its matrix) differ by a few units
  in the last place, and which few depends on the BLAS kernel and the
  instruction set. Print the claim, a bound, with :func:`below`:
  ``largest gap to Keras: below 1e-6``. A value above its bound is a bug, so
  ``below`` then raises.
* **A trained model's result** (an accuracy, a loss). Training sums millions of
  rounded products; a different order of those sums moves the weights, and the
  last digits of the result move with them. Print it with :func:`measured`,
  which shows this run's value as ``≈0.961`` beside the range the book's runs
  give (``0.97 ± 0.02``). Inside a sentence, for example an exercise's
  feedback, :func:`approx` writes the ``≈`` value alone.

How the tests hold them: nbval replaces whatever follows ``≈`` by a
placeholder (the ``measured-value`` rule of ``tests/nbval_sanitize.cfg``) and
compares the rest of the line, including the range. ``measured`` writes a
different sentence when the value falls outside its range, so a test still
fails when a result moves beyond its tolerance, on the stacks whose outputs
are compared. Nothing else in a notebook may print ``≈`` before a number
(``tests/test_measure.py`` checks the committed notebooks).
"""

from __future__ import annotations

import json
import math
import os

__all__ = ["APPROX", "approx", "below", "clean", "measured", "sci"]

APPROX = "\u2248"  # ≈, the mark of a machine-dependent value (nbval masks what follows)
LOG_VARIABLE = "DLBOOK_MEASURE_LOG"


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {value!r} ({type(value).__name__})") from None


def no_negative_zero(text: str) -> str:
    """``text`` without a minus sign in front of a zero (``-0.000`` -> ``0.000``)."""
    if text.startswith("-") and not any(ch in "123456789" for ch in text.split("e")[0]):
        return text[1:]
    return text


def _short(text: str) -> str:
    """``0.020`` -> ``0.02``: a tolerance without trailing zeros."""
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def sci(value: float) -> str:
    """A bound in short scientific notation: ``1e-6``, ``5e-3``, ``0.1`` stays ``1e-1``."""
    mantissa, exponent = f"{_number(value):.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def approx(value, fmt: str = ".3f") -> str:
    """``≈`` and ``value`` formatted with ``fmt``: a number that varies by machine.

    Use it where such a number sits inside a sentence (a checker's feedback);
    for a line of its own with the book's range, use :func:`measured`.
    """
    return APPROX + no_negative_zero(format(_number(value), fmt))


def _log(**record) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if path:
        record["cwd"] = os.getcwd()
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def below(label: str, value, bound: float) -> None:
    """Print ``label: below <bound>`` for a round-off error, or raise if it is not.

    ``value`` is the size of a difference that is zero in exact arithmetic
    (``np.abs(a - b).max()``). Its digits depend on the machine; the bound
    does not, and it is the claim: float64 agrees to about 1e-12, float32 to
    about 1e-6. A NaN, or a value at or above ``bound``, raises an
    AssertionError that says how large it is.
    """
    size = _number(value)
    bound = _number(bound)
    if not (bound > 0 and math.isfinite(bound)):
        raise ValueError(f"the bound must be a positive number, not {bound!r}")
    if not size < bound:  # also catches NaN
        raise AssertionError(f"{label}: {size:.1e}, not below {sci(bound)}")
    print(f"{label}: below {sci(bound)}")


def measured(label: str, value, expect: float | None, tol: float, fmt: str = ".3f", *,
             glue: str | None = None) -> None:
    """Print a trained model's result beside the range the book's runs give.

    ``label ≈0.961 (the book's runs: 0.97 ± 0.02)`` when ``value`` lies within
    ``expect ± tol``; otherwise a sentence saying that it does not, which
    differs from the stored line, so nbval fails. ``expect`` and ``tol`` are
    the book's: the centre and half-width of the values measured on several
    processors, BLAS kernels and Colab's versions, plus a margin.

    ``glue`` names a :func:`dlbook.glue` record of the range (``0.97 ± 0.02``)
    for the prose: a sentence quotes what every machine gives, not this run.
    With ``$DLBOOK_MEASURE_LOG`` set to a file, each call appends one JSON line
    (label, value, expect, tol) to it: ``tools.calibrate`` reads them to
    choose a range from runs on several stacks.
    """
    size = _number(value)
    if expect is None:  # a configuration the book's runs do not cover (a lab's full mode)
        _log(label=label, value=size, expect=None, tol=None)
        print(f"{label} {approx(size, fmt)}")
        return
    expect, tol = _number(expect), _number(tol)
    if not tol > 0:
        raise ValueError(f"the tolerance must be positive, not {tol!r}")
    band = f"{_short(no_negative_zero(format(expect, fmt)))} \u00b1 {_short(format(tol, fmt))}"
    _log(label=label, value=size, expect=expect, tol=tol)
    if glue:
        from dlbook._setup import glue as store

        store(glue, band)
    if abs(size - expect) <= tol * (1 + 1e-9):  # the edges are inside, whatever the rounding
        print(f"{label} {approx(size, fmt)} (the book's runs: {band})")
    else:
        print(f"{label} {approx(size, fmt)}, OUTSIDE the book's runs, {band}: "
              "a change to the code or the data, or a stack the book does not test")


def clean(array, decimals: int = 12):
    """``array`` rounded to ``decimals`` places with no negative zeros, for printing.

    ``inv(A) @ A`` is the identity up to round-off; rounded, it prints
    ``[[1. 0.] [0. 1.]]`` on every machine instead of ``-0.`` on some.
    """
    import numpy as np

    return np.round(np.asarray(array, dtype=float), decimals) + 0.0
