"""`make pdf`: the whole book as one A4 PDF, _build/pdf/dlbook.pdf.

Jupyter Book's single-page HTML build of everything in _toc.yml (made from
the committed, nbval-checked notebook outputs: execution is off) is printed
by headless Chromium, offline, after MathJax has typeset the math. The print
rules (A4, margins, page numbers, wrapped code, no buttons) are in
assets/static/dlbook-print.css. When the web book is built (_build/html),
the PDF is copied to its root as dlbook.pdf, which every page's footer links.

    python -m tools.pdf              # build the single page, print it
    python -m tools.pdf --no-build   # print the existing single page again
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tools import book, chromium

BUILD = book.ROOT / "_build"
SINGLE = BUILD / "singlehtml"
OUT = BUILD / "pdf" / "dlbook.pdf"
SITE_COPY = BUILD / "html" / "dlbook.pdf"
LOG = BUILD / "pdf" / "singlehtml-build.log"
# Virtual time the page gets before it is printed: a margin for MathJax (it
# typesets the whole book during the page load already). Virtual time runs
# ahead when the page idles, so it costs no wall time: printing took 110 s
# with a budget of 1 ms and 105 s with this one (2 busy cores).
BUDGET_MS = 60_000


def root_page() -> Path:
    """The single page: the root document of _toc.yml, which holds all others."""
    toc = yaml.safe_load((book.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return SINGLE / f"{toc['root']}.html"


def build_single_page() -> None:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    # This Python's jupyter-book (the venv's), whatever is first on PATH.
    jb = Path(sys.executable).with_name("jupyter-book")
    with LOG.open("w", encoding="utf-8") as log:
        res = subprocess.run([str(jb) if jb.exists() else "jupyter-book", "build", str(book.ROOT),
                              "--builder", "singlehtml"],
                             stdout=log, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        tail = LOG.read_text(encoding="utf-8").splitlines()[-30:]
        sys.exit("pdf: the single-page build failed; the end of " f"{LOG}:\n" + "\n".join(tail))


def print_pdf(page: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    # Page numbers come from the print rules (@page), not Chromium's header
    # and footer (date, file:// URL). The outline (the PDF's bookmarks) is
    # built from the headings; it needs the tagged PDF, which also makes the
    # file three times larger (25 MB against 8 MB) and readable by a screen reader.
    chromium.run("--no-pdf-header-footer", "--generate-pdf-document-outline",
                 f"--print-to-pdf={out}", page.as_uri(), budget_ms=BUDGET_MS, timeout=900)
    if not out.exists() or out.stat().st_size == 0:
        sys.exit(f"pdf: Chromium wrote no PDF at {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true",
                        help="print the existing _build/singlehtml without rebuilding it")
    args = parser.parse_args(argv)
    if chromium.find() is None:
        sys.exit(f"pdf: headless Chromium is needed: {chromium.INSTALL}")
    start = time.perf_counter()
    if not args.no_build:
        build_single_page()
    page = root_page()
    if not page.exists():
        sys.exit(f"pdf: {page.relative_to(book.ROOT)} is missing: run without --no-build")
    built = time.perf_counter()
    try:
        print_pdf(page, OUT)
    except RuntimeError as err:
        sys.exit(f"pdf: {err}")
    printed = time.perf_counter()
    where = OUT.relative_to(book.ROOT)
    if SITE_COPY.parent.is_dir():
        shutil.copyfile(OUT, SITE_COPY)
        where = f"{where} (and {SITE_COPY.relative_to(book.ROOT)}, linked from every page)"
    print(f"pdf: {where}, {OUT.stat().st_size / 1e6:.1f} MB; "
          f"single-page build {built - start:.0f} s, print {printed - built:.0f} s")


if __name__ == "__main__":
    main()
