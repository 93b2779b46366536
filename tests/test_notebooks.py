"""Notebook hygiene: what nbval alone would not catch.

- valid nbformat; the standard setup cell first; a Colab badge to itself;
- chapters and solutions carry outputs from ONE top-to-bottom run, with no
  errors and no stderr (nbval compares only executed cells);
- no editor or Colab metadata;
- every widget is a dlbook.widgets.demo that carries its precomputed web
  version, and widget cells are excluded from output comparison (a headless
  kernel has no widget frontend);
- every figure has alt text; every notebook is in the table of contents;
- the chapters read quietly on the web: a check of the notes is one line
  (``notes.verify``), a cell that only shows an erratum box or a quiz, and a
  demo whose static figure above shows the code, carry no code bar.
"""

from __future__ import annotations

import copy

import re

import nbformat
import pytest
import yaml

from dlbook import widgets
from tools import book, nbclean
from tools.conventions import NBVAL_IGNORE_OUTPUT, REMOVE_INPUT, WIDGET_VIEW

ALL = book.notebooks()
EXECUTED = book.notebooks("chapters", "solutions")
#: The units' chapters (chapter 0 teaches the conventions with their code in view).
UNIT_CHAPTERS = [p for p in book.notebooks("chapters") if not p.name.startswith("00_")]


def rel(path) -> str:
    return path.relative_to(book.ROOT).as_posix()


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_there_are_notebooks():
    assert EXECUTED, "no notebooks found under chapters/ or solutions/"


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_valid_nbformat(path):
    nbformat.validate(load(path))


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_setup_cell_and_badge(path):
    nb = load(path)
    first_code = code_cells(nb)[0]
    assert first_code.source == book.setup_cell_source(), (
        f"{rel(path)}: the first code cell must be tools.book.setup_cell_source() verbatim"
    )
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert book.colab_badge(rel(path)) in first_md.source, (
        f"{rel(path)}: the first markdown cell needs the Colab badge {book.colab_badge(rel(path))}"
    )


def test_badge_image_ships_with_the_book():
    """The badge is the book's own file, so the web book shows it offline."""
    badge = book.ROOT / book.BADGE
    assert badge.is_file() and "<svg" in badge.read_text(encoding="utf-8")
    image = book.colab_badge("chapters/x.ipynb").split("](", 1)[1].split(")", 1)[0]
    assert (book.ROOT / "chapters" / image).resolve() == badge.resolve()


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_no_remote_images_in_markdown(path):
    """An image fetched from another site is a broken image in the offline book."""
    for cell in load(path).cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"!\[[^\]]*\]\(https?://", cell.source), (
                f"{rel(path)}: a markdown image is fetched from the web: {cell.source[:120]!r}"
            )


@pytest.mark.parametrize("path", EXECUTED, ids=rel)
def test_outputs_come_from_one_clean_run(path):
    counts = [c.execution_count for c in code_cells(load(path))]
    assert None not in counts, f"{rel(path)}: unexecuted code cells; run `make outputs NB={rel(path)}`"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{rel(path)}: execution counts {counts} are not one top-to-bottom run"
    )


