"""Exercise definitions of the labs, one module per lab (``lab00``, ``lab01``...).

Each module defines its exercise objects (see :mod:`dlbook.exercises`), lists
them in ``EXERCISES = [q1, q2, ...]`` and names its notebook in
``NOTEBOOK = "00_getting_started.ipynb"`` (the file under ``solutions/`` and
``labs/``). The tests discover the modules with :func:`lab_modules`.

A lab written by several authors may keep some exercises in a part module,
``labNN_<part>.py`` (``lab04_text``), with the same ``NOTEBOOK``: once
``labNN.py`` exists it re-exports the part's exercises in its own
``EXERCISES``, and the part stops counting as a lab of its own.
"""

from __future__ import annotations

import importlib
import pkgutil
import re


def lab_modules() -> list:
    """Every ``dlbook.labs.labNN`` module, imported, in order."""
    names = {m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lab")}
    parts = {n for n in names if (m := re.fullmatch(r"(lab\d+[a-z]?)_\w+", n)) and m[1] in names}
    names = sorted(names - parts)
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
