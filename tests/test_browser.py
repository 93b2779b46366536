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



def open_page(browser, path: Path):
    """The page, loaded, and the list its problems are written to."""
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    problems: list[str] = []
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
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


@pytest.fixture(scope="module")
def loaded(browser):
    """open_page, once per page for the whole module: a chapter page (2.7 MB with
    its demo frames) takes about 10 s to load on 2 cores, and five tests read the
    chapter pages. The tests that change a page (a box opened, a demo moved, a
    question answered) come after those that measure it as a reader first sees it;
    each page's problems are gathered for its whole life."""
    cache: dict[Path, tuple] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = open_page(browser, path)
        return cache[path]

    yield get
    for page, _ in cache.values():
        page.close()


def test_every_chapter_has_a_demo_and_no_page_is_heavy_because_of_one(built):
    pages = demo_pages()
    demo_chapters = {p.name for p in pages if p.parent.name == "chapters"}
    assert {p.name for p in chapter_pages()} <= demo_chapters, "a chapter lost its demo"
    heavy = {p.relative_to(HTML).as_posix(): p.stat().st_size for p in pages
             if p.stat().st_size > MAX_PAGE_BYTES}
    assert not heavy, f"pages over {MAX_PAGE_BYTES} bytes: {heavy}; precompute fewer frames"


def test_each_chapter_page_renders_offline(loaded):
    (SHOTS / "pages").mkdir(parents=True, exist_ok=True)
    for path in chapter_pages():
        page, problems = loaded(path)
        # Typeset math that a reader sees: the first formula of a chapter may sit in a
        # collapsed dropdown (the notation table), so wait for a visible one.
        page.wait_for_selector("mjx-container >> visible=true", timeout=20_000)
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src.slice(0, 80))")
        page.screenshot(path=str(SHOTS / "pages" / f"{path.stem}.png"))
        assert not problems and not broken, f"{path.name}: {problems} {broken}"


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


def test_the_notes_boxes_take_little_of_each_chapter_page(loaded):
    shares = {}
    for path in chapter_pages():
        page, _ = loaded(path)
        page.wait_for_timeout(300)  # sphinx-togglebutton collapses the dropdowns on load
        m = page.evaluate(BOX_SHARE)
        shares[path.stem] = m
    assert any(m["n"] for m in shares.values()), "no box of the notes registry on any chapter page"
    crowded = {name: f"{m['taken'] / m['total']:.1%} ({m['n']} boxes, {m['open']} open)"
               for name, m in shares.items() if m["n"] and m["taken"] > MAX_BOX_SHARE * m["total"]}
    assert not crowded, f"boxes take more than {MAX_BOX_SHARE:.0%} of these pages: {crowded}"


def test_a_collapsed_box_of_each_verdict_opens_to_its_full_text(loaded):
    from dlbook import notes

    seen = set()
    for path in chapter_pages():
        page, _ = loaded(path)
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
    want = {c.verdict for c in notes.registry().values()
            if c.is_statement and c.is_shown and c.section.startswith("chapters/")}
    assert seen == want, f"no box found for {sorted(want - seen)}"


# ---- demos, driven (after the boxes are measured: a moved demo changes the page's height)

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


def test_every_control_of_every_demo_changes_its_frame(loaded):
    shots = SHOTS / "demos"
    shots.mkdir(parents=True, exist_ok=True)
    report = []
    for path in demo_pages():
        page, problems = loaded(path)
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
        assert not problems, f"{path.name}: {problems}"
    (shots / "report.txt").write_text("\n".join(report) + "\n")


# ---- self-check questions (dlbook.quiz): every question, with the keyboard ------------

#: Bytes of HTML one question may add to a page, and one block's shared style and script.
MAX_QUIZ_QUESTION_BYTES = 6_000
MAX_QUIZ_SHARED_BYTES = 6_500
#: WCAG AA for text.
MIN_CONTRAST = 4.5


def quiz_pages() -> list[Path]:
    from dlbook import quiz

    return sorted(p for p in HTML.rglob("*.html")
                  if f'class="{quiz.CSS_CLASS}"' in p.read_text(errors="ignore"))


