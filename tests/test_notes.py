"""The notes registry (dlbook.notes): comparisons, validation, and coverage.

Fast: no notebook is executed. The last tests read the *stored* outputs of
chapters/ and solutions/ to check that every value claim is compared by the
notebook its section names, and the code cells to check that no comparison
passes a literal. Erratum boxes are tested in test_errata_boxes.py.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dlbook import notes
from tests import notebook_scan as scan

ROOT = scan.ROOT

# ---- a private registry for the unit tests -----------------------------------

CLAIMS = """
- id: vesit.t.match
  source: "000"
  lines: "10-12"
  unit: 1
  quantity: a value the notes print to two decimals
  notes_value: 0.53
  decimals: 2
  verdict: matches
  section: chapters/01_neural_networks

- id: vesit.t.erratum
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

- id: vesit.t.stale
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

- id: vesit.t.chain
  source: "000"
  lines: "40-44"
  unit: 1
  quantity: a worked example that rounds as it goes
  notes_value: 0.6563
  decimals: 4
  tolerance: 0.0005
  verdict: matches
  section: chapters/01_neural_networks

"""

CLAIMS_UNIT3 = """
- id: vesit.t.shape
  source: "000"
  lines: "50"
  unit: 3
  quantity: an output shape
  notes_value: [6, 6]
  verdict: matches
  section: chapters/03_cnn

- id: vesit.t.matrix
  source: "000"
  lines: "60-61"
  unit: 3
  quantity: a 2x2 pooled matrix
  notes_value: [[0.5, 1.6], [0.4, 1.7]]
  decimals: 1
  verdict: matches
  section: chapters/03_cnn

- id: vesit.t.shape-erratum
  source: "000"
  lines: "70"
  unit: 3
  quantity: an output shape the notes get wrong
  notes_value: [21, 21]
  verdict: erratum
  correct: [18, 18]
  explanation: The padding is counted twice.
  section: chapters/03_cnn
"""


@pytest.fixture
def registry_dir(tmp_path, monkeypatch):
    """An empty claims folder that notes.registry() reads instead of the package's."""
    monkeypatch.setattr(notes, "CLAIMS_DIR", tmp_path)
    notes.registry.cache_clear()
    yield tmp_path
    notes.registry.cache_clear()  # monkeypatch restores CLAIMS_DIR afterwards


def write(directory: Path, name: str, text: str) -> None:
    """Write claims/<name> (e.g. 'unit01/vesit.yaml')."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def toy(registry_dir):
    write(registry_dir, "unit01/vesit.yaml", CLAIMS)
    write(registry_dir, "unit03/vesit.yaml", CLAIMS_UNIT3)
    return notes.registry()


# ---- compare: the matches verdict -----------------------------------------------

def test_matches_claim_passes_and_prints_the_stable_line(toy, capsys):
    assert notes.compare("vesit.t.match", 0.35 + 0.08 + 0.18 - 0.08) is None
    assert capsys.readouterr().out == "vesit.t.match: notes 0.53, computed 0.53 -> matches\n"


def test_the_line_format_is_stable(toy):
    line = notes.evaluate("vesit.t.match", 0.5312).line
    assert re.fullmatch(r"vesit\.t\.match: notes 0\.53, computed 0\.53 -> matches", line)
    assert repr(notes.evaluate("vesit.t.match", 0.53)) == line


def test_wrong_value_raises_a_helpful_mismatch(toy, capsys):
    with pytest.raises(notes.ClaimMismatch) as err:
        notes.compare("vesit.t.match", 0.55)
    msg = str(err.value)
    for part in ("vesit.t.match", "VESIT AIDS-2 Module 4 notes", "lines 10-12", "0.5500", "0.53"):
        assert part in msg, (part, msg)
    assert capsys.readouterr().out == ""  # nothing printed on failure


def test_claim_mismatch_is_an_assertion_error():
    assert issubclass(notes.ClaimMismatch, AssertionError)


def test_unknown_claim_id_is_a_key_error(toy):
    with pytest.raises(KeyError, match="no claim 'vesit.t.nope'"):
        notes.compare("vesit.t.nope", 1.0)


# ---- compare: the erratum verdict -----------------------------------------------

def test_erratum_passes_only_with_the_correct_value(toy, capsys):
    notes.compare("vesit.t.erratum", 1 / (1 + np.exp(-0.53)))
    assert capsys.readouterr().out == (
        "vesit.t.erratum: notes 0.625, computed 0.6295 -> ERRATUM, correct 0.6295\n"
    )
    with pytest.raises(notes.ClaimMismatch, match="correct value 0.6295"):
        notes.compare("vesit.t.erratum", 0.6301)


def test_erratum_raises_when_the_computation_agrees_with_the_notes(toy):
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("vesit.t.erratum", 0.625)
    # 0.6295 is the recorded correct value, but it also rounds to the notes'
    # 0.63: the erratum is stale and must be re-examined.
    with pytest.raises(notes.ClaimMismatch, match="re-examine"):
        notes.compare("vesit.t.stale", 0.6295)


# ---- compare: the two tiers -------------------------------------------------------

def _chain():
    """The notes' rounded chain: every intermediate to 3 decimals, as they print it."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return round(float(sig(0.647)), 4)


