"""Read the package's YAML data and validate it against its JSON Schema.

The schemas live in ``dlbook/data/schema/*.schema.json`` and are checked with
the ``jsonschema`` library; the few rules a schema cannot say (unique ids
across files, a file's name matching its content) are checked by the code
that loads each kind of data (:mod:`dlbook.notes`, ``tools/make_pages.py``).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # pragma: no cover
    import jsonschema

DATA_DIR = Path(__file__).parent / "data"
SCHEMA_DIR = DATA_DIR / "schema"


class DataError(ValueError):
    """A data file of the book is malformed."""


def _jsonschema():
    """``import jsonschema``, without the 3 s it can cost a notebook.

    jsonschema registers format checkers for every optional package it
    finds. One of them, ``rfc3987_syntax`` (installed with Jupyter's
    server-side packages), builds a grammar at import time that takes about
    three seconds. Our schemas use no ``format``, so the import is blocked
    for the time of jsonschema's own import and then allowed again.
    """
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # an ImportError, which jsonschema tolerates
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


@functools.lru_cache(maxsize=None)
def validator(name: str) -> "jsonschema.protocols.Validator":
    """The validator of ``schema/<name>.schema.json``."""
    jsonschema = _jsonschema()
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def load_yaml(path: Path, error: type[DataError] = DataError) -> Any:
    """The YAML document in ``path``; a syntax error becomes ``error``."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise error(f"{_name(path)}: not valid YAML: {err}") from None


def _name(path: Path) -> str:
    path = Path(path)
    try:
        return path.relative_to(DATA_DIR).as_posix()
    except ValueError:  # a file elsewhere (the tests'): its folder and name
        return f"{path.parent.name}/{path.name}" if path.parent.name.startswith("unit") else path.name


def _where(path: Any, instance: Any, label, within: str | None = None) -> str:
    """'claim 'x.y', decimals' from a jsonschema error path; with ``within``, the
    labelled items are the list at that key (``questions``), not the top level."""
    parts = list(path)
    out = []
    if within is not None and parts[:1] == [within] and len(parts) > 1:
        parts.pop(0)
    if parts and label is not None and isinstance(parts[0], int):
        out.append(label(instance, parts.pop(0)))
    if parts:
        out.append(".".join(str(p) for p in parts))
    return ", ".join(out)


def describe(err: "jsonschema.ValidationError") -> str:
    """One clear sentence for a schema violation."""
    custom = err.schema.get("x-message") if isinstance(err.schema, dict) else None
    if custom:
        return f"{err.instance!r} {custom}" if err.validator == "pattern" else custom
    message = err.message
    if (err.validator == "type" and "string" in err.validator_value
            and isinstance(err.instance, (int, float)) and not isinstance(err.instance, bool)):
        message += ' (quote it in YAML, e.g. source: "000")'
    if err.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown field")
    return message


def check(instance: Any, schema: str, path: Path, error: type[DataError] = DataError,
          label=None, within: str | None = None) -> None:
    """Raise ``error`` listing every way ``instance`` breaks ``schema``.

    ``label(instance, index)`` names the item at a list index (a claim by its id)
    in the message: of the top-level list, or of the list at key ``within``.
    """
    errors = list(validator(schema).iter_errors(instance))
    if errors:
        lines = []
        for err in errors:
            where = _where(err.path, instance, label, within)
            lines.append(f"{_name(path)}: {where + ': ' if where else ''}{describe(err)}")
        raise error("\n".join(lines))


#: A unit's folder of data files: unit00, unit01, ...
UNIT_DIR = re.compile(r"^unit(\d{2})$")


def unit_file_name(path: Path) -> str:
    """'unit01/mca.yaml': how errors name a file of a unit's folder."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if UNIT_DIR.match(path.parent.name) else path.name


def unit_files(directory: Path, what: str, example: str) -> tuple[list[Path], list[str]]:
    """The YAML files of ``directory``'s unit folders, and one error for each YAML file
    that sits outside them (``what``: "a quiz file"; ``example``: a right place)."""
    directory = Path(directory)
    stray = [f"{unit_file_name(p)}: {what} sits in a folder unitNN, e.g. {example}"
             for p in sorted(directory.glob("*.yaml"))]
    return sorted(directory.glob("*/*.yaml")), stray
