"""Erratum boxes come from the notes registry, and every claim is shown.

A chapter or lab shows an erratum with one call, ``notes.erratum("<id>")``,
in a code cell tagged ``hide-input``; its stored output is the warning box
(MyST for the web book, HTML for Jupyter, text for nbval). These tests check,
on the committed notebooks, that

* no page has a hand-typed erratum box (an admonition about the notes);
* every erratum is boxed in the notebook its section names, and every claim
  is shown somewhere (compared or boxed);
* every stored box equals what the registry renders now;
* the cells that only verify hide their code in the web book.
"""

from __future__ import annotations

import ast
import re

import pytest

from dlbook import notes
from tests import notebook_scan as scan

ROOT = scan.ROOT
VERIFY_CALLS = {"compare", "compare_all", "verify", "erratum"}

# ---- the box itself ------------------------------------------------------------------


def test_a_box_renders_as_a_myst_warning_with_the_registry_fields():
    c = notes.claim("r20.backprop.w6-new")
    box = notes.ErratumBox(c)
    md = box._repr_markdown_()
    assert md.startswith(":::{admonition} Erratum in the R20A6610 notes\n:class: warning dlbook-claim\n")
    assert md.endswith("\n:::")
    assert "- **The notes say (line 1584):** 408666186." in md
    assert "- **Correct:** 0.408666186." in md
    assert f"- **Why:** {' '.join(c.explanation.split())}" in md
    html = box._repr_html_()
    assert "<b>Erratum in the R20A6610 notes</b>" in html and "<li><b>Correct:</b> 0.408666186.</li>" in html
    assert repr(box).splitlines()[0] == "r20.backprop.w6-new: erratum box (R20A6610 notes, line 1584)"


def test_a_statement_box_keeps_math_and_code_for_myst_and_html():
    c = notes.claim("r20.xor.lost-multiplication")
    md = notes.box_markdown(c)
    assert "`H1=RELU(0.1+0.1+0)= 0`" in md and r"$H_1 = \mathrm{ReLU}(0 \cdot 1" in md
    html = notes.box_html(c)
    assert "<code>H1=RELU(0.1+0.1+0)= 0</code>" in html and r"$H_1 = \mathrm{ReLU}" in html


def test_erratum_displays_one_box_and_returns_nothing(capsys):
    assert notes.erratum("r20.backprop.w6-new") is None
    out = capsys.readouterr().out
    assert out.startswith("r20.backprop.w6-new: erratum box (R20A6610 notes, line 1584)")


def _statement(verdict, **kw):
    fields = dict(id="r20.x.s", kind="statement", verdict=verdict, source="004",
                  lines="10-11", unit=3, topic="pooling and invariance",
                  notes_say='"Pooling makes the network invariant"',
                  correct="Invariant to small shifts only", explanation="A large shift moves the maximum",
                  section="chapters/03_convolutional_networks")
    if verdict == "erratum":
        fields["if_believed"] = "A reader expects any shift to leave the output unchanged"
    return notes.Claim(**{**fields, **kw})


def test_only_a_worked_numbers_erratum_stands_open():
    value = notes.claim("r20.backprop.w6-new")
    assert value.expanded and "dropdown" not in notes.box_markdown(value)
    assert notes.box_html(value).startswith("<div ")
    for verdict, label, cls, right in [
        ("erratum", "Erratum", "warning dropdown dlbook-claim", "Correct"),
        ("imprecise", "Imprecise", "note dlbook-quiet dropdown dlbook-claim", "More precisely"),
        ("omission", "Omission", "note dlbook-quiet dropdown dlbook-claim", "What is missing"),
    ]:
        c = _statement(verdict)
        md = notes.box_markdown(c).splitlines()
        # one line, whose notes and lines link to the full entry in the appendix
        assert md[0] == (":::{admonition} " f"{label}: Pooling and invariance "
                         "({ref}`R20A6610 notes, lines 10–11 <notes-r20-x-s>`)")
        assert md[1] == f":class: {cls}"
        assert f"- **{right}:** Invariant to small shifts only." in md
        assert ("- **If you believe the notes:** A reader expects any shift to leave the output "
                "unchanged.") in md if verdict == "erratum" else not any("believe" in m for m in md)
        html = notes.box_html(c)
        assert html.startswith("<details ") and html.endswith("</details>")
        assert f"<summary><b>{label}: Pooling and invariance (R20A6610 notes, lines 10–11)</b></summary>" in html
        assert ("#e0a030" in html) == (verdict == "erratum")
        assert repr(notes.ErratumBox(c)).startswith(f"r20.x.s: {verdict} box (R20A6610 notes, lines 10–11)")
        assert _box_id(repr(notes.ErratumBox(c))) == "r20.x.s"


