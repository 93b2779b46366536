"""The built web book works offline: math, plots and demos work in Chromium.

Runs after the book build (step 6 of `make test`). Chromium gets a proxy that
points nowhere, so any request for a CDN asset fails: what renders comes
from the built site alone. Every demo (dlbook.widgets.demo) is driven as a
reader would drive it, through Playwright: each control is set to another
value, and the frame must change, in the DOM and in pixels, with nothing
failing to load. Screenshots are left in _build/screenshots/ (one page per
chapter, and each demo before and after) for a person to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from dlbook import widgets
from tools import book, chromium

pytestmark = pytest.mark.browser

HTML = book.ROOT / "_build" / "html"
SHOTS = book.ROOT / "_build" / "screenshots"
PAGE = HTML / "chapters" / "00_setup_and_conventions.html"
CDN = re.compile(r"""(src|href)=["']https?://[^"']*(cdn|unpkg|jsdelivr|cloudflare)""", re.I)


def chromium_path() -> str:
    path = chromium.find()
    if path:
        return path
    if os.environ.get("DLBOOK_SKIP_BROWSER") == "1":
        pytest.skip("DLBOOK_SKIP_BROWSER=1 and no Chromium installed")
    pytest.fail(f"Chromium is needed for the offline browser check: {chromium.INSTALL}, "
                "or set DLBOOK_SKIP_BROWSER=1 locally.")


def run_chromium(*args: str) -> str:
    chromium_path()
    return chromium.run(*args).stdout


@pytest.fixture(scope="module")
def built() -> Path:
    if not PAGE.exists():
        subprocess.run(["jupyter-book", "build", str(book.ROOT)], check=True, capture_output=True)
    assert PAGE.exists(), f"{PAGE} was not built"
    return PAGE


def test_no_page_loads_assets_from_a_cdn(built):
    offenders = {
        p.relative_to(HTML).as_posix(): CDN.findall(p.read_text(errors="ignore"))
        for p in HTML.rglob("*.html")
        if CDN.search(p.read_text(errors="ignore"))
    }
    assert not offenders, f"pages that load from a CDN: {offenders}"


def test_math_plot_and_widget_render_offline(built):
    dom = run_chromium("--dump-dom", built.as_uri())
    assert "<mjx-container" in dom, "MathJax did not typeset the equation (is _vendor/mathjax served?)"
    assert re.search(r'<img[^>]+alt="Two S-shaped curves', dom), "the plot (with its alt text) is missing"
    assert 'class="dlbook-demo"' in dom, "the demo was not rendered"


def test_screenshot_shows_a_page(built):
    import matplotlib.image as mpimg

    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "00_setup_and_conventions.png"
    shot.unlink(missing_ok=True)
    run_chromium(f"--screenshot={shot}", built.as_uri())
    assert shot.exists(), "Chromium wrote no screenshot"
    pixels = mpimg.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels.std() > 0.05, "the screenshot is (nearly) blank"


# ---- demos: driven like a reader, in Playwright --------------------------------------

#: A page may weigh this much (its HTML, frames included) because of its demos.
MAX_PAGE_BYTES = 3_000_000


def demo_pages() -> list[Path]:
    return sorted(p for p in HTML.rglob("*.html")
                  if f'class="{widgets.CSS_CLASS}"' in p.read_text(errors="ignore"))


def chapter_pages() -> list[Path]:
    return sorted((HTML / "chapters").glob("*.html"))


@pytest.fixture(scope="module")
def browser(built):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright drives the demos: pip install -r requirements.txt "
                    "(it uses Debian's chromium, so it downloads no browser)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=chromium_path(),
            args=[a for a in chromium.OFFLINE if a != "--headless"])
        yield instance
        instance.close()


#: Script errors of the theme itself, each with the reason it is harmless.
KNOWN_SCRIPT_ERRORS = {
    "Identifier 'THEBE_JS_URL' has already been declared":
        "sphinx-thebe 0.3.1 writes its config script twice on every page; the book "
        "does not use Thebe (live code on a remote kernel), so nothing reads it",
}