def quiz_questions() -> dict:
    """Every question of the package, by id, from the files that load."""
    from dlbook import quiz

    out = {}
    for path in sorted(quiz.QUIZ_DIR.glob("*/*.yaml")):
        try:
            out.update({q.id: q for q in quiz.load_file(path).questions})
        except quiz.QuizError:
            pass
    return out


def quiz_sizes(path: Path) -> dict[str, tuple[int, list[int]]]:
    """The bytes of each quiz block in the page as served (before any script
    or MathJax runs), and of each of its questions."""
    text = path.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r'<div class="dlbook-quiz" id="[^"]+" data-section="([^"]+)">.*?</script></div>',
                         text, re.S):
        block = m.group(0)
        per = [len(q.encode()) for q in re.findall(r'<div class="dq-q".*?</details></div>', block, re.S)]
        out[m.group(1)] = (len(block.encode()), per)
    return out


# The contrast of an element's text with the colour behind it (the first
# ancestor with an opaque background).
CONTRAST = """el => {
    const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
    const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
        return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
    let bg = null;
    for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { bg = c; break; }
    }
    bg = bg || [255, 255, 255];
    const fg = rgb(getComputedStyle(el).color);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""

FOCUS_RING = """el => { const s = getComputedStyle(el);
    return document.activeElement === el && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2; }"""


# The lowest contrast of each selector's elements in a block, in one call.
BLOCK_CONTRAST = "(block, sels) => { const contrast = " + CONTRAST + """;
    return sels.map(sel => [sel, Math.min(99, ...[...block.querySelectorAll(sel)].map(contrast))]); }"""

def _tab(page, back: bool = False):
    """Tab (or Shift+Tab) to the next control. MathJax makes each formula a tab
    stop (its menu and explorer): a formula in an option is passed over."""
    for _ in range(60):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if not page.evaluate("() => document.activeElement.matches('mjx-container')"):
            return


def _tab_into(page, q):
    """Focus the question's legend (made focusable for the test), then Tab:
    the keyboard moves on to the question's first control."""
    q.query_selector("legend").evaluate("e => { e.tabIndex = -1; e.focus(); }")
    _tab(page)


RESULT = """(q, shown) => [q.getAttribute("data-state"), q.querySelector(".dq-result").innerText,
    !!(shown && q.querySelector(".dq-result " + shown))]"""


def _result(q) -> tuple[str | None, str]:
    state, text, _ = q.evaluate(RESULT, None)
    return state, text


def _expect(q, state, shown, where):
    got, text, present = q.evaluate(RESULT, shown)
    word = {"correct": "Correct.", "wrong": "Not quite."}[state]
    assert got == state and text.startswith(word), f"{where}: expected {word!r}, got {got} {text[:80]!r}"
    assert present, f"{where}: the feedback {shown} is not shown"


def _focused(page, cls):
    return page.evaluate(f"() => document.activeElement && document.activeElement.matches({cls!r})")


def _choice(page, q, data, where, rings):
    inputs = q.query_selector_all("input")
    right = set(data.right)
    wrong = [k for k in range(len(inputs)) if k not in right]
    if data.kind == "single":
        w, r = wrong[0], next(iter(right))
        _tab_into(page, q)
        assert not rings or inputs[0].evaluate(FOCUS_RING), (
            f"{where}: no visible focus ring on the first option")
        for _ in range(w):
            page.keyboard.press("ArrowDown")
        if w == 0:
            page.keyboard.press("Space")
        assert inputs[w].is_checked(), f"{where}: the arrow keys did not choose option {w}"
        assert _result(q) == (None, ""), f"{where}: choosing with the arrow keys submitted"
        _tab(page)
        assert _focused(page, ".dq-check"), f"{where}: Tab does not reach Check"
        assert not rings or q.query_selector(".dq-check").evaluate(FOCUS_RING), (
            f"{where}: no visible focus ring on Check")
        page.keyboard.press("Enter")
        _expect(q, "wrong", f'[data-option="{w}"]', f"{where}, option {w}")
        _tab(page, back=True)  # back to the chosen option
        n = len(inputs)
        for _ in range((r - w) % n):
            page.keyboard.press("ArrowDown")
        assert inputs[r].is_checked(), f"{where}: the arrow keys did not reach option {r}"
        _tab(page)
        page.keyboard.press("Space")
        _expect(q, "correct", f'[data-option="{r}"]', f"{where}, option {r}")
        return

    def tick(wanted):
        _tab_into(page, q)
        for k, box in enumerate(inputs):
            if box.is_checked() != (k in wanted):
                page.keyboard.press("Space")
            _tab(page)
        assert _focused(page, ".dq-check"), f"{where}: Tab does not reach Check"

    first_wrong = {wrong[0]} if wrong else {min(right)}
    tick(first_wrong)
    page.keyboard.press("Enter")
    _expect(q, "wrong", f'[data-option="{min(first_wrong)}"]', where)
    tick(right)
    page.keyboard.press("Space")
    _expect(q, "correct", f'[data-option="{min(right)}"]', where)


