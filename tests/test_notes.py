"""The notes registry (dlbook.notes): comparisons, validation, and coverage.

Fast: no notebook is executed. The last tests read the *stored* outputs of
chapters/ and solutions/ to check that every claim is compared by a notebook.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlbook import notes  # noqa: E402

# ---- a private registry for the unit tests -----------------------------------

CLAIMS = """
- id: t.match
  source: "000"
  lines: "10-12"
  unit: 1
  quantity: a value the notes print to two decimals
  notes_value: 0.53
  decimals: 2
  verdict: matches
  section: chapters/01_neural_networks

- id: t.erratum
  source: "000"
  lines: "20"
  unit: 1
  quantity: a value the notes get wrong
  notes_value: 0.625
  decimals: 3
  verdict: erratum
  correct: 0.6295
  correct_decimals: 4
  explanation: The notes slipped; the sigmoid of 0.53 is 0.6295.
  section: chapters/01_neural_networks

- id: t.stale
  source: "000"
  lines: "30"
  unit: 1
  quantity: an erratum that is no erratum at the notes' rounding
  notes_value: 0.63
  decimals: 2
  verdict: erratum
  correct: 0.6295
  correct_decimals: 4
  explanation: Recorded as wrong, but 0.6295 rounds to the printed 0.63.
  section: chapters/01_neural_networks

- id: t.chain
  source: "000"
  lines: "40-44"
  unit: 1
  quantity: a worked example that rounds as it goes
  notes_value: 0.6563
  decimals: 4
  tolerance: 0.0005
  verdict: matches
  section: chapters/01_neural_networks

- id: t.shape
  source: "000"
  lines: "50"
  unit: 3
  quantity: an output shape
  notes_value: [6, 6]
  verdict: matches
  section: chapters/01_neural_networks

- id: t.matrix
  source: "000"
  lines: "60-61"
  unit: 3
  quantity: a 2x2 pooled matrix
  notes_value: [[0.5, 1.6], [0.4, 1.7]]
  decimals: 1
  verdict: matches
  section: chapters/01_neural_networks

- id: t.shape-erratum
  source: "000"
  lines: "70"
  unit: 3
  quantity: an output shape the notes get wrong
  notes_value: [21, 21]
  verdict: erratum
  correct: [18, 18]
  explanation: The padding is counted twice.
  section: chapters/01_neural_networks
"""


def _use(monkeypatch, directory: Path) -> None:
    monkeypatch.setattr(notes, "CLAIMS_DIR", directory)
    notes.registry.cache_clear()


@pytest.fixture
def registry_dir(tmp_path, monkeypatch):
    """An empty claims folder that notes.registry() reads instead of the package's."""
    _use(monkeypatch, tmp_path)
    yield tmp_path
    notes.registry.cache_clear()  # monkeypatch restores CLAIMS_DIR afterwards


@pytest.fixture
def toy(registry_dir):
    (registry_dir / "000-vesit.yaml").write_text(CLAIMS, encoding="utf-8")
    return notes.registry()


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


# ---- compare: the matches verdict -----------------------------------------------

def test_matches_claim_passes_and_prints_the_stable_line(toy, capsys):
    assert notes.compare("t.match", 0.35 + 0.08 + 0.18 - 0.08) is None
    assert capsys.readouterr().out == "t.match: notes 0.53, computed 0.53 -> matches\n"


def test_the_line_format_is_stable(toy):
    line = notes.evaluate("t.match", 0.5312).line
    assert re.fullmatch(r"t\.match: notes 0\.53, computed 0\.53 -> matches", line)
    assert repr(notes.evaluate("t.match", 0.53)) == line


def test_wrong_value_raises_a_helpful_mismatch(toy, capsys):
    with pytest.raises(notes.ClaimMismatch) as err:
        notes.compare("t.match", 0.55)
    msg = str(err.value)
    for part in ("t.match", "VESIT AIDS-2 Module 4 notes", "lines 10-12", "0.5500", "0.53"):
        assert part in msg, (part, msg)
    assert capsys.readouterr().out == ""  # nothing printed on failure


