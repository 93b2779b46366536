"""Exercise definitions of the labs, one module per lab (``lab00``, ``lab01``...).

Each module defines its exercise objects (see :mod:`dlbook.exercises`), lists
them in ``EXERCISES = [q1, q2, ...]`` and names its notebook in
``NOTEBOOK = "00_getting_started.ipynb"`` (the file under ``solutions/`` and
``labs/``). The tests discover the modules with :func:`lab_modules`.
"""

from __future__ import annotations

import importlib
import pkgutil


def lab_modules() -> list:
    """Every ``dlbook.labs.labNN`` module, imported, in order."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lab"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