def _numeric(page, q, data, where, rings):
    from dlbook import quiz

    value, tol = quiz.answer(data), data.tolerance
    slips = quiz.slip_values(data)
    field = q.query_selector("input[type=text]")
    label = q.query_selector(f'label[for="{field.get_attribute("id")}"]')
    assert label and label.inner_text().strip(), f"{where}: the input has no label"

    def enter(x, submit="Enter"):
        _tab_into(page, q)
        assert _focused(page, "input[type=text]"), f"{where}: Tab does not reach the input"
        page.keyboard.press("Control+A")
        page.keyboard.type(x)
        if submit == "Enter":
            page.keyboard.press("Enter")
        else:
            _tab(page)
            page.keyboard.press("Space")

    far = value + 1000 * tol + 7.3
    assert all(abs(far - s) > tol for s in slips)
    enter(repr(far))
    _expect(q, "wrong", "[data-fb=wrong]", f"{where}, {far}")
    if slips:
        enter(repr(slips[0]), submit="button")
        _expect(q, "wrong", "[data-fb=slip]", f"{where}, slip {slips[0]}")
    inside = value + 0.6 * tol
    enter(f"{inside:.12g}", submit="button")
    _expect(q, "correct", "[data-fb=correct]", f"{where}, {inside}")
    assert not rings or q.query_selector(".dq-check").evaluate(FOCUS_RING), (
        f"{where}: no visible focus ring on Check")


# Every question's tab stops, in order (MathJax's formulas apart: _tab passes over
# them), and any element of the block with a positive tabindex (which would
# reorder the keyboard). With the same script on every block, a question whose
# stops are its options, then Check (or its field, then Check), works with the
# keyboard as the one of its kind that the test drives key by key.
TAB_STOPS = """block => {
    const stops = q => [...q.querySelectorAll("fieldset *")].filter(e => e.tabIndex >= 0
        && !e.disabled && !e.hidden && !e.closest("mjx-container") && e.getClientRects().length
        && ["INPUT", "BUTTON", "A", "SELECT", "TEXTAREA"].includes(e.tagName) || (e.tabIndex > 0))
        .map(e => e.matches(".dq-check") ? "check" : e.type);
    return [[...block.querySelectorAll("[tabindex]")].filter(e => e.tabIndex > 0).length,
            [...block.querySelectorAll(".dq-q")].map(q => [q.id.slice(3), stops(q)])];
}"""

# Choices and numbers entered through the DOM, then Check clicked: every step of
# every question of a block in one call. Each step: [qid, where, choose (option
# numbers) or type (text), the feedback that must be shown]. Returns what each
# step showed, after MathJax typeset any formula in the feedback.
DRIVE = """async (block, steps) => {
    const out = [];
    for (const [qid, where, choose, type, shown] of steps) {
        const q = block.querySelector("#" + CSS.escape("dq-" + qid));
        if (type === null) {
            q.querySelectorAll("input").forEach((el, k) => { el.checked = choose.includes(k);
                el.dispatchEvent(new Event("change")); });
        } else {
            const field = q.querySelector("input[type=text]");
            field.value = type;
            field.dispatchEvent(new Event("input"));
        }
        q.querySelector(".dq-check").click();
        const result = q.querySelector(".dq-result");
        let typeset = true;
        if (result.querySelector(".math")) {  // typeset on reveal, asynchronously
            typeset = false;
            for (let t = 0; t < 200 && !typeset; t++) {
                await new Promise(r => setTimeout(r, 50));
                typeset = !!result.querySelector("mjx-container");
            }
        }
        out.push([where, q.getAttribute("data-state"), result.innerText,
                  !!result.querySelector(shown), typeset]);
    }
    return out;
}"""