def test_claim_mismatch_is_an_assertion_error():
    assert issubclass(notes.ClaimMismatch, AssertionError)


def test_unknown_claim_id_is_a_key_error(toy):
    with pytest.raises(KeyError, match="no claim 't.nope'"):
        notes.compare("t.nope", 1.0)


# ---- compare: the erratum verdict -----------------------------------------------

def test_erratum_passes_only_with_the_correct_value(toy, capsys):
    notes.compare("t.erratum", 1 / (1 + np.exp(-0.53)))
    assert capsys.readouterr().out == (
        "t.erratum: notes 0.625, computed 0.6295 -> ERRATUM, correct 0.6295\n"
    )
    with pytest.raises(notes.ClaimMismatch, match="correct value 0.6295"):
        notes.compare("t.erratum", 0.6301)


def test_erratum_raises_when_the_computation_agrees_with_the_notes(toy):
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("t.erratum", 0.625)
    # 0.6295 is the recorded correct value, but it also rounds to the notes'
    # 0.63: the erratum is stale and must be re-examined.
    with pytest.raises(notes.ClaimMismatch, match="re-examine"):
        notes.compare("t.stale", 0.6295)


# ---- compare: the two tiers -------------------------------------------------------

def _chain():
    """The notes' rounded chain: every intermediate to 3 decimals, as they print it."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return round(float(sig(0.647)), 4)


def test_pipeline_tier_must_reproduce_the_notes_exactly(toy, capsys):
    full = 0.65647
    notes.compare("t.chain", full, pipeline=_chain())
    out = capsys.readouterr().out
    assert out == (
        "t.chain: notes 0.6563, notes' rounding 0.6563, computed 0.65647 -> matches\n"
    )
    with pytest.raises(notes.ClaimMismatch, match="rounded chain gives 0.6565"):
        notes.compare("t.chain", full, pipeline=0.65647)


def test_tolerance_tier_accepts_drift_within_the_tolerance_only(toy):
    notes.evaluate("t.chain", 0.6563 + 0.00049)
    notes.evaluate("t.chain", 0.6563 - 0.00049)
    with pytest.raises(notes.ClaimMismatch, match="within 0.0005"):
        notes.evaluate("t.chain", 0.6563 + 0.0006)


def test_without_tolerance_the_value_must_round_to_the_notes(toy):
    notes.evaluate("t.match", 0.534999)
    with pytest.raises(notes.ClaimMismatch, match="at the notes' rounding"):
        notes.evaluate("t.match", 0.5351)


def test_compare_all_prints_one_line_each_and_stops_at_a_mismatch(toy, capsys):
    notes.compare_all({"t.match": 0.53, "t.chain": 0.65647}, pipeline={"t.chain": 0.6563})
    lines = capsys.readouterr().out.splitlines()
    assert [l.split(":")[0] for l in lines] == ["t.match", "t.chain"]
    with pytest.raises(notes.ClaimMismatch):
        notes.compare_all({"t.match": 0.9, "t.chain": 0.65647})


# ---- compare: sequences and shapes --------------------------------------------------

def test_shapes_compare_element_by_element(toy, capsys):
    notes.compare("t.shape", (6, 6))
    notes.compare("t.shape", np.zeros((6, 6)).shape)
    assert capsys.readouterr().out.splitlines() == [
        "t.shape: notes [6, 6], computed (6, 6) -> matches"
    ] * 2
    for wrong in [(6, 5), (6, 6, 1), (6,)]:
        with pytest.raises(notes.ClaimMismatch):
            notes.compare("t.shape", wrong)


def test_arrays_compare_at_the_notes_rounding(toy, capsys):
    pooled = np.array([[0.5, 1.6], [0.4, 1.7]], dtype="float32")
    notes.compare("t.matrix", pooled)
    assert capsys.readouterr().out == (
        "t.matrix: notes [[0.5, 1.6], [0.4, 1.7]], computed [[0.5, 1.6], [0.4, 1.7]] "
        "-> matches\n"
    )
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("t.matrix", pooled.T)


def test_sequence_erratum(toy, capsys):
    notes.compare("t.shape-erratum", (18, 18))
    assert "ERRATUM, correct [18, 18]" in capsys.readouterr().out
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("t.shape-erratum", (21, 21))


def test_claims_for_filters_by_unit_and_source(toy):
    assert {c.id for c in notes.claims_for(unit=3)} == {"t.shape", "t.matrix", "t.shape-erratum"}
    assert list(notes.claims_for(source="003")) == []
    assert notes.claim("t.erratum").is_erratum
    assert notes.claim("t.erratum").notes_name == notes.SOURCES["000"]


# ---- malformed registries -----------------------------------------------------------

GOOD = """
- id: a.one
  source: "000"
  lines: "1"
  unit: 1
  quantity: q
  notes_value: 1.0
  verdict: matches