def test_pipeline_tier_must_reproduce_the_notes_exactly(toy, capsys):
    full = 0.65647
    notes.compare("vesit.t.chain", full, pipeline=_chain())
    out = capsys.readouterr().out
    assert out == (
        "vesit.t.chain: notes 0.6563, notes' rounding 0.6563, computed 0.65647 -> matches\n"
    )
    with pytest.raises(notes.ClaimMismatch, match="rounded chain gives 0.6565"):
        notes.compare("vesit.t.chain", full, pipeline=0.65647)


def test_tolerance_tier_accepts_drift_within_the_tolerance_only(toy):
    notes.evaluate("vesit.t.chain", 0.6563 + 0.00049)
    notes.evaluate("vesit.t.chain", 0.6563 - 0.00049)
    with pytest.raises(notes.ClaimMismatch, match="within 0.0005"):
        notes.evaluate("vesit.t.chain", 0.6563 + 0.0006)


def test_without_tolerance_the_value_must_round_to_the_notes(toy):
    notes.evaluate("vesit.t.match", 0.534999)
    with pytest.raises(notes.ClaimMismatch, match="at the notes' rounding"):
        notes.evaluate("vesit.t.match", 0.5351)


def test_compare_all_prints_one_line_each_and_stops_at_a_mismatch(toy, capsys):
    notes.compare_all({"vesit.t.match": 0.53, "vesit.t.chain": 0.65647}, pipeline={"vesit.t.chain": 0.6563})
    lines = capsys.readouterr().out.splitlines()
    assert [l.split(":")[0] for l in lines] == ["vesit.t.match", "vesit.t.chain"]
    with pytest.raises(notes.ClaimMismatch):
        notes.compare_all({"vesit.t.match": 0.9, "vesit.t.chain": 0.65647})


# ---- verify: the chapters' quiet checks ------------------------------------------------

def test_verify_shows_one_line_and_keeps_every_number_in_its_text(toy):
    """One display: text/plain is compare's lines (nbval compares them, the
    coverage tests scan them); the HTML is one summary line over a table."""
    checks = notes.Checks(notes._evaluate_all(
        {"vesit.t.match": 0.53, "vesit.t.chain": 0.65647}, {"vesit.t.chain": 0.6563}))
    assert repr(checks).splitlines() == [
        "vesit.t.match: notes 0.53, computed 0.53 -> matches",
        "vesit.t.chain: notes 0.6563, notes' rounding 0.6563, computed 0.65647 -> matches",
    ]
    assert scan.COMPARED.findall(repr(checks)) == ["vesit.t.match", "vesit.t.chain"]
    page = checks._repr_html_()
    assert page.startswith('<details class="dlbook-check"') and page.endswith("</details>")
    assert "<summary" in page and page.count("<summary") == 1
    assert "✓ The VESIT notes' 2 values here check out</summary>" in page
    for shown in ("0.53", "0.6563", "0.65647", "notes' rounding 0.6563", "lines 40–44"):
        assert shown in page, shown
    assert page.count('<th scope="col">') == 4  # a table a screen reader can read
    assert "color" not in page  # the theme, light or dark, colours it


