"""The PDF of the book (`make pdf`) reads like the book: every document of the
table of contents starts a page, the math is typeset, the figures are there,
and the web book links the PDF.

Runs after the PDF build in `make test` (marker `pdf`); builds the PDF if it
is missing. Needs poppler-utils (pdfinfo, pdftotext, pdffonts, pdfimages,
pdftoppm). Pages rendered to PNG are left in _build/pdf/pages/ for a person
to look at: the title page, the first page of each chapter, an equation page,
a figure page.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from tools import book, pdf

pytestmark = pytest.mark.pdf

PAGES = pdf.OUT.parent / "pages"
# TeX that MathJax failed to typeset would reach the page as written.
RAW_TEX = re.compile(r"\$\$|\\\[|\\\(|\\begin\{|\\frac\{|\\sum_|\\partial ")


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is needed: apt-get install poppler-utils "
                    "(make test and make pdf install it when run as root)")
    res = subprocess.run([tool, *args], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"{tool} {' '.join(args)}: {res.stderr[-1000:]}"
    return res.stdout


@pytest.fixture(scope="module")
def built() -> Path:
    if not pdf.OUT.exists():
        pdf.main([])
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob("*.png"):
        old.unlink()
    return pdf.OUT


@pytest.fixture(scope="module")
def pages(built) -> list[str]:
    """The text of each page, in order (pdftotext puts a form feed after each)."""
    return poppler("pdftotext", "-layout", str(built), "-").split("\f")[:-1]


def toc_files() -> list[str]:
    """Every document of _toc.yml: the root and all files of all parts."""
    toc = yaml.safe_load((book.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


@cache
def single_page() -> str:
    return pdf.root_page().read_text(encoding="utf-8")


def document_titles() -> dict[str, str]:
    """document -> its title, for each document the single page holds after the root."""
    titles = {}
    for m in re.finditer(r'<span id="document-([^"]+)"></span>', single_page()):
        heading = re.search(r"<h\d[^>]*>(.*?)<a class=\"headerlink\"", single_page()[m.end():], re.S)
        titles[m.group(1)] = " ".join(html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).split())
    return titles


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def starts(pages) -> dict[str, int]:
    """document -> index of its first page: the first page after the previous
    document's that begins with its title (its first 25 characters: a long
    title wraps)."""
    found, previous = {}, 0
    for doc in toc_files()[1:]:
        title = document_titles()[doc]
        found[doc] = previous = next(
            (i for i in range(previous + 1, len(pages)) if words(pages[i]).startswith(title[:25])),
            None)
        assert previous is not None, f"{doc}: no page begins with its title {title!r}"
    return found


def render(page: int, name: str, dpi: int = 60) -> Path:
    """Page `page` (0-based) as _build/pdf/pages/NNN-name.png."""
    stem = PAGES / f"{page + 1:03d}-{name}"
    poppler("pdftoppm", "-png", "-r", str(dpi), "-singlefile",
            "-f", str(page + 1), "-l", str(page + 1), str(pdf.OUT), str(stem))
    return stem.with_suffix(".png")


def ink(png: Path) -> float:
    """Standard deviation of the page's pixels: about 0 for a blank page."""
    import matplotlib.image as mpimg

    return float(mpimg.imread(png).std())


def test_the_whole_book_is_in_the_pdf_one_document_per_new_page(pages, starts):
    assert list(document_titles()) == toc_files()[1:], "the single page is not the whole toc"
    # `starts` found each document's title at the top of a page, in toc order.
    assert ink(render(0, "title")) > 0.05
    for doc in toc_files()[1:]:
        if doc.startswith("chapters/"):
            assert ink(render(starts[doc], Path(doc).stem)) > 0.05


def test_page_count_is_sane(built, pages):
    count = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(built)), re.M).group(1))
    assert count == len(pages)
    # At least a page per document of the toc (each starts a page) ...
    assert count >= len(toc_files())
    # ... and not absurdly many: an A4 page of this book holds about 300
    # words; a quarter of that on average would mean the print rules broke
    # (huge type, a figure or a code cell per page).
    total = sum(len(text.split()) for text in pages)
    assert total / count > 75, f"{count} pages for {total} words"