"""


def test_a_good_minimal_claim_loads(registry_dir):
    write(registry_dir, "000-vesit.yaml", GOOD)
    assert list(notes.registry()) == ["a.one"]


@pytest.mark.parametrize(
    "files, match",
    [
        ({"000-vesit.yaml": GOOD, "000-more.yaml": GOOD}, "duplicate claim id 'a.one'"),
        ({"000-vesit.yaml": GOOD + GOOD.replace("- id", "\n- id")}, "duplicate claim id"),
        ({"000-vesit.yaml": GOOD.replace("  quantity: q\n", "")}, "lacks quantity"),
        ({"000-vesit.yaml": GOOD.replace('  lines: "1"\n', "")}, "lacks lines"),
        ({"000-vesit.yaml": GOOD.replace("verdict: matches", "verdict: erratum")},
         "needs 'correct' and 'explanation'"),
        ({"000-vesit.yaml": GOOD.replace("verdict: matches", "verdict: erratum\n  correct: 2.0")},
         "needs 'correct' and 'explanation'"),
        ({"000-vesit.yaml": GOOD.replace(
            "verdict: matches", "verdict: erratum\n  correct: 2.0\n  explanation: '  '")},
         "needs 'correct' and 'explanation'"),
        ({"000-vesit.yaml": GOOD.replace('"000"', '"001"')}, "source must be one of"),
        ({"000-vesit.yaml": GOOD.replace('"000"', "000")}, "quote it"),
        ({"002-qa.yaml": GOOD}, "in the file for '002'"),
        ({"000-vesit.yaml": GOOD.replace("verdict: matches", "verdict: maybe")},
         "verdict must be one of"),
        ({"000-vesit.yaml": GOOD + "  colour: red\n"}, "unknown fields"),
        ({"000-vesit.yaml": GOOD + "  correct: 2.0\n"}, "only an erratum"),
        ({"000-vesit.yaml": GOOD.replace("unit: 1", "unit: one")}, "unit must be"),
        ({"000-vesit.yaml": GOOD + "  decimals: -1\n"}, "decimals must be"),
        ({"000-vesit.yaml": GOOD + "  tolerance: -0.1\n"}, "tolerance must be"),
        ({"000-vesit.yaml": GOOD + "  section: chapters/01_neural_networks.ipynb\n"},
         "without extension"),
        ({"000-vesit.yaml": "id: a.one\n"}, "must hold a list"),
        ({"000-vesit.yaml": "- just a string\n"}, "must be a mapping"),
        ({"000-vesit.yaml": "- [unclosed\n"}, "not valid YAML"),
    ],
)
def test_malformed_registry_raises_registry_error(registry_dir, files, match):
    for name, text in files.items():
        write(registry_dir, name, text)
    with pytest.raises(notes.RegistryError, match=re.escape(match)):
        notes.registry()


def test_registry_error_is_a_value_error():
    assert issubclass(notes.RegistryError, ValueError)


# ---- the real registry ------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    notes.registry.cache_clear()
    return notes.registry()


def test_real_registry_loads_with_unique_ids(real):
    import yaml

    ids = [
        raw["id"]
        for path in sorted(notes.CLAIMS_DIR.glob("*.yaml"))
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    ]
    assert real, "the registry is empty"
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert not dup, f"duplicate claim ids: {dup}"
    assert sorted(ids) == sorted(real)


def test_every_erratum_has_an_explanation_and_a_correct_value(real):
    for c in real.values():
        if c.is_erratum:
            assert c.correct is not None, c.id
            assert len(c.explanation.split()) >= 5, f"{c.id}: explain the erratum in a sentence"


def test_every_claim_is_self_consistent(real):
    """The registry's own values pass: notes for 'matches', correct for 'erratum'."""
    for c in real.values():
        if c.is_erratum:
            notes.evaluate(c.id, c.correct)
            assert not notes._same(c.correct, c.notes_value, c.decimals), (
                f"{c.id}: the correct value rounds to the notes' value; not an erratum"
            )
        else:
            notes.evaluate(c.id, c.notes_value)


