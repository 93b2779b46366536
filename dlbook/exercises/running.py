"""Running a student's function on the checker's cases.

What the kinds of exercise that run a function share: the function gets copies
of a case's inputs (one that writes into them cannot change the case, and
:func:`changed_argument` says which one it wrote into), and a recorded slip's
message is given only when the answer gives the slip's result on every case
(:func:`slip_on_every_case`), never for one case that happens to agree.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from dlbook.exercises.core import STUDENT_ERRORS

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def copies(args: tuple, kwargs: dict | None = None, *, dtype: Any = None) -> tuple[tuple, dict]:
    """Deep copies of a call's arguments, ``(args, kwargs)``; with ``dtype``, each
    array argument is also made an array of that type."""
    if dtype is not None:
        args = tuple(np.asarray(a, dtype=dtype) if isinstance(a, np.ndarray) else a
                     for a in args)
    return copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs or {}))


def _same_entries(before: np.ndarray, after: Any, tol: float) -> bool:
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return False
    try:
        if tol:
            return bool(np.allclose(before, after, rtol=tol, atol=tol, equal_nan=True))
        return bool(np.array_equal(before, after, equal_nan=True))
    except TypeError:  # not numbers
        return bool(np.array_equal(before, after))


def changed_argument(before: Sequence, after: Sequence, names: Sequence[str] = ORDINALS, *,
                     tol: float = 0.0) -> str | None:
    """The name of the first array argument in ``before`` whose copy in ``after`` the
    call changed (its entries, to within ``tol``, or its shape), or None.

    ``names`` are the arguments' names by position: "first", "second", ... unless given.
    """
    for i, (b, a) in enumerate(zip(before, after)):
        if isinstance(b, np.ndarray) and not _same_entries(b, a, tol):
            return names[i] if i < len(names) else f"number {i + 1}"
    return None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings, NumPy's included: a NaN or inf result gets its own message."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def call_on_copies(func: Callable, args: tuple, kwargs: dict | None = None) -> Any:
    """``func(*args, **kwargs)`` on copies of the arguments, with no warnings."""
    args, kwargs = copies(args, kwargs)
    with quiet():
        return func(*args, **kwargs)


def slip_on_every_case(answer: Callable[[Any], Any], slip: Callable[[Any], Any],
                       cases: Iterable, same: Callable[[Any, Any, Any], bool], *,
                       answers: dict | None = None,
                       errors: type | tuple = STUDENT_ERRORS) -> bool:
    """Whether the answer gives what a recorded slip gives on every case.

    ``answer(case)`` and ``slip(case)`` are their results on one case, and
    ``same(case, got, want)`` says whether two results are the same answer. An
    error of ``errors`` from either means no (the slip does not apply there).
    ``answers`` caches the answer's results by ``id(case)``: those already in it
    are not computed again, and the new ones are added.
    """
    answers = {} if answers is None else answers
    for case in cases:
        try:
            if id(case) not in answers:
                answers[id(case)] = answer(case)
            got, want = answers[id(case)], slip(case)
        except errors:
            return False
        if not same(case, got, want):
            return False
    return True


def redrawn(value: Any, rng: np.random.Generator) -> Any:
    """``value`` with its numbers drawn anew, for a hidden case like a public one.

    An array keeps its shape and dtype: one of whole numbers gets whole numbers from
    its own range (0/1 labels stay 0/1; a constant one, such as a zero state, gets
    -1, 0 or 1 around it), any other one numbers uniform in its range. A float is
    scaled by 0.8 to 1.2 (0 becomes a number in [-1, 1]). Integers (sizes, counts,
    steps), booleans, strings, functions and models are kept; tuples, lists and dicts
    are redrawn item by item.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.size:
        lo, hi = float(np.min(value)), float(np.max(value))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return value.copy()
        if value.dtype.kind in "iu" or np.all(value == np.round(value)):
            if lo == hi:
                lo, hi = lo - 1, hi + 1
            return rng.integers(int(lo), int(hi) + 1, size=value.shape).astype(value.dtype)
        return rng.uniform(lo, hi, size=value.shape).astype(value.dtype)
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (int, np.integer)):
        return value
    if isinstance(value, (float, np.floating)):
        return type(value)(value * rng.uniform(0.8, 1.2) if value else rng.uniform(-1, 1))
    if isinstance(value, tuple):
        return tuple(redrawn(v, rng) for v in value)
    if isinstance(value, list):
        return [redrawn(v, rng) for v in value]
    if isinstance(value, dict):
        return {k: redrawn(v, rng) for k, v in value.items()}
    return value


def all_finite(value: Any) -> bool:
    """Whether every number in ``value`` (a number, an array, or a tuple of them) is finite;
    a hidden case whose reference result is not is drawn again."""
    if isinstance(value, (tuple, list)) and not np.isscalar(value):
        try:
            return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
        except (TypeError, ValueError):  # ragged: item by item
            return all(all_finite(v) for v in value)
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True  # not numbers: nothing to check


def draw_cases(n: int, one: Callable[[int], Any]) -> list:
    """``n`` hidden cases, ``one(k)`` drawing the k-th try (None: rejected, say a draw
    outside the reference's domain); at most 100 tries a case."""
    cases: list = []
    for attempt in range(100 * n):
        if len(cases) == n:
            break
        case = one(attempt)
        if case is not None:
            cases.append(case)
    return cases
