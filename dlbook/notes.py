"""The notes registry: every number the book takes from the lecture notes.

Each claim lives in ``dlbook/data/claims/<source>.yaml`` with a stable id,
where it stands in the notes, the value the notes print and how they round
it, and a verdict: ``matches`` or ``erratum`` (with the correct value and a
one-sentence explanation). A chapter computes the quantity and calls::

    notes.compare("vesit.neuron.binary-sigmoid", y)

which prints one short, stable line for nbval and raises
:class:`ClaimMismatch` when the computation and the registry disagree.

Two tiers (for the worked examples that round as they go):

* ``pipeline=``: the notes' own rounded chain, recomputed. It must give the
  printed value exactly, at the notes' rounding.
* the first argument: the full-precision value. A ``matches`` claim must
  round to the printed value or, where the claim has a ``tolerance``, lie
  within it. An ``erratum`` claim must round to its ``correct`` value.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path
from typing import Any, Iterable

import yaml

CLAIMS_DIR = Path(__file__).parent / "data" / "claims"

SOURCES = {
    "000": "VESIT AIDS-2 Module 4 notes",
    "002": "Q&A study notes",
    "003": "MCA 402B notes",
    "004": "R20A6610 notes",
}

VERDICTS = ("matches", "erratum")
REQUIRED = ("id", "source", "lines", "unit", "quantity", "notes_value", "verdict")


class ClaimMismatch(AssertionError):
    """The computed value and the registry disagree."""


class RegistryError(ValueError):
    """A claim in the registry is malformed."""


@dataclasses.dataclass(frozen=True)
class Claim:
    id: str
    source: str
    lines: str
    unit: int
    quantity: str
    notes_value: Any
    verdict: str
    decimals: int | None = None  # how the notes round; None: exact value
    tolerance: float | None = None  # full-precision tier for 'matches'
    correct: Any = None  # erratum only: the right value
    correct_decimals: int | None = None  # how `correct` is rounded
    explanation: str = ""  # erratum only: one sentence
    section: str = ""  # the book section that discusses it

    @property
    def notes_name(self) -> str:
        return SOURCES[self.source]

    @property
    def is_erratum(self) -> bool:
        return self.verdict == "erratum"


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check(raw: Any, path: Path) -> Claim:
    if not isinstance(raw, dict):
        raise RegistryError(f"{path.name}: every claim must be a mapping, got {raw!r}")
    where = f"{path.name}: claim {raw.get('id', '?')!r}"
    missing = [k for k in REQUIRED if k not in raw or raw[k] is None]
    if missing:
        raise RegistryError(f"{where} lacks {', '.join(missing)}")
    unknown = set(raw) - {f.name for f in dataclasses.fields(Claim)}
    if unknown:
        raise RegistryError(f"{where} has unknown fields {sorted(unknown)}")
    if not isinstance(raw["id"], str) or not raw["id"].strip() or " " in raw["id"]:
        raise RegistryError(f"{where}: id must be a non-empty string without spaces")
    if raw["source"] not in SOURCES:
        hint = " (quote it: source: \"000\")" if _is_int(raw["source"]) else ""
        raise RegistryError(f"{where}: source must be one of {sorted(SOURCES)}{hint}")
    prefix = path.name.split("-", 1)[0]
    if prefix in SOURCES and prefix != raw["source"]:
        raise RegistryError(f"{where}: source {raw['source']!r} in the file for {prefix!r}")
    if raw["verdict"] not in VERDICTS:
        raise RegistryError(f"{where}: verdict must be one of {VERDICTS}")
    if not _is_int(raw["unit"]):
        raise RegistryError(f"{where}: unit must be a whole number")
    for key in ("decimals", "correct_decimals"):
        if raw.get(key) is not None and not (_is_int(raw[key]) and raw[key] >= 0):
            raise RegistryError(f"{where}: {key} must be a whole number >= 0")
    tol = raw.get("tolerance")
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0):
        raise RegistryError(f"{where}: tolerance must be a number >= 0")
    if raw["verdict"] == "erratum":
        if raw.get("correct") is None or not str(raw.get("explanation") or "").strip():
            raise RegistryError(f"{where}: an erratum needs 'correct' and 'explanation'")
        if tol is not None:
            raise RegistryError(
                f"{where}: an erratum is checked at correct_decimals; drop 'tolerance'"
            )
    else:
        for key in ("correct", "correct_decimals"):
            if raw.get(key) is not None:
                raise RegistryError(f"{where}: only an erratum has {key!r}")
    section = raw.get("section", "")
    if section and (not isinstance(section, str) or section.endswith((".ipynb", ".md"))):
        raise RegistryError(
            f"{where}: section is a book path without extension, e.g. chapters/01_neural_networks"
        )
    return Claim(**raw)


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, Claim]:
    """All claims, by id, read from the package's YAML files."""
    claims: dict[str, Claim] = {}
    for path in sorted(CLAIMS_DIR.glob("*.yaml")):
        try:
            records = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as err:
            raise RegistryError(f"{path.name}: not valid YAML: {err}") from None
        if not isinstance(records, list):
            raise RegistryError(f"{path.name}: must hold a list of claims")
        for raw in records:
            claim = _check(raw, path)
            if claim.id in claims:
                raise RegistryError(f"{path.name}: duplicate claim id {claim.id!r}")
            claims[claim.id] = claim
    return claims