def test_verify_prints_its_lines_outside_ipython(toy, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    assert notes.verify({"vesit.t.match": 0.53}) is None
    assert capsys.readouterr().out == "vesit.t.match: notes 0.53, computed 0.53 -> matches\n"


@pytest.mark.parametrize("values, summary", [
    ({"vesit.t.match": 0.53},
     "✓ A value the notes print to two decimals: the VESIT notes' value checks out (0.53)"),
    ({"vesit.t.match": 0.53, "vesit.t.chain": 0.6563}, "✓ The VESIT notes' 2 values here check out"),
    ({"vesit.t.erratum": 0.6295},
     "⚠ A value the notes get wrong: the VESIT notes' value is wrong (they print 0.625, correct 0.6295)"),
    ({"vesit.t.match": 0.53, "vesit.t.erratum": 0.6295},
     "⚠ 1 of the VESIT notes' 2 values here is wrong (they print 0.625, correct 0.6295); "
     "the other one checks out"),
    ({"vesit.t.match": 0.53, "vesit.t.chain": 0.6563, "vesit.t.erratum": 0.6295},
     "⚠ 1 of the VESIT notes' 3 values here is wrong (they print 0.625, correct 0.6295); "
     "the other 2 check out"),
    ({"vesit.t.erratum": 0.6295, "vesit.t.shape-erratum": (18, 18)},
     "⚠ The VESIT notes' 2 values here are wrong (they print 0.625, correct 0.6295; "
     "they print [21, 21], correct [18, 18])"),
])
def test_the_summary_says_in_words_what_was_checked(toy, values, summary):
    """⚠ leads whenever anything is wrong, and the notes are named."""
    assert notes.Checks(notes._evaluate_all(values, None)).summary() == summary


def test_a_claim_that_is_not_a_number_is_a_value(registry_dir):
    write(registry_dir, "unit01/vesit.yaml", GOOD.replace("notes_value: 1.0", "notes_value: [a, b]"))
    checks = notes.Checks((notes.evaluate("vesit.a.one", ["a", "b"]),))
    assert checks.summary().endswith(": the VESIT notes' value checks out ([a, b])")


def test_a_long_value_stays_in_the_details(toy):
    long = notes.Checks((notes.evaluate("vesit.t.matrix", [[0.5, 1.6], [0.4, 1.7]]),))
    assert long.summary() == "✓ A 2x2 pooled matrix: the VESIT notes' value checks out"
    assert "[[0.5, 1.6], [0.4, 1.7]]" in long._repr_html_()


def test_large_integers_are_grouped_and_long_quantities_shortened():
    assert notes._grouped("they print 95000000, correct 0.5, 2026") == (
        "they print 95,000,000, correct 0.5, 2026")
    assert notes._gist("largest difference between a step (update, reset) and Keras's "
                       "with zero biases, over 4 steps, rounded to 5 decimals") == (
        "largest difference between a step and Keras's with zero biases")
    assert notes._gist("Minimiser of the loss 1/2 (6 - w x1)^2, with the input x1 "
                       "recovered from the notes' gradient") == "Minimiser of the loss 1/2 (6 - w x1)^2"


def test_verify_raises_before_showing_anything(toy, capsys):
    with pytest.raises(notes.ClaimMismatch, match="vesit.t.chain"):
        notes.verify({"vesit.t.match": 0.53, "vesit.t.chain": 0.9})
    with pytest.raises(ValueError, match=r"pipeline= names claims that are not compared: \['vesit.t.chain'\]"):
        notes.verify({"vesit.t.match": 0.53}, pipeline={"vesit.t.chain": 0.6563})
    with pytest.raises(ValueError, match="at least one claim"):
        notes.verify({})
    assert capsys.readouterr().out == ""


def test_math_in_a_quantity_is_typeset_by_the_page(registry_dir):
    write(registry_dir, "unit01/vesit.yaml", GOOD.replace(
        "quantity: q", "quantity: whether $\\gamma_s \\le 0$ for `s` < 3"))
    page = notes.Checks((notes.evaluate("vesit.a.one", 1.0),))._repr_html_()
    assert ('<span class="math notranslate nohighlight">\\(\\gamma_s \\le 0\\)</span> '
            "for <code>s</code> &lt; 3") in page


# ---- compare: sequences and shapes --------------------------------------------------

def test_shapes_compare_element_by_element(toy, capsys):
    notes.compare("vesit.t.shape", (6, 6))
    notes.compare("vesit.t.shape", np.zeros((6, 6)).shape)
    assert capsys.readouterr().out.splitlines() == [
        "vesit.t.shape: notes [6, 6], computed (6, 6) -> matches"
    ] * 2
    for wrong in [(6, 5), (6, 6, 1), (6,)]:
        with pytest.raises(notes.ClaimMismatch):
            notes.compare("vesit.t.shape", wrong)


def test_arrays_compare_at_the_notes_rounding(toy, capsys):
    pooled = np.array([[0.5, 1.6], [0.4, 1.7]], dtype="float32")
    notes.compare("vesit.t.matrix", pooled)
    assert capsys.readouterr().out == (
        "vesit.t.matrix: notes [[0.5, 1.6], [0.4, 1.7]], computed [[0.5, 1.6], [0.4, 1.7]] "
        "-> matches\n"
    )
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("vesit.t.matrix", pooled.T)


def test_sequence_erratum(toy, capsys):
    notes.compare("vesit.t.shape-erratum", (18, 18))
    assert "ERRATUM, correct [18, 18]" in capsys.readouterr().out
    with pytest.raises(notes.ClaimMismatch):
        notes.compare("vesit.t.shape-erratum", (21, 21))


def test_claims_for_filters_by_unit_and_source(toy):
    assert {c.id for c in notes.claims_for(unit=3)} == {"vesit.t.shape", "vesit.t.matrix", "vesit.t.shape-erratum"}
    assert list(notes.claims_for(source="003")) == []
    assert notes.claim("vesit.t.erratum").is_erratum
    assert notes.claim("vesit.t.erratum").notes_name == notes.sources()["000"].name




# ---- statements and the reproduced_by tier ------------------------------------------

STATEMENT = """
- id: vesit.s.date
  kind: statement
  verdict: erratum
  source: "000"
  lines: "5-6"
  unit: 1
  topic: a date
  notes_say: The notes say 1977.
  correct: The year 1997.
  explanation: The paper appeared in 1997.
  if_believed: A reader dates the paper twenty years too early.
  section: chapters/01_neural_networks

- id: vesit.t.variant
  source: "000"
  lines: "9"
  unit: 1
  quantity: a value a variant of the method gives
  notes_value: 0.2911
  decimals: 4
  verdict: erratum
  correct: 0.2910
  correct_decimals: 4
  reproduced_by: the variant
  explanation: The notes print what the variant gives.
  section: chapters/01_neural_networks
"""


@pytest.fixture
def with_statement(registry_dir):
    write(registry_dir, "unit01/vesit.yaml", CLAIMS + STATEMENT)
    return notes.registry()


def test_a_statement_is_an_erratum_and_cannot_be_compared(with_statement):
    s = notes.claim("vesit.s.date")
    assert s.is_statement and s.is_erratum and s.title == "A date"
    with pytest.raises(ValueError, match=r"notes.erratum\('vesit.s.date'\)"):
        notes.compare("vesit.s.date", 1997)


def test_reproduced_by_names_the_pipeline_tier(with_statement, capsys):
    notes.compare("vesit.t.variant", 0.29101, pipeline=0.29112)
    assert capsys.readouterr().out == (
        "vesit.t.variant: notes 0.2911, the variant 0.2911, computed 0.2910 "
        "-> ERRATUM, correct 0.2910\n"
    )
    with pytest.raises(notes.ClaimMismatch, match="the variant gives 0.2905"):
        notes.compare("vesit.t.variant", 0.29101, pipeline=0.2905)


# ---- malformed registries: the schema, then the cross-field rules ----------------------

GOOD = """
- id: vesit.a.one
  source: "000"
  lines: "1"
  unit: 1
  quantity: q
  notes_value: 1.0
  verdict: matches
  section: chapters/01_neural_networks
"""
F = "unit01/vesit.yaml"


def test_a_good_minimal_claim_loads(registry_dir):
    write(registry_dir, F, GOOD)
    assert list(notes.registry()) == ["vesit.a.one"]


def test_an_empty_claims_file_is_allowed(registry_dir):
    write(registry_dir, F, "# nothing yet\n")
    assert notes.registry() == {}


@pytest.mark.parametrize(
    "files, match",
    [
        # the schema (jsonschema): each message names the file and the claim
        ({F: GOOD.replace("  quantity: q\n", "")},
         "unit01/vesit.yaml: claim 'vesit.a.one': 'quantity' is a required property"),
        ({F: GOOD.replace('  lines: "1"\n', "")}, "'lines' is a required property"),
        ({F: GOOD.replace('lines: "1"', "lines: 1")}, "lines: 1 is not of type 'string' (quote it"),
        ({F: GOOD.replace('lines: "1"', 'lines: "one"')}, "lines: 'one' does not match"),
        ({F: GOOD.replace("verdict: matches", "verdict: erratum")},
         "'correct' is a required property"),
        ({F: GOOD.replace("verdict: matches", "verdict: erratum\n  correct: 2.0")},
         "'explanation' is a required property"),
        ({F: GOOD.replace(
            "verdict: matches", "verdict: erratum\n  correct: 2.0\n  explanation: '  '")},
         "explanation: '  ' does not match"),
        ({F: GOOD.replace(
            "verdict: matches",
            "verdict: erratum\n  correct: 2.0\n  explanation: why\n  tolerance: 0.1")},
         "an erratum is checked at correct_decimals: drop 'tolerance'"),
        ({F: GOOD.replace('"000"', "000")}, "quote it"),
        ({F: GOOD.replace("verdict: matches", "verdict: maybe")}, "verdict: 'maybe' is not one of"),
        ({F: GOOD + "  colour: red\n"}, "unknown field ('colour' was unexpected)"),
        ({F: GOOD + "  correct: 2.0\n"}, "only an erratum has 'correct'"),
        ({F: GOOD.replace("unit: 1", "unit: one")}, "unit: 'one' is not of type 'integer'"),
        ({F: GOOD + "  decimals: -1\n"}, "decimals: -1 is less than the minimum of 0"),
        ({F: GOOD + "  tolerance: -0.1\n"}, "tolerance: -0.1 is less than the minimum of 0"),
        ({F: GOOD.replace("01_neural_networks", "01_neural_networks.ipynb")},
         "section: 'chapters/01_neural_networks.ipynb' does not match"),
        ({F: GOOD.replace("id: vesit.a.one", "id: vesit.a one")}, "id: 'vesit.a one' does not match"),
        ({F: STATEMENT.replace("  topic: a date\n", "")},
         "claim 'vesit.s.date': 'topic' is a required property"),
        ({F: STATEMENT.replace("  notes_say: The notes say 1977.\n", "  notes_value: 1977\n")},
         "unknown field ('notes_value' was unexpected)"),
        ({F: "id: vesit.a.one\n"}, "is not of type 'array'"),
        ({F: "- just a string\n"}, "claim 1: 'just a string' is not of type 'object'"),
        ({F: "- [unclosed\n"}, "unit01/vesit.yaml: not valid YAML"),
        # the cross-field rules (code)
        ({F: GOOD, "unit02/vesit.yaml": GOOD.replace("unit: 1", "unit: 2").replace(
            "chapters/01_", "chapters/02_")}, "unit02/vesit.yaml: duplicate claim id 'vesit.a.one'"),
        ({F: GOOD + GOOD.replace("- id", "\n- id")}, "duplicate claim id"),
        ({F: GOOD.replace('"000"', '"001"')}, "source '001' in the file of 'vesit'"),
        ({"unit01/qa.yaml": GOOD}, "source '000' in the file of 'qa'"),
        ({"unit01/nobody.yaml": GOOD}, "the file name is not a source key"),
        ({"unit02/vesit.yaml": GOOD}, "unit 1 in the folder of unit 2"),
        ({"lab1/vesit.yaml": GOOD}, "claim folders are named unitNN"),
        ({"vesit.yaml": GOOD}, "claims live in claims/unitNN/<source key>.yaml"),
        ({F: GOOD.replace("id: vesit.a.one", "id: qa.a.one")}, "starts with 'vesit.'"),
        ({F: GOOD.replace("chapters/01_", "chapters/02_")},
         "section chapters/02_neural_networks belongs to unit 2, not 1"),
    ],
)
def test_malformed_registry_raises_registry_error(registry_dir, files, match):
    for name, text in files.items():
        write(registry_dir, name, text)
    with pytest.raises(notes.RegistryError, match=re.escape(match)):
        notes.registry()


def test_the_schema_reports_every_problem_at_once(registry_dir):
    write(registry_dir, F, GOOD.replace("  quantity: q\n", "").replace("unit: 1", "unit: x"))
    with pytest.raises(notes.RegistryError) as err:
        notes.registry()
    assert "'quantity' is a required property" in str(err.value)
    assert "unit: 'x' is not of type 'integer'" in str(err.value)


def test_registry_error_is_a_value_error():
    assert issubclass(notes.RegistryError, ValueError)


def test_malformed_sources_are_rejected(tmp_path, monkeypatch):
    path = tmp_path / "sources.yaml"
    monkeypatch.setattr(notes, "SOURCES_FILE", path)
    notes.sources.cache_clear()
    try:
        path.write_text('- id: "000"\n  key: vesit\n  name: VESIT\n')
        with pytest.raises(notes.RegistryError, match="source 1: 'short_name' is a required"):
            notes.sources()
        notes.sources.cache_clear()
        path.write_text('- {id: "000", key: a, name: A, short_name: A}\n'
                        '- {id: "001", key: a, name: B, short_name: B}\n')
        with pytest.raises(notes.RegistryError, match="share an id or key"):
            notes.sources()
    finally:
        notes.sources.cache_clear()


# ---- the real registry ------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    notes.registry.cache_clear()
    return notes.registry()


def test_real_registry_loads(real):
    assert real, "the registry is empty"
    assert {c.unit for c in real.values()} >= {0, 1}
    assert any(c.is_statement for c in real.values())


def test_every_value_claim_is_self_consistent(real):
    """The registry's own values pass: notes for 'matches', correct for 'erratum'."""
    for c in real.values():
        if c.is_statement:
            continue
        if c.is_erratum:
            notes.evaluate(c.id, c.correct)
            assert not notes.same(c.correct, c.notes_value, c.decimals), (
                f"{c.id}: the correct value rounds to the notes' value; not an erratum"
            )
        else:
            notes.evaluate(c.id, c.notes_value)


def test_every_claim_names_a_section_that_exists(real):
    missing = [
        f"{c.id} -> {c.section}"
        for c in real.values()
        if not (ROOT / scan.section_notebook(c.section)).exists()
    ]
    assert not missing, "claims whose section is not a notebook:\n" + "\n".join(missing)


# ---- every value claim is compared by the notebook its section names ------------------------

def test_every_value_claim_is_compared_in_its_section(real):
    where = scan.where(scan.COMPARED)
    wrong = []
    for c in real.values():
        if c.is_statement:
            continue
        nb = scan.section_notebook(c.section)
        if nb not in where.get(c.id, set()):
            found = ", ".join(sorted(where.get(c.id, ()))) or "nowhere"
            wrong.append(f"{c.id}: section {c.section}, compared in {found}")
    assert not wrong, (
        "value claims not compared (no stored line '<id>: notes ...') in the notebook "
        "their section names:\n" + "\n".join(wrong)
    )


def test_compared_lines_name_known_value_claims(real):
    unknown = {cid: sorted(nbs) for cid, nbs in scan.where(scan.COMPARED).items()
               if cid not in real or real[cid].is_statement}
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
    assert scan.shown_ids(path, scan.COMPARED) == {"a.b", "c.d"}


# ---- a claim compares a computed quantity, never a literal ----------------------------------

def _is_literal(node: ast.AST) -> bool:
    """A number, a negated number, a list/tuple of literals, or len() of a literal list."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_literal(node.operand)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("len", "list", "tuple", "float", "int", "round")
            and node.args and all(_is_literal(a) for a in node.args)):
        return True
    return False


def literal_comparisons(code: str) -> list[str]:
    """'claim-id' (or a line number) of every compare call whose value is a literal."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics: drop them and retry
        tree = ast.parse(re.sub(r"^(\s*)[%!].*$", r"\1pass", code, flags=re.MULTILINE))
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name in ("compare", "evaluate") and len(node.args) >= 2:
            if _is_literal(node.args[1]):
                bad.append(ast.unparse(node.args[0]))
        elif name in ("compare_all", "verify") and node.args and isinstance(node.args[0], ast.Dict):
            for key, value in zip(node.args[0].keys, node.args[0].values):
                if _is_literal(value):
                    bad.append(ast.unparse(key) if key is not None else f"line {node.lineno}")
    return bad


def test_the_literal_detector():
    flagged = literal_comparisons(
        'notes.compare("a", 0.5)\n'
        'notes.compare("b", -3)\n'
        'notes.compare("c", [2, 3])\n'
        'notes.compare("d", len([1, 2, 3, 4, 5]))\n'
        'notes.compare_all({"e": (1, 2), "f": y})\n'
        'notes.verify({"j": 0.5, "k": y})\n'
        'notes.compare("g", y_in)\n'
        'notes.compare("h", len(layers))\n'
        'notes.compare("i", (side, side))\n'
        '%pip install x\n'
    )
    assert flagged == ["'a'", "'b'", "'c'", "'d'", "'e'", "'j'"]


@pytest.mark.parametrize("path", scan.notebooks("chapters", "solutions", "labs"),
                         ids=lambda p: p.name)
def test_notebooks_compare_computed_values(path):
    bad = [
        cid
        for cell in scan.notebook(path)["cells"] if cell["cell_type"] == "code"
        for cid in literal_comparisons(scan.source_text(cell))
    ]
    assert not bad, f"{path.name} compares literals, which cannot fail: {bad}"


def test_loading_the_registry_skips_jsonschemas_slow_optional_formats():
    """Every notebook loads the registry: it must not build rfc3987_syntax's
    grammar (3 s) for a format our schemas never use; the package stays
    importable afterwards."""
    import subprocess
    import sys

    code = ("import sys; from dlbook import notes, questions; notes.registry(); "
            "questions.registry(); print('rfc3987_syntax' in sys.modules); "
            "import importlib.util as u; print(u.find_spec('jsonschema') is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["False", "True"]


def test_tally_counts_a_chapter_and_lists_its_errata():
    t = notes.tally("chapters/01_neural_networks")
    ours = [c for c in notes.registry().values() if c.section == "chapters/01_neural_networks"]
    right = [c for c in ours if c.is_statement and not c.is_shown]
    assert len(t.values) + len(t.statements) + len(t.notes) + len(right) == len(ours)
    assert all(c.is_erratum and not c.is_statement for c in t.numeric)
    assert all(c.is_erratum and c.is_statement for c in t.statements)
    assert all(c.verdict in ("imprecise", "omission") for c in t.notes)
    text = repr(t)
    assert text.startswith(f"{len(t.values)} numbers compared in this chapter; {len(t.numeric)} errata:")
    assert all(c.id in text for c in t.numeric + t.statements + t.notes)
    assert not any(c.id in text for c in right)


def test_tally_of_a_section_without_claims_is_an_error():
    with pytest.raises(ValueError, match="no claim names the section"):
        notes.tally("chapters/99_nothing")


@pytest.mark.parametrize("value,decimals,text", [
    (-1e-17, 5, "0.00000"), (-0.0, None, "0"), ([-4e-7, 2.0], 3, "[0.000, 2.000]"),
    (-0.5, 2, "-0.50"), (-2.5e-8, None, "-2.5e-08")])
def test_a_computed_zero_never_prints_a_minus_sign(value, decimals, text):
    # a difference that is 0 on one processor may be -1e-17 on another: the line must not change
    assert notes.show(value, decimals) == text
