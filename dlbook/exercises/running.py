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