def quiz_steps(data, where) -> list[tuple[str, str, list[int] | None, str | None, str, str]]:
    """(where, choose, type, expected state, feedback shown) of every step of one
    question: each wrong option of a single choice, then its right one; a
    multiple choice with its first wrong option, then with every right one;
    a number far off, each recorded slip, then one inside the tolerance."""
    from dlbook import quiz

    if data.kind == "numeric":
        value, tol = quiz.answer(data), data.tolerance
        far = value + 1000 * tol + 7.3
        slips = quiz.slip_values(data)
        assert all(abs(far - v) > tol for v in slips)
        inside = value + 0.6 * tol
        return ([(f"{where}, {far!r}", None, repr(far), "wrong", "[data-fb=wrong]")]
                + [(f"{where}, slip {v!r}", None, repr(v), "wrong", "[data-fb=slip]") for v in slips]
                + [(f"{where}, {inside:.12g}", None, f"{inside:.12g}", "correct", "[data-fb=correct]")])
    right = sorted(data.right)
    wrong = [k for k in range(len(data.options)) if k not in right]
    if data.kind == "single":
        return ([(f"{where}, option {k}", [k], None, "wrong", f'[data-option="{k}"]') for k in wrong]
                + [(f"{where}, option {right[0]}", right, None, "correct", f'[data-option="{right[0]}"]')])
    first = [wrong[0]] if wrong else right[:1]
    return [(f"{where}, options {first}", first, None, "wrong", f'[data-option="{first[0]}"]'),
            (f"{where}, options {right}", right, None, "correct", f'[data-option="{right[0]}"]')]