@pytest.mark.parametrize("path", EXECUTED, ids=rel)
def test_no_errors_or_stderr_stored(path):
    for i, cell in enumerate(code_cells(load(path))):
        for out in cell.outputs:
            assert out.output_type != "error", f"{rel(path)} cell {i}: stored error output"
            if out.output_type == "stream":
                assert out.name == "stdout", f"{rel(path)} cell {i}: stderr stored: {out.text[:200]!r}"


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_no_editor_or_colab_metadata(path):
    nb = load(path)
    stray = [k for k in nbclean.NOTEBOOK_KEYS if k in nb.metadata]
    assert not stray, f"{rel(path)}: notebook metadata {stray}; run python -m tools.nbclean"
    for cell in nb.cells:
        stray = [k for k in ("colab", "outputId", "executionInfo") if k in cell.metadata]
        assert not stray, f"{rel(path)}: cell metadata {stray}; run python -m tools.nbclean"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert len(nbclean.join_streams(copy.deepcopy(cell.outputs))) == len(cell.outputs), (
                f"{rel(path)} cell {i}: its printed text is stored in pieces; "
                "run python -m tools.nbclean")


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_every_widget_has_its_web_version_and_is_not_compared(path):
    for i, cell in enumerate(code_cells(load(path))):
        outputs = [o for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
        for out in outputs:
            web = out.data.get("text/html", "")
            frames = re.search(rf'class="{widgets.CSS_CLASS}"[^>]* data-frames="(\d+)"', web)
            assert frames and int(frames.group(1)) >= 2, (
                f"{rel(path)} cell {i}: this widget has no precomputed web version, so it "
                "would be dead in the web book. Show demos with dlbook.widgets.demo(...) "
                f"and store outputs with `make outputs` (it sets {widgets.ENV}=1)."
            )
        if outputs:
            assert NBVAL_IGNORE_OUTPUT in cell.metadata.get("tags", []), (
                f"{rel(path)} cell {i}: a cell showing a widget must be tagged "
                "nbval-ignore-output (and the same demo shown statically in a cell before it)"
            )


@pytest.mark.parametrize("path", EXECUTED, ids=rel)
def test_figures_have_alt_text(path):
    for i, cell in enumerate(code_cells(load(path))):
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, (
                f"{rel(path)} cell {i}: a figure needs alt text; start the cell with "
                "'# alt: <what the figure shows>' and run python -m tools.nbclean"
            )
            assert alt == nbclean.alt_text(cell.source), f"{rel(path)} cell {i}: stale alt text"


def _toc_files(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(node["file"])
        for value in node.values():
            found += _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found += _toc_files(item)
    return found


def test_table_of_contents_matches_files():
    toc = yaml.safe_load((book.ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + _toc_files(toc)
    for f in files:
        assert any((book.ROOT / f"{f}{ext}").exists() for ext in ("", ".md", ".ipynb")), (
            f"_toc.yml lists {f}, which does not exist"
        )
    for path in ALL:
        assert rel(path).removesuffix(".ipynb") in files, f"{rel(path)} is not in _toc.yml"


def _unclosed_fences(text: str) -> list[str]:
    """Directive fences (```{admonition}, ````{dropdown}...) not closed by the same fence.

    An unclosed fence swallows everything after it into the directive, and a
    label inside it is then undefined: the book build fails far from the cause.
    """
    from markdown_it import MarkdownIt

    lines = text.split("\n")
    problems = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or not token.info.startswith("{") or token.map is None:
            continue
        start, end = token.map
        last = lines[end - 1].strip() if end - 1 < len(lines) else ""
        if end - 1 == start or last != token.markup:
            problems.append(f"line {start + 1}: {lines[start].strip()!r} is not closed by "
                            f"{token.markup!r}")
    return problems


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_directive_fences_are_closed(path):
    for cell in load(path).cells:
        if cell.cell_type == "markdown":
            problems = _unclosed_fences(cell.source)
            assert not problems, f"{rel(path)} cell {cell.get('id')}: {problems}"


def test_unclosed_fence_is_found():
    good = "````{admonition} A\n:class: dropdown\ntext\n````\n\n(lbl)=\n**Q**\n"
    bad = "````{admonition} A\n:class: dropdown\ntext\n```\n\n(lbl)=\n**Q**\n"
    assert _unclosed_fences(good) == []
    assert _unclosed_fences(bad) and "not closed" in _unclosed_fences(bad)[0]


# ---- the chapters read quietly on the web ---------------------------------------------

def _calls(code: str) -> list[str]:
    """The calls a cell makes, one per non-empty line: 'notes.erratum', 'quiz', ..."""
    return [re.sub(r"\(.*", "", line) for line in code.strip().splitlines() if line.strip()]


@pytest.mark.parametrize("path", UNIT_CHAPTERS, ids=rel)
def test_checks_of_the_notes_are_one_quiet_line_each(path):
    """notes.compare prints a line per number (the labs' feedback); a chapter shows its
    checks with notes.verify: one summary line, the numbers in a <details> element, and
    every compared line still in the text nbval compares."""
    for i, cell in enumerate(code_cells(load(path))):
        assert not re.search(r"\bnotes\.compare(_all)?\(", cell.source), (
            f"{rel(path)} cell {i}: show the check with notes.verify({{...}}), not "
            "notes.compare, so that it reads as one line")
        if "notes.verify(" not in cell.source:
            continue
        checks = [o for o in cell.outputs
                  if 'class="dlbook-check"' in o.get("data", {}).get("text/html", "")]
        assert checks, f"{rel(path)} cell {i}: no stored check (run `make outputs`)"
        for out in checks:
            page, text = out.data["text/html"], out.data["text/plain"]
            assert page.count("<summary") == 1 and page.startswith("<details")
            assert text.count(": notes ") == page.count("<tr>") - 1, (
                f"{rel(path)} cell {i}: every compared line stays in the text output")


@pytest.mark.parametrize("path", UNIT_CHAPTERS, ids=rel)
def test_cells_that_only_show_a_box_or_a_quiz_have_no_code_bar(path):
    """Their code is an id; a "Show code cell source" bar above each box and each
    quiz would be noise (tools/conventions: they stay tagged hide-input as well)."""
    for i, cell in enumerate(code_cells(load(path))):
        calls = _calls(cell.source)
        if calls and set(calls) <= {"notes.erratum", "quiz"}:
            assert REMOVE_INPUT in cell.metadata.get("tags", []), (
                f"{rel(path)} cell {i}: tag it {REMOVE_INPUT}: {cell.source[:60]!r}")


@pytest.mark.parametrize("path", UNIT_CHAPTERS, ids=rel)
def test_a_demo_shows_no_build_code_under_its_static_figure(path):
    """The static figure's cell above a demo shows the code that draws it; the demo's
    own cell (controls, grid of web values, alt text) is web-only detail."""
    cells = code_cells(load(path))
    for i, cell in enumerate(cells):
        if not any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
            continue
        assert REMOVE_INPUT in cell.metadata.get("tags", []), (
            f"{rel(path)} cell {i}: a demo cell is tagged {REMOVE_INPUT}")
        assert any("image/png" in o.get("data", {}) for c in cells[:i] for o in c.outputs), (
            f"{rel(path)} cell {i}: a demo follows a static figure of the same thing")