def claim(claim_id: str) -> Claim:
    try:
        return registry()[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r} in the notes registry") from None


# ---- comparing -----------------------------------------------------------

def _leaves(value: Any) -> list:
    """Flatten numbers, sequences and numpy arrays into a list of leaves."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _round(x: Any, decimals: int | None) -> Any:
    if isinstance(x, (bool, str)) or decimals is None:
        return x
    return round(float(x), decimals)


def _same(computed: Any, expected: Any, decimals: int | None) -> bool:
    got, want = _leaves(computed), _leaves(expected)
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if isinstance(w, str) or isinstance(g, str):
            if str(g) != str(w):
                return False
        elif not math.isclose(_round(g, decimals), float(w), rel_tol=0, abs_tol=1e-12):
            return False
    return True


def _within(computed: Any, expected: Any, tolerance: float) -> bool:
    got, want = _leaves(computed), _leaves(expected)
    return len(got) == len(want) and all(
        abs(float(g) - float(w)) <= tolerance for g, w in zip(got, want)
    )


def _show(value: Any, decimals: int | None) -> str:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_show(v, decimals) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, float) or (decimals is not None and not isinstance(value, (str, bool))):
        if decimals is None:
            return f"{float(value):.6g}"
        return f"{float(value):.{decimals}f}"
    return str(value)


@dataclasses.dataclass(frozen=True)
class Comparison:
    claim: Claim
    computed: Any
    pipeline: Any = None

    @property
    def line(self) -> str:
        c = self.claim
        d = c.correct_decimals if c.is_erratum and c.correct_decimals is not None else c.decimals
        if c.decimals is not None and c.tolerance is not None:
            d = max(d or 0, c.decimals + 1)  # show the drift the tolerance allows
        parts = [f"notes {_show(c.notes_value, c.decimals)}"]
        if self.pipeline is not None:
            parts.append(f"notes' rounding {_show(self.pipeline, c.decimals)}")
        parts.append(f"computed {_show(self.computed, d)}")
        verdict = (
            f"ERRATUM, correct {_show(c.correct, c.correct_decimals)}"
            if c.is_erratum
            else "matches"
        )
        return f"{c.id}: {', '.join(parts)} -> {verdict}"

    def __repr__(self) -> str:  # shown when a comparison ends a cell
        return self.line


def _verify(c: Claim, computed: Any, pipeline: Any) -> None:
    def fail(why: str) -> None:
        raise ClaimMismatch(f"{c.id} ({c.notes_name}, lines {c.lines}): {why}")

    if pipeline is not None and not _same(pipeline, c.notes_value, c.decimals):
        fail(
            f"the notes' rounded chain gives {_show(pipeline, c.decimals)}, "
            f"but the notes print {_show(c.notes_value, c.decimals)}"
        )
    if c.is_erratum:
        if not _same(computed, c.correct, c.correct_decimals):
            fail(
                f"computed {_show(computed, c.correct_decimals)}, but the registry "
                f"records the correct value {_show(c.correct, c.correct_decimals)}"
            )
        if _same(computed, c.notes_value, c.decimals):
            fail(
                "recorded as an erratum, yet the computed value agrees with the "
                "notes: re-examine the claim"
            )
        return
    ok = (
        _within(computed, c.notes_value, c.tolerance)
        if c.tolerance is not None
        else _same(computed, c.notes_value, c.decimals)
    )
    if not ok:
        how = f"within {c.tolerance:g}" if c.tolerance is not None else "at the notes' rounding"
        shown = _show(computed, None if c.decimals is None else c.decimals + 2)
        fail(
            f"computed {shown}, "
            f"which does not match the notes' {_show(c.notes_value, c.decimals)} {how}"
        )


def evaluate(claim_id: str, computed: Any, *, pipeline: Any = None) -> Comparison:
    """Compare without printing; return the :class:`Comparison`.

    Raises :class:`ClaimMismatch` if the value and the registry disagree.
    """
    c = claim(claim_id)
    _verify(c, computed, pipeline)
    return Comparison(c, computed, pipeline)


def compare(claim_id: str, computed: Any, *, pipeline: Any = None) -> None:
    """Compare a computed value with a registry claim and print one line.

    Returns nothing, so a notebook cell shows the line once. Raises
    :class:`ClaimMismatch` if they disagree (see the module help).
    """
    print(evaluate(claim_id, computed, pipeline=pipeline).line)


def compare_all(values: dict[str, Any], pipeline: dict[str, Any] | None = None) -> None:
    """Compare many claims at once; prints one line each, raises on the first mismatch."""
    pipeline = pipeline or {}
    for k, v in values.items():
        compare(k, v, pipeline=pipeline.get(k))


def claims_for(unit: int | None = None, source: str | None = None) -> Iterable[Claim]:
    for c in registry().values():
        if (unit is None or c.unit == unit) and (source is None or c.source == source):
            yield c