def test_every_quiz_question_works_with_the_keyboard_offline(loaded):
    """Every question, every verdict: each wrong option of a single choice, a
    wrong and the right set of a multiple choice, a number far off, each slip
    and a number inside the tolerance, entered through the DOM (one call a
    block). The keyboard, key by key (Tab, the arrows, Space, Enter, Shift+Tab,
    each focus ring), on the first question of each kind of every page, and its
    focus ring on the first question of every block; every other question has
    the same tab stops in the same order (TAB_STOPS), under the same script."""
    from dlbook import quiz

    pages = quiz_pages()
    assert pages, "no page shows self-check questions (dlbook.quiz)"
    questions = quiz_questions()
    shots = SHOTS / "quizzes"
    shots.mkdir(parents=True, exist_ok=True)
    report, low, wrong, keyed = [], [], [], []
    expected_stops = {"numeric": ["text", "check"]}
    for path in pages:
        sizes = quiz_sizes(path)
        page, problems = loaded(path)
        blocks = page.query_selector_all(f".{quiz.CSS_CLASS}")
        kinds_keyed: set[str] = set()
        for block in blocks:
            label = block.get_attribute("data-section")
            assert block.get_attribute("data-ready") == "1", f"{label}: the script did not run"
            block.scroll_into_view_if_needed()
            size, per = sizes[label]
            positive, stops = block.evaluate(TAB_STOPS)
            qs = block.query_selector_all(".dq-q")
            report.append(f"{path.name} {label}: {len(stops)} questions, {size} bytes "
                          f"({size - sum(per)} shared, largest question {max(per)})")
            assert len(per) == len(stops) == len(qs)
            assert max(per) <= MAX_QUIZ_QUESTION_BYTES, f"{label}: a question of {max(per)} bytes"
            assert size - sum(per) <= MAX_QUIZ_SHARED_BYTES, f"{label}: {size - sum(per)} shared bytes"
            assert not positive, f"{label}: {positive} elements with a positive tabindex"
            if block.query_selector(".dq-q > fieldset > legend .math, .dq-opt .math"):
                page.wait_for_function(
                    "e => e.querySelector('legend mjx-container, .dq-opt mjx-container')",
                    arg=block, timeout=20_000)
                assert not re.search(r"\\\(|\\\)", block.evaluate(
                    "e => [...e.querySelectorAll('legend, .dq-opt')].map(x => x.innerText).join(' ')")), (
                    f"{label}: raw TeX left in the questions")
            if block is blocks[0]:  # the first block of each page: the style is shared
                block.screenshot(path=str(shots / f"{label}-before.png"))
            steps = []
            for n, (qid, got) in enumerate(stops):
                assert qid in questions, f"{label}: {qid} is on the page but in no quiz file"
                data = questions[qid]
                where = f"{path.name} {qid}"
                want = expected_stops.get(data.kind, [("radio" if data.kind == "single" else "checkbox")]
                                          * len(data.options) + ["check"])
                assert got == want, f"{where}: the tab stops are {got}, not {want}"
                q = qs[n]
                if data.kind not in kinds_keyed:  # the keyboard, key by key, with focus rings
                    kinds_keyed.add(data.kind)
                    keyed.append(where)
                    (_numeric if data.kind == "numeric" else _choice)(page, q, data, where, rings=True)
                elif n == 0:  # the focus ring of the block's own style
                    _tab_into(page, q)
                    first = q.query_selector("input")
                    assert first.evaluate(FOCUS_RING), f"{where}: no visible focus ring on its first control"
                steps += [(qid, *step) for step in quiz_steps(data, where)]
            plan = [[qid, w, choose, typed, shown] for qid, w, choose, typed, _, shown in steps]
            for (qid, w, _, _, state, shown), (_, got, text, present, typeset) in zip(
                    steps, block.evaluate(DRIVE, plan)):
                word = {"correct": "Correct.", "wrong": "Not quite."}[state]
                if not (got == state and text.startswith(word) and present and typeset):
                    wrong.append(f"{w}: expected {word} with {shown} shown, got {got} "
                                 f"{text[:60]!r}{'' if typeset else ' (math not typeset)'}")
        for theme in ("light", "dark"):  # every block answered: verdicts and feedback shown
            page.evaluate(f"() => document.documentElement.dataset.theme = {theme!r}")
            page.wait_for_timeout(100)
            blocks[0].screenshot(path=str(shots / f"{blocks[0].get_attribute('data-section')}"
                                               f"-answered-{theme}.png"))
            sels = [".dq-verdict", ".dq-check", ".dq-opt label", "legend", ".dq-result p",
                    ".dq-answer summary", ".dq-title"]
            for block in blocks:
                label = block.get_attribute("data-section")
                for sel, ratio in block.evaluate(BLOCK_CONTRAST, sels):
                    if ratio < MIN_CONTRAST:
                        low.append(f"{label} {theme} {sel}: {ratio:.2f}")
        page.evaluate("() => document.documentElement.dataset.theme = 'light'")
        assert not problems, f"{path.name}: {problems}"
    report.append("keyboard, key by key: " + ", ".join(keyed))
    (shots / "report.txt").write_text("\n".join(report) + "\n")
    assert not wrong, f"{len(wrong)} wrong verdicts: {wrong[:10]}"
    assert len(keyed) >= len({q.kind for q in questions.values()}), keyed
    assert not low, f"text below {MIN_CONTRAST}:1 contrast: {sorted(set(low))[:10]}"


def test_quiz_questions_show_their_answers_without_a_script(browser):
    from dlbook import quiz

    path = PAGE
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    block = page.query_selector(f".{quiz.CSS_CLASS}")
    assert block, f"{path.name}: no quiz"
    qs = block.query_selector_all(".dq-q")
    assert all(q.query_selector(".dq-answer summary").is_visible() for q in qs)
    assert not any(q.query_selector(".dq-check").is_visible() for q in qs)
    summary = qs[0].query_selector(".dq-answer summary")
    summary.click()
    assert "Answer:" in qs[0].query_selector(".dq-answer").inner_text()
    block.screenshot(path=str(SHOTS / "quizzes" / "no-script.png"))
    context.close()
