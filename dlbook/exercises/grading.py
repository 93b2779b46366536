"""How the graded (nbgrader) copies of the labs grade: a fresh checker, hidden cases, one line.

``tools/export_nbgrader.py`` writes every autograded test cell as::

    # Exercise 4 (2 points): The parameters of a convolutional layer
    import importlib, dlbook.exercises.grading
    importlib.reload(dlbook.exercises.grading).check("lab03", "q4", "conv_params")

A student's answer cells run in the same kernel as these cells, and could change
the checker that the notebook imported (``Exercise.evaluate = ...``) or the
exercise objects (``q4 = ...``). So :func:`check`, unlike ``q4.check(...)``:

* **grades with a fresh copy of the checker.** It imports the lab module, and
  every ``dlbook`` module it uses, anew from their files, without touching the
  notebook's copies in ``sys.modules``, and takes the exercise from there. An
  exercise that the notebook makes from its own run (``q5 =
  confusion_exercise(cm)``) is made again by the fresh module's function, from
  the notebook's data: ``check(..., make="confusion_exercise(cm)")``. Nothing the
  notebook did to its ``q4``, or to any part of the checker it imported, changes
  the grade. (The reload above restores this module itself.)
* **flags tampering.** A function or method of the book's package, of NumPy or
  of Keras that was written in the notebook, or a ``qN`` that is no longer the
  lab's exercise, fails every check after it with "Flagged: ...", naming what
  was changed (instructors: search the autograded notebooks for "Flagged").
* **runs hidden cases** (``hidden=seed``): a function exercise is also run on
  cases of the grader's own, drawn from a seed that only the instructors' copy
  holds (nbgrader strips it from the students' copy).
* **shows one line**: "Correct: ..." or, raised as :class:`CheckFailed` so that
  nbgrader scores the cell 0, "Incorrect: ...", "Not attempted: ..." or
  "Flagged: ...", without a traceback.

A student who rewrites Python's import machinery itself is beyond what a check
running in the student's own kernel can stop; the solutions are public anyway,
so treat autograded labs as formative unless the work is supervised.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import site
import sys
import sysconfig
import types
from pathlib import Path
from typing import Any, Iterator

_PACKAGE = "dlbook"
_ROOT = str(Path(__file__).resolve().parents[1])  # .../dlbook


def _library_dirs() -> tuple[str, ...]:
    """Where the book's and the libraries' code lives: code anywhere else (a notebook
    cell's file, a module the student wrote) was written for this notebook."""
    dirs = {_ROOT, *(p for k, p in sysconfig.get_paths().items()
                     if k in ("stdlib", "platstdlib", "purelib", "platlib") and p)}
    with contextlib.suppress(AttributeError):  # virtualenv's old site module has none
        dirs.update(site.getsitepackages())
    dirs.add(site.getusersitepackages())
    dirs.update(p for p in sys.path if p.rstrip("/").endswith(("site-packages",
                                                                "dist-packages")))
    resolved = set()
    for d in dirs:
        with contextlib.suppress(OSError, ValueError):
            resolved.add(str(Path(d).resolve()))
    return tuple(sorted(resolved))


# The library modules whose functions and classes a notebook could replace to pass a
# check (those imported are looked at).
_WATCHED = ("builtins", "importlib", "math", "numpy", "numpy.linalg", "keras", "keras.ops",
            "keras.layers", "keras.models", "keras.losses", "keras.metrics",
            "keras.optimizers", "keras.callbacks", "keras.utils")
_CLASS_OWNERS = (_PACKAGE, "keras", "numpy")


# ---- the fresh copy ------------------------------------------------------------------


def _fresh_names() -> list[str]:
    """The modules imported anew: every submodule of the book's package but the setup
    module (which prepared the kernel once); the package root only holds setup()."""
    return [n for n in sys.modules
            if n.startswith(_PACKAGE + ".") and n != f"{_PACKAGE}._setup"]


@contextlib.contextmanager
def _isolated() -> Iterator[dict]:
    """Modules imported inside the block are new; the dict it yields gets them at the
    end, and ``sys.modules`` and the package's attributes are the notebook's again."""
    saved = {n: sys.modules[n] for n in _fresh_names()}
    root = sys.modules.get(_PACKAGE)
    root_attrs = dict(vars(root)) if root is not None else {}
    fresh: dict[str, types.ModuleType] = {}
    for name in saved:
        del sys.modules[name]
    try:
        yield fresh
    finally:
        for name in _fresh_names():
            fresh[name] = sys.modules.pop(name)
        sys.modules.update(saved)
        if root is not None:
            for key in set(vars(root)) - set(root_attrs):
                delattr(root, key)
            for key, value in root_attrs.items():
                if isinstance(value, types.ModuleType):
                    setattr(root, key, value)


def fresh_lab(lab: str) -> tuple[types.ModuleType, types.ModuleType]:
    """``dlbook.labs.<lab>`` imported anew from its file, and the fresh
    ``dlbook.exercises.core`` that it grades with."""
    with _isolated() as fresh:
        module = importlib.import_module(f"{_PACKAGE}.labs.{lab}")
    return module, fresh[f"{_PACKAGE}.exercises.core"]


def _made(module: types.ModuleType, make: str, namespace: dict) -> Any:
    """The exercise that ``make`` ("confusion_exercise(cm)") makes: the function of the
    fresh lab module, called on the notebook's values."""
    call = ast.parse(make, mode="eval").body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        raise ValueError(f"make must call one of the lab's functions, not {make!r}")
    func = getattr(module, call.func.id)
    values = ast.Tuple(elts=[
        ast.Tuple(elts=list(call.args), ctx=ast.Load()),
        ast.Dict(keys=[ast.Constant(k.arg) for k in call.keywords],
                 values=[k.value for k in call.keywords])], ctx=ast.Load())
    code = compile(ast.fix_missing_locations(ast.Expression(values)), "<make>", "eval")
    args, kwargs = eval(code, dict(namespace))  # noqa: S307 - the export's own call
    return func(*args, **kwargs)


# ---- tampering ---------------------------------------------------------------------------


def _written_here(obj: Any, libraries: tuple[str, ...]) -> bool:
    """Whether ``obj`` is a function (a method, a property) whose code was written for
    this notebook rather than in the book's package or a library."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    elif isinstance(obj, property):
        obj = obj.fget
    code = getattr(obj, "__code__", None)
    if not isinstance(code, types.CodeType):
        return False
    path = code.co_filename
    if path.startswith("<"):
        # Compiled from a string: by a library (a dataclass's __init__, a namedtuple's
        # __new__, whose globals name their module), or by the notebook, whose globals
        # are __main__'s (or a dict without a name).
        module = (getattr(obj, "__globals__", None) or {}).get("__name__")
        return module in (None, "__main__")
    try:
        resolved = str(Path(path).resolve())
    except (OSError, ValueError):
        return True
    return not resolved.startswith(libraries)


def tampering(lab: str, namespace: dict, names: list[str]) -> list[str]:
    """What the notebook changed in the checker or its libraries, in words ([]: nothing).

    A function of the book's package, NumPy or Keras (or a method of their classes)
    written in the notebook; an exercise ``qN`` of ``names`` that is neither the lab's
    object nor one of its class (an exercise the notebook makes), or that carries a
    method of the notebook's own.
    """
    libraries = _library_dirs()
    found, seen = [], set()
    for name in sorted(sys.modules):
        module = sys.modules[name]
        if not isinstance(module, types.ModuleType) or not (
                name.startswith(_PACKAGE) or name in _WATCHED):
            continue
        for attr, value in list(vars(module).items()):
            if _written_here(value, libraries):
                found.append(f"{name}.{attr}")
            elif (isinstance(value, type) and id(value) not in seen
                  and (value.__module__ or "").startswith(_CLASS_OWNERS)):
                seen.add(id(value))
                found += [f"{value.__module__}.{value.__qualname__}.{member}"
                          for member, method in list(vars(value).items())
                          if _written_here(method, libraries)]
    labs = sys.modules.get(f"{_PACKAGE}.labs.{lab}")
    for q in names:
        obj, own = namespace.get(q), getattr(labs, q, None)
        if obj is None or obj is own:
            continue
        if own is None or type(obj) is not type(own):
            found.append(f"{q}, which is not the lab's exercise any more")
        else:
            found += [f"{q}.{attr}" for attr, value in vars(obj).items()
                      if _written_here(value, libraries)]
    return found


# ---- the check -----------------------------------------------------------------------------


def check(lab: str, name: str, answer: str, *, make: str | None = None,
          hidden: int | None = None) -> None:
    """Grade the notebook's variable ``answer`` (its name) as the answer to exercise
    ``name`` of ``dlbook.labs.<lab>``, with a fresh copy of the checker: show
    "Correct: ...", or raise CheckFailed (nbgrader scores the cell 0).

    ``make`` is the call that makes the exercise from the notebook's data (see the
    module docstring), ``hidden`` the seed of the hidden cases. The notebook's names
    are the calling cell's globals.
    """
    namespace = sys._getframe(1).f_globals
    module, core = fresh_lab(lab)
    if answer not in namespace:
        raise core.CheckFailed(core.LABELS[core.BLANK], f"the notebook has no {answer}: run "
                                                        "the cell that defines it, and keep "
                                                        "its name.")
    names = [q.name for q in getattr(module, "EXERCISES", [])]
    changed = tampering(lab, namespace, names if name in names else [*names, name])
    if changed:
        listed = "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more"
                                            if len(changed) > 3 else "")
        raise core.CheckFailed("Flagged", f"{name} scores 0 because this notebook changed "
                                          f"the checker or a library it relies on: {listed}. "
                                          "Your teacher will look at it.")
    exercise = _made(module, make, namespace) if make else getattr(module, name)
    result = exercise.evaluate(namespace[answer])
    variant = exercise.hidden_variant(hidden) if result.correct and hidden is not None else None
    if variant is not None:
        more = variant.evaluate(namespace[answer])
        if more.correct:
            result.message = f"{result.message} {more.message}"
        else:
            result = core.Result(more.status, "right on the notebook's cases, but not on the "
                                              f"grader's hidden ones: {more.message}", name)
    if not result.correct:
        raise core.CheckFailed(result.label, result.message)
    core.show(result.status, result.message)