def section_notebook(section: str) -> Path:
    """The file a claim's `section` names (labs/ is generated from solutions/)."""
    return ROOT / (section.partition("#")[0] + ".ipynb")


def test_every_claim_names_a_section_that_exists(real):
    missing = [
        f"{c.id} -> {c.section or '(no section)'}"
        for c in real.values()
        if not c.section or not section_notebook(c.section).exists()
    ]
    assert not missing, "claims whose section is not a notebook:\n" + "\n".join(missing)


# ---- every claim is compared by a notebook ----------------------------------------------

COMPARED = re.compile(r"^(\S+): notes ", re.MULTILINE)


def _text(output: dict) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def compared_ids(path: Path) -> set[str]:
    """Claim ids whose compare line is in the stored outputs of a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = set()
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            ids |= set(COMPARED.findall(_text(output)))
    return ids


def compared_where() -> dict[str, set[str]]:
    """claim id -> the notebooks (relative paths) whose stored outputs compare it."""
    where: dict[str, set[str]] = {}
    for folder in ("chapters", "solutions"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            for cid in compared_ids(path):
                where.setdefault(cid, set()).add(path.relative_to(ROOT).as_posix())
    return where


def test_every_claim_is_compared_by_some_notebook(real):
    where = compared_where()
    nobody = sorted(cid for cid in real if cid not in where)
    assert not nobody, (
        "claims that no notebook in chapters/ or solutions/ compares (no stored line "
        "'<id>: notes ...'):\n" + "\n".join(nobody)
    )


def test_every_claim_is_compared_in_the_notebook_its_section_names(real):
    where = compared_where()
    wrong = []
    for c in real.values():
        path = c.section.partition("#")[0]
        if path.startswith("labs/"):  # the student copy is generated from solutions/
            path = "solutions/" + path[len("labs/"):]
        if f"{path}.ipynb" not in where.get(c.id, set()):
            found = ", ".join(sorted(where.get(c.id, ()))) or "nowhere"
            wrong.append(f"{c.id}: section {c.section}, compared in {found}")
    assert not wrong, "claims not compared where their section says:\n" + "\n".join(wrong)


def test_compared_lines_name_known_claims(real):
    unknown = {cid: sorted(nbs) for cid, nbs in compared_where().items() if cid not in real}
    assert not unknown, f"stored compare lines for claims not in the registry: {unknown}"


def test_the_scanner_finds_compare_lines(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "code", "outputs": [
                {"output_type": "stream", "name": "stdout",
                 "text": ["x = 1\n", "a.b: notes 0.53, computed 0.53 -> matches\n"]},
                {"output_type": "execute_result",
                 "data": {"text/plain": "c.d: notes [21, 21], computed (18, 18) -> ERRATUM"}},
            ]},
            {"cell_type": "markdown", "source": "e.f: notes 1"},
        ]
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert compared_ids(path) == {"a.b", "c.d"}