def open_page(browser, path: Path):
    """The page, loaded, and the list its problems are written to."""
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    problems: list[str] = []
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    page.on("pageerror", lambda e: str(e) in KNOWN_SCRIPT_ERRORS
            or problems.append(f"script error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.goto(path.as_uri(), wait_until="load")
    # MathJax typesets after the load event: wait for its first pass, and fonts.
    page.evaluate("""async () => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
            await MathJax.startup.promise;
        }
        await document.fonts.ready;
    }""")
    return page, problems


def test_every_chapter_has_a_demo_and_no_page_is_heavy_because_of_one(built):
    pages = demo_pages()
    demo_chapters = {p.name for p in pages if p.parent.name == "chapters"}
    assert {p.name for p in chapter_pages()} <= demo_chapters, "a chapter lost its demo"
    heavy = {p.relative_to(HTML).as_posix(): p.stat().st_size for p in pages
             if p.stat().st_size > MAX_PAGE_BYTES}
    assert not heavy, f"pages over {MAX_PAGE_BYTES} bytes: {heavy}; precompute fewer frames"


def test_each_chapter_page_renders_offline(browser):
    (SHOTS / "pages").mkdir(parents=True, exist_ok=True)
    for path in chapter_pages():
        page, problems = open_page(browser, path)
        # Typeset math that a reader sees: the first formula of a chapter may sit in a
        # collapsed dropdown (the notation table), so wait for a visible one.
        page.wait_for_selector("mjx-container >> visible=true", timeout=20_000)
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src.slice(0, 80))")
        page.screenshot(path=str(SHOTS / "pages" / f"{path.stem}.png"))
        page.close()
        assert not problems and not broken, f"{path.name}: {problems} {broken}"


# What a control shows the reader: a slider's <output>, a dropdown's chosen option.
READOUT = """el => el.tagName === "SELECT" ? el.options[el.selectedIndex].text
                                        : el.parentNode.querySelector("output").textContent"""


def frame_state(demo) -> tuple[str, bytes]:
    frame = demo.query_selector(".dlbook-demo-frame")
    return frame.inner_html(), demo.screenshot()


def pixel_change(before: bytes, after: bytes) -> float:
    import io

    import numpy as np
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("L"), dtype=float) for x in (before, after))
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.mean(np.abs(a[:h, :w] - b[:h, :w]) > 8)) + (a.shape != b.shape)


def test_every_control_of_every_demo_changes_its_frame(browser):
    shots = SHOTS / "demos"
    shots.mkdir(parents=True, exist_ok=True)
    report = []
    for path in demo_pages():
        page, problems = open_page(browser, path)
        demos = page.query_selector_all(f".{widgets.CSS_CLASS}")
        assert demos, f"{path.name}: no demo found"
        for d, demo in enumerate(demos):
            demo.scroll_into_view_if_needed()
            assert demo.get_attribute("data-ready") == "1", f"{path.name} demo {d}: script did not run"
            link = demo.query_selector("a.dlbook-demo-colab")  # only where values are missing
            colab = link.get_attribute("href") if link else "https://colab.research.google.com/" + path.stem
            assert "colab.research.google.com" in colab and path.stem in colab, (
                f"{path.name} demo {d}: the demo's Colab link is {colab!r}")
            controls = demo.query_selector_all("[data-control]")
            assert controls, f"{path.name} demo {d}: no control"
            for k, control in enumerate(controls):
                html0, png0 = frame_state(demo)
                readout0 = control.evaluate(READOUT)
                target = control.evaluate(
                    """el => {
                        const n = el.tagName === "SELECT" ? el.options.length : (+el.max + 1);
                        return String((parseInt(el.value, 10) + Math.ceil(n / 2)) % n);
                    }""")
                if control.evaluate("el => el.tagName") == "SELECT":
                    control.select_option(target)
                else:
                    control.fill(target)
                html1, png1 = frame_state(demo)
                stem = f"{path.stem}-demo{d}-control{k}"
                (shots / f"{stem}-before.png").write_bytes(png0)
                (shots / f"{stem}-after.png").write_bytes(png1)
                change = pixel_change(png0, png1)
                report.append(f"{path.name} demo {d} control {k}: {change:.3f} of pixels changed")
                assert control.evaluate("el => el.value") == target, f"{stem}: the control did not move"
                assert control.evaluate(READOUT) != readout0, f"{stem}: the readout did not change"
                assert html1 != html0, f"{stem}: the frame did not change"
                assert change > 0.001, f"{stem}: the picture did not change"
        page.close()
        assert not problems, f"{path.name}: {problems}"
    (shots / "report.txt").write_text("\n".join(report) + "\n")


