"""Notebook hygiene: what nbval alone would not catch.

- valid nbformat; the standard setup cell first; a Colab badge to itself;
- chapters and solutions carry outputs from ONE top-to-bottom run, with no
  errors and no stderr (nbval compares only executed cells);
- no editor or Colab metadata;
- every widget is a dlbook.widgets.demo that carries its precomputed web
  version, and widget cells are excluded from output comparison (a headless
  kernel has no widget frontend);
- every figure has alt text; every notebook is in the table of contents.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from dlbook import widgets
from tools import book, nbclean
from tools.conventions import NBVAL_IGNORE_OUTPUT, WIDGET_VIEW

ALL = book.notebooks()
EXECUTED = book.notebooks("chapters", "solutions")


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