def _box_id(text):
    m = scan.BOXED.match(text)
    return m and m.group(1)


def test_a_box_names_the_papers_it_rests_on():
    c = _statement("erratum", literature=[{"ref": "Graves (2013), Generating sequences",
                                           "reports": "clips each step's derivative"}])
    assert "- **Source: Graves (2013), Generating sequences:** clips each step's derivative." \
        in notes.box_markdown(c)


def test_a_withdrawn_statement_has_no_box():
    with pytest.raises(ValueError, match="is not shown"):
        notes.box_markdown(_statement("matches"))


def test_a_claim_the_notes_get_right_has_no_box():
    with pytest.raises(ValueError, match="is not shown: the notes are right here"):
        notes.erratum("vesit.neuron.net-input")
    with pytest.raises(KeyError, match="no claim"):
        notes.erratum("r20.nope")


# ---- no hand-typed erratum box ------------------------------------------------------------

DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")
WARNING_CLASSES = {"warning", "caution", "danger", "error", "attention"}
ABOUT_THE_NOTES = re.compile(r"^\s*(errat\w*|outdated|in the\b.*\bnotes\b)", re.IGNORECASE)


def hand_typed_boxes(text: str) -> list[str]:
    """Titles of admonitions that read as an erratum of the notes."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = DIRECTIVE.match(line)
        if not m:
            continue
        name, title = m.group(2), m.group(3).strip()
        options = " ".join(lines[i + 1:i + 3])
        classes = set(re.findall(r":class:\s*([\w-]+)", options))
        if name in WARNING_CLASSES or classes & WARNING_CLASSES or ABOUT_THE_NOTES.match(title):
            found.append(f"{{{name}}} {title}".strip())
    return found


def test_the_box_detector():
    text = (
        "```{admonition} Erratum in the VESIT notes\n:class: warning\nx\n```\n"
        ":::{admonition} In the Q&A notes: a slip\n:class: note\nx\n:::\n"
        "```{warning}\nThe notes are wrong.\n```\n"
        "```{admonition} Not in the notes\n:class: note\nx\n```\n"
        "```{admonition} Model answer\n:class: dropdown\nx\n```\n"
    )
    assert hand_typed_boxes(text) == [
        "{admonition} Erratum in the VESIT notes",
        "{admonition} In the Q&A notes: a slip",
        "{warning}",
    ]


def book_pages() -> list:
    pages = scan.notebooks("chapters", "solutions", "labs")
    pages += [p for p in ROOT.glob("*.md") if p.name != "README.md"]
    pages += [p for p in (ROOT / "appendix").glob("*.md")]
    return pages


@pytest.mark.parametrize("path", book_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_hand_typed_erratum_box(path):
    if path.suffix == ".ipynb":
        blocks = [scan.source_text(c) for c in scan.notebook(path)["cells"]
                  if c["cell_type"] == "markdown"]
    else:
        blocks = [path.read_text(encoding="utf-8")]
    found = [title for block in blocks for title in hand_typed_boxes(block)]
    assert not found, (
        f"{path.name}: erratum boxes typed by hand; register the erratum in "
        "dlbook/data/claims/ and show it with notes.erratum(\"<id>\") in a hide-input "
        f"code cell: {found}"
    )


# ---- every erratum is boxed where its section says; every claim is shown --------------------

@pytest.fixture(scope="module")
def real():
    notes.registry.cache_clear()
    return notes.registry()


def test_every_erratum_is_boxed_in_its_section(real):
    boxed = scan.where(scan.BOXED)
    missing = [
        f"{c.id}: section {c.section}, boxed in {', '.join(sorted(boxed.get(c.id, ()))) or 'nowhere'}"
        for c in real.values()
        if c.is_shown and scan.section_notebook(c.section) not in boxed.get(c.id, set())
    ]
    assert not missing, (
        "errata without a box (notes.erratum) in the notebook their section names:\n"
        + "\n".join(missing)
    )


def test_boxes_are_errata_of_the_registry(real):
    wrong = {cid: sorted(nbs) for cid, nbs in scan.where(scan.BOXED).items()
             if cid not in real or not real[cid].is_shown}
    assert not wrong, f"stored boxes for claims that are not registered errata: {wrong}"


def test_every_registered_claim_is_shown(real):
    shown = set(scan.where(scan.COMPARED)) | set(scan.where(scan.BOXED))
    # A statement the notes get right (a withdrawn erratum) is kept, unshown.
    never = sorted(cid for cid, c in real.items()
                   if cid not in shown and (c.is_shown or not c.is_statement))
    assert not never, (
        "claims that no notebook shows (neither compared nor boxed in the stored "
        "outputs of chapters/ or solutions/):\n" + "\n".join(never)
    )


def test_a_withdrawn_statement_records_its_audit(real):
    """contributing/errata.md: a statement the notes get right stays in the registry,
    with the audit that withdrew it, so that nobody raises it again."""
    bare = [c.id for c in real.values()
            if c.is_statement and not c.is_shown and not (c.audit and c.audit.get("was"))]
    assert not bare, f"'matches' statements without an audit naming their old verdict: {bare}"


def test_every_statement_of_units_1_to_4_records_its_audit(real):
    missing = [c.id for c in real.values() if c.is_statement and 1 <= c.unit <= 4 and not c.audit]
    assert not missing, f"statements of Units 1-4 without an audit: {missing}"


def stored_boxes(path):
    for cell in scan.notebook(path)["cells"]:
        for output in cell.get("outputs", []):
            plain = scan.output_text(output)
            m = scan.BOXED.match(plain)
            if m:
                yield m.group(1), output


@pytest.mark.parametrize("path", scan.notebooks("chapters", "solutions", "labs"),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_stored_boxes_equal_what_the_registry_renders_now(path, real):
    stale = []
    for cid, output in stored_boxes(path):
        c = real.get(cid)
        if c is None or not c.is_shown:
            continue  # reported by test_boxes_are_errata_of_the_registry
        want = {"text/markdown": notes.box_markdown(c), "text/html": notes.box_html(c),
                "text/plain": notes.box_text(c)}
        for mime, text in want.items():
            if scan.output_text(output, mime) != text:
                stale.append(f"{cid} ({mime})")
    assert not stale, (
        f"{path.name}: stored erratum boxes differ from the registry (rerun the "
        f"notebook with `make outputs`): {stale}"
    )


# ---- cells that only verify hide their code ---------------------------------------------------

def _verify_call(node: ast.AST) -> str | None:
    if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "notes"
            and node.value.func.attr in VERIFY_CALLS):
        return node.value.func.attr
    return None


def only_verifies(code: str) -> bool:
    """True when every statement is a notes.compare/compare_all/erratum call (or a loop of them)."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False

    def ok(stmt):
        if isinstance(stmt, ast.For):
            return all(ok(s) for s in stmt.body)
        return _verify_call(stmt) is not None

    return bool(body) and all(ok(s) for s in body)


def calls_erratum(code: str) -> bool:
    return bool(re.search(r"\bnotes\.erratum\(", code))


def test_the_verify_detector():
    assert only_verifies('notes.compare("a", x)\nnotes.erratum("a")')
    assert only_verifies('for k in ids:\n    notes.erratum(k)')
    assert not only_verifies('y = f(x)\nnotes.compare("a", y)')
    assert not only_verifies("")


@pytest.mark.parametrize("path", scan.notebooks("chapters", "solutions"),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_verifying_cells_hide_their_code(path):
    chapter = path.parent.name == "chapters"
    wrong = []
    for cell in scan.notebook(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        code, tags = scan.source_text(cell), cell.get("metadata", {}).get("tags", [])
        first = code.strip().splitlines()[0] if code.strip() else ""
        if (calls_erratum(code) or (chapter and only_verifies(code))) and "hide-input" not in tags:
            wrong.append(f"{first}: tag it hide-input")
        if path.parent.name == "solutions" and calls_erratum(code) and "keep-output" not in tags:
            wrong.append(f"{first}: tag it keep-output, or the lab loses the box")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)