def test_equations_are_typeset(pages, starts):
    # The TeX of every equation of the book: none may reach a page as written.
    tex = {
        "".join(html.unescape(m).split())
        for m in re.findall(r'class="math notranslate nohighlight">(.*?)</', single_page(), re.S)
    }
    tex = {t for t in tex if "\\" in t and len(t) >= 12}
    assert len(tex) > 50, "the book has far fewer equations than it should"
    text = "".join("".join(pages).split())
    untypeset = sorted(t for t in tex if t in text)
    assert not untypeset, f"equations printed as raw TeX: {untypeset[:5]}"
    # The first page of Chapter 1 onwards with MathJax's glyphs (web fonts,
    # which Chromium embeds as Type 3 fonts) shows no TeX and has ink.
    for i in range(starts["chapters/01_neural_networks"], len(pages)):
        fonts = poppler("pdffonts", "-f", str(i + 1), "-l", str(i + 1), str(pdf.OUT))
        if "Type 3" in fonts:
            break
    else:
        pytest.fail("no page of Chapter 1 or later has MathJax's fonts")
    assert not RAW_TEX.search(pages[i]), pages[i]
    assert ink(render(i, "equation")) > 0.05


def test_figures_are_present(built):
    rows = [line.split() for line in poppler("pdfimages", "-list", str(built)).splitlines()[2:]]
    # page num type width height color ...: the plots the notebooks stored.
    figures = [r for r in rows if r[2] == "image" and int(r[3]) >= 300 and int(r[4]) >= 150]
    plots = set(re.findall(r'<img[^>]+src="(_images/[^"]+\.png)"', single_page()))
    # Column 10 is the image's object id: a plot printed twice counts once.
    assert len({r[10] for r in figures}) >= len(plots) * 0.9, (
        f"{len(figures)} figures in the PDF, {len(plots)} PNG images in the book")
    page = int(figures[0][0]) - 1
    png = render(page, "figure", dpi=80)
    assert ink(png) > 0.05, f"{png} is (nearly) blank"


def test_the_web_book_links_the_pdf(built):
    site = book.ROOT / "_build" / "html"
    if not site.is_dir():
        pytest.skip("the web book is not built (make book builds it and the PDF)")
    assert pdf.SITE_COPY.read_bytes() == built.read_bytes(), "the site's dlbook.pdf is stale"
    for page in (site / "intro.html", site / "chapters" / "01_neural_networks.html"):
        links = re.findall(r'<a[^>]+href="([^"]*dlbook\.pdf)"', page.read_text(encoding="utf-8"))
        assert links, f"{page.name} has no link to the PDF"
        assert all((page.parent / link).resolve() == pdf.SITE_COPY for link in links)


def test_chapters_print_the_one_line_form_of_a_box_and_the_appendix_its_full_text(pages, starts):
    """A collapsed box prints as its one line (verdict, topic, notes and lines);
    its full text is printed only in the errata appendix."""
    from dlbook import notes

    docs = toc_files()[1:]

    def squash(text: str) -> str:  # pdftotext breaks lines anywhere; Sphinx curls quotes
        text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
        return re.sub(r"\s+", "", text)

    def text_of(doc: str) -> str:
        i = docs.index(doc)
        end = starts[docs[i + 1]] if i + 1 < len(docs) else len(pages)
        return squash(" ".join(pages[starts[doc]:end]))

    appendix = text_of("appendix/errata")
    checked = found = 0
    for c in notes.registry().values():
        if not (c.is_statement and c.is_shown and c.section.startswith("chapters/")):
            continue
        chapter = text_of(c.section)
        # the topic may hold math or code: look for the notes and lines, which end the line
        assert squash(f"({c.notes.short_name}, {notes.lines_text(c.lines)})") in chapter, \
            f"{c.id}: its one line is not printed"
        why = squash(notes.erratum_fields(c)[2][1])[:60]  # 'Why': plain prose
        assert why not in chapter, f"{c.id}: the chapter prints the full text of a collapsed box"
        if not re.search(r"[`*$\\_\[\]]", notes.erratum_fields(c)[2][1][:80]):
            found += why in appendix  # plain prose: the same words are found where printed
        assert squash(c.id) in appendix, f"{c.id}: not in the errata appendix"
        checked += 1
    assert checked > 100 and found > checked // 3, (checked, found)