# ---- the boxes of the notes registry step aside ----------------------------------------

#: At most this share of a chapter page's height may be taken by the boxes of
#: the notes registry (dlbook.notes.erratum), as a reader first sees the page:
#: every box but a worked number's erratum collapsed to one line.
MAX_BOX_SHARE = 0.08

BOX_SHARE = """() => {
    const boxes = [...document.querySelectorAll("div.admonition.dlbook-claim")];
    const article = document.querySelector("article.bd-article") || document.body;
    const total = article.getBoundingClientRect().height;
    const outer = b => {  // the box and the gaps above and below it
        const s = getComputedStyle(b);
        return b.getBoundingClientRect().height + parseFloat(s.marginTop) + parseFloat(s.marginBottom);
    };
    const taken = boxes.reduce((sum, b) => sum + outer(b), 0);
    return {n: boxes.length, total, taken,
            open: boxes.filter(b => !b.classList.contains("dropdown")).length};
}"""


def test_the_notes_boxes_take_little_of_each_chapter_page(browser):
    shares = {}
    for path in chapter_pages():
        page, _ = open_page(browser, path)
        page.wait_for_timeout(300)  # sphinx-togglebutton collapses the dropdowns on load
        m = page.evaluate(BOX_SHARE)
        page.close()
        shares[path.stem] = m
    assert any(m["n"] for m in shares.values()), "no box of the notes registry on any chapter page"
    crowded = {name: f"{m['taken'] / m['total']:.1%} ({m['n']} boxes, {m['open']} open)"
               for name, m in shares.items() if m["n"] and m["taken"] > MAX_BOX_SHARE * m["total"]}
    assert not crowded, f"boxes take more than {MAX_BOX_SHARE:.0%} of these pages: {crowded}"


def test_a_collapsed_box_of_each_verdict_opens_to_its_full_text(browser):
    from dlbook import notes

    seen = set()
    for path in chapter_pages():
        page, _ = open_page(browser, path)
        page.wait_for_timeout(300)
        for verdict, cls in [("erratum", "warning"), ("imprecise", "dlbook-quiet"),
                             ("omission", "dlbook-quiet")]:
            if verdict in seen:
                continue
            claims = [c for c in notes.registry().values()
                      if c.verdict == verdict and c.is_statement
                      and c.section == f"chapters/{path.stem}"]
            for c in claims:
                title = notes.one_line(c).split(" (")[0]
                box = page.locator(f"div.admonition.dlbook-claim.dropdown.{cls}",
                                   has=page.locator(".admonition-title", has_text=title)).first
                if not box.count():
                    continue
                body = box.locator("ul").first
                assert not body.is_visible(), f"{c.id}: the box is open before a click"
                box.locator("button.toggle-button").click()  # not the title: it holds a link
                page.wait_for_timeout(400)
                assert body.is_visible(), f"{c.id}: a click does not open the box"
                assert "The notes say" in body.inner_text()
                seen.add(verdict)
                break
        page.close()
    want = {c.verdict for c in notes.registry().values()
            if c.is_statement and c.is_shown and c.section.startswith("chapters/")}
    assert seen == want, f"no box found for {sorted(want - seen)}"
