"""The web book as readers meet it, on a phone and on a desktop, in both themes (issue 26).

Runs after the book build, with the browser tests (step 6 of `make test`).
Every page is loaded once, at a phone's 390 x 844, and the landing page,
chapters and labs are then widened to a desktop's 1280 x 800; the dark theme
is switched in the page, as its button does, and each page's checks run in
one script per viewport. Checked:

* no page is wider than the phone's screen, and nothing is cut off; a
  formula too wide for its column scrolls sideways, with a cue
  (dlbook-ux.css and .js), at both widths;
* the phone's ☰ opens the book's navigation and its contents button the
  page's; on a desktop ☰ hides the sidebar and shows it again
  (_config.yml: no second pair of toggles in an empty top band, which left
  these unwired: pydata-sphinx-theme #2451);
* no page logs a script error (sphinx-thebe's twice-declared THEBE_JS_URL
  is gone with sphinx-thebe, _config.yml);
* a student lab page shows the outputs that do not depend on an answer
  (tools/make_labs.py), among them the ones its prose points to, and a
  banner that links its solved page, which is titled "Lab N solutions: ..."
  and links back (tools/sphinx_labs.py); search lists no title twice;
* the landing page's box is there; in the dark theme, figures sit on no pale
  slab and the demo box takes the theme's surface.

Screenshots of the first screen of the landing page and of every chapter,
lab and solved page, per viewport and theme, of each chapter's first demo in
the dark theme, and of the phone's open navigation, are kept in
_build/screenshots/ux/ for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

# SETTLE: MathJax's first pass and the fonts, and no CSS transitions (a theme
# switch fades); pages(): every page of the built site.
from tests.test_a11y import SETTLE, pages
from tests.test_browser import HTML, SHOTS, browser, built  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

UX_SHOTS = SHOTS / "ux"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
THEMES = ("light", "dark")
#: The page on which the sidebar toggles are driven (it has a page contents list).
NAV_PAGE = "chapters/02_training_deep_networks.html"


def shot_pages() -> list[str]:
    return ["intro.html"] + [p for p in pages() if p.startswith(("chapters/", "labs/", "solutions/"))]


#: Everything checked on a page in the light theme, in one call.
MEASURE = r"""() => {
    const doc = document.documentElement, vw = doc.clientWidth;
    const article = document.querySelector("article.bd-article") || document.body;
    // What sticks out past the screen's edge, or is cut off by a box that
    // hides its overflow. A box whose content scrolls (code, formulas,
    // tables) is fine if it fits; its content is not visited.
    const wide = [];
    const leaf = "pre, mjx-container, svg, img, video, canvas, input, select";
    const visit = el => {
        const r = el.getBoundingClientRect();
        const name = () => `${el.tagName.toLowerCase()}.${String(el.className).split(" ")[0]}: `
                           + el.textContent.trim().slice(0, 60);
        if (r.width > 0 && r.right > vw + 1) { wide.push(name()); return; }
        if (el.matches(leaf)) return;
        if (el.scrollWidth > el.clientWidth + 1) {
            const o = getComputedStyle(el).overflowX;
            if (o === "auto" || o === "scroll") return;
            if (o === "hidden" || o === "clip") {  // cut off if a child reaches past it
                const past = [...el.children].some(c => c.getBoundingClientRect().right > r.right + 1);
                if (past) wide.push("cut off: " + name());
                return;
            }
        }
        for (const child of el.children) visit(child);
    };
    visit(article);
    // A formula wider than its box scrolls, and fades at the edge where more
    // of it is hidden (at first, the right edge).
    const math = [...document.querySelectorAll('div.math mjx-container[display="true"], span.math')]
        .filter(m => m.scrollWidth > m.clientWidth + 4);  // dlbook-ux.js: SLACK
    const noCue = math.filter(m => {
        const s = getComputedStyle(m);
        return !["auto", "scroll"].includes(s.overflowX) || !m.classList.contains("dlbook-more-right")
            || !(s.maskImage || s.webkitMaskImage || "").includes("gradient");
    }).map(m => m.textContent.slice(0, 60));
    const text = e => e ? e.textContent.replace(/\s+/g, " ").trim() : "";
    const banner = document.querySelector(".dlbook-lab-banner");
    const after = (phrase, sel) => {  // the first output after each paragraph that says `phrase`
        const outs = [...article.querySelectorAll(".cell_output")];
        return [...article.querySelectorAll("p")].filter(p => p.textContent.includes(phrase)).map(p => {
            const o = outs.find(o => p.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING);
            return [text(p), text(o).slice(0, 200)];
        });
    };
    return {
        scrollWidth: doc.scrollWidth, width: vw, wide: wide.slice(0, 5), wideMath: math.length, noCue,
        title: text(document.querySelector("article h1")).replace(/#$/, ""),
        banner: banner ? {text: text(banner), visible: banner.getBoundingClientRect().height > 0,
                          links: [...banner.querySelectorAll("a")].map(a => a.getAttribute("href"))} : null,
        outputs: [...article.querySelectorAll(".cell_output")].filter(o => text(o)).length,
        asBelow: after("as below"), printedBelow: after("printed below"),
        glance: text(document.querySelector(".dlbook-glance")),
    };
}"""

#: The dark theme, switched as the theme's button does (without storing it),
#: and what it makes of the figures and the demo boxes.
DARK = """theme => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.dataset.mode = theme;
    const css = e => getComputedStyle(e);
    const imgs = [...document.querySelectorAll("article .cell_output img")];
    const demos = [...document.querySelectorAll("article .dlbook-demo")];
    return {
        slabs: imgs.filter(i => parseFloat(css(i).paddingTop) > 0).length, images: imgs.length,
        demos: demos.map(d => [css(d).backgroundColor, css(d.parentElement).backgroundColor]),
        surface: css(document.documentElement).getPropertyValue("--pst-color-surface").trim(),
        body: css(document.body).backgroundColor,
    };
}"""


#: Scroll to the first demo (with the figure above it), or stay at the top.
FIRST_DEMO = """() => { const d = document.querySelector("article .dlbook-demo");
    window.scrollTo(0, d ? d.getBoundingClientRect().top + window.scrollY - 120 : 0); }"""


def _rgb(colour: str) -> tuple[int, ...]:
    """'rgb(41, 49, 61)', 'rgba(0, 0, 0, 0)' or '#29313d' as numbers."""
    if colour.startswith("#"):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(round(float(x)) for x in re.findall(r"[\d.]+", colour))


def _slug(page: str) -> str:
    return page.removesuffix(".html").replace("/", "-")


@pytest.fixture(scope="module")
def site(browser):  # noqa: F811 (the fixture imported above)
    """Every page measured at each viewport, its screenshots taken, and the
    sidebar toggles driven: {viewport: {page: results}, "nav": {...}}.

    A page is loaded once, at the phone's size, then widened to the
    desktop's (only the pages that are shot: the others are checked on the
    phone alone). The dark theme is set in the page and then unset."""
    UX_SHOTS.mkdir(parents=True, exist_ok=True)
    for old in UX_SHOTS.glob("*.png"):
        old.unlink()
    shots = set(shot_pages())
    out: dict = {"nav": {}, **{name: {} for name in VIEWPORTS}}
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    for rel in pages():
        problems.clear()
        page.set_viewport_size(VIEWPORTS["phone"])
        page.goto((HTML / rel).as_uri(), wait_until="load")
        page.evaluate(SETTLE)
        for name, viewport in VIEWPORTS.items():
            if name != "phone":
                if rel not in shots:
                    break
                page.set_viewport_size(viewport)
            r = page.evaluate(MEASURE)
            for theme in THEMES:
                r[theme] = page.evaluate(DARK, theme)
                if rel in shots:
                    page.screenshot(path=str(UX_SHOTS / f"{_slug(rel)}-{name}-{theme}.png"))
            if rel.startswith("chapters/"):  # a demo and its figure, in the dark theme
                page.evaluate(FIRST_DEMO)
                page.screenshot(path=str(UX_SHOTS / f"{_slug(rel)}-{name}-dark-demo.png"))
            page.evaluate(DARK, "light")
            page.evaluate("() => window.scrollTo(0, 0)")
            if rel == NAV_PAGE:
                out["nav"][name] = _drive_toggles(page, name)
            r["problems"] = list(problems)
            out[name][rel] = r
    page.close()
    return out


OPEN = """id => { const d = document.getElementById(id);
    const links = d ? [...d.querySelectorAll("a")].filter(a => a.getBoundingClientRect().width > 0) : [];
    return {open: !!(d && d.open), links: links.length}; }"""


def _drive_toggles(page, viewport: str) -> dict:
    """Tap each visible toggle of the article header, as a reader would."""
    found = {}
    if viewport == "phone":
        for kind, dialog in [("primary", "pst-primary-sidebar-modal"),
                             ("secondary", "pst-secondary-sidebar-modal")]:
            button = page.locator(f".bd-header-article .{kind}-toggle")
            found[f"{kind} buttons"] = button.count()
            button.first.click()
            page.wait_for_timeout(200)
            found[kind] = page.evaluate(OPEN, dialog)
            page.screenshot(path=str(UX_SHOTS / f"nav-{kind}-open-phone.png"))
            page.keyboard.press("Escape")
            page.wait_for_timeout(100)
            found[f"{kind} closed"] = not page.evaluate(OPEN, dialog)["open"]
    else:
        sidebar = "() => getComputedStyle(document.getElementById('pst-primary-sidebar')).visibility"
        button = page.locator(".bd-header-article .primary-toggle")
        found["primary buttons"] = button.count()
        button.first.click()
        page.wait_for_timeout(400)
        found["after one click"] = page.evaluate(sidebar)
        found["dialog"] = page.evaluate(OPEN, "pst-primary-sidebar-modal")["open"]
        page.screenshot(path=str(UX_SHOTS / "nav-sidebar-hidden-desktop.png"))
        button.first.click()
        page.wait_for_timeout(400)
        found["after two clicks"] = page.evaluate(sidebar)
    # focus and the pointer leave the toggles: their tooltips close
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, VIEWPORTS[viewport]["height"] - 1)
    page.wait_for_timeout(200)
    return found


# ---- 1. navigation --------------------------------------------------------------------

def test_the_phone_toggles_open_the_navigation(site):
    nav = site["nav"]["phone"]
    assert nav["primary buttons"] == 1 and nav["secondary buttons"] == 1, (
        f"one ☰ and one contents button expected in the article header: {nav}")
    assert nav["primary"]["open"] and nav["primary"]["links"] > 10, f"☰ did not open the book's navigation: {nav}"
    assert nav["secondary"]["open"] and nav["secondary"]["links"] > 3, (
        f"the contents button did not open the page's contents: {nav}")
    assert nav["primary closed"] and nav["secondary closed"], f"Escape did not close them: {nav}"


def test_the_desktop_hamburger_hides_and_shows_the_sidebar(site):
    nav = site["nav"]["desktop"]
    assert nav["primary buttons"] == 1
    assert (nav["after one click"], nav["dialog"], nav["after two clicks"]) == ("hidden", False, "visible"), nav


# ---- 2. nothing wider than a phone ----------------------------------------------------

def test_no_page_is_wider_than_a_phone(site):
    wide = {p: f"{r['scrollWidth']} px: {r['wide']}" for p, r in site["phone"].items()
            if r["scrollWidth"] > r["width"] or r["wide"]}
    assert not wide, f"pages wider than {VIEWPORTS['phone']['width']} px: {wide}"


def test_wide_formulas_scroll_with_a_cue(site):
    assert any(r["wideMath"] for r in site["phone"].values()), "no formula is wider than a phone?"
    missing = {f"{v} {p}": r["noCue"] for v in VIEWPORTS for p, r in site[v].items() if r["noCue"]}
    assert not missing, f"wide formulas without a scroll and its cue: {missing}"


# ---- 11. no script error --------------------------------------------------------------

def test_no_page_logs_a_script_error_or_fails_to_load(site):
    bad = {f"{v} {p}": r["problems"] for v in VIEWPORTS for p, r in site[v].items() if r["problems"]}
    assert not bad, bad


# ---- 3 and 4. a lab's two copies ------------------------------------------------------

def _labs() -> list[str]:
    return [p for p in pages() if p.startswith("labs/")]


def test_student_lab_pages_show_outputs_and_a_banner_to_the_solved_page(site):
    for rel in _labs():
        r = site["phone"][rel]
        stem = Path(rel).name
        assert r["outputs"] >= 5, f"{rel}: only {r['outputs']} outputs shown"
        assert r["banner"] and r["banner"]["visible"], f"{rel}: no banner"
        assert "student copy" in r["banner"]["text"] and "Colab" in r["banner"]["text"]
        assert f"../solutions/{stem}" in r["banner"]["links"], f"{rel}: banner links {r['banner']['links']}"


def test_what_the_lab_prose_points_to_is_on_the_page(site):
    as_below = site["phone"]["labs/00_getting_started.html"]["asBelow"]
    assert as_below and all("Not attempted" in out for _, out in as_below), as_below
    for rel in ("labs/03_cnn_lab.html", "labs/04_rnn_lab.html"):
        targets = [(p, out) for p, out in site["phone"][rel]["printedBelow"] if "target" in p]
        assert targets, f"{rel}: no paragraph says its target is printed below"
        assert all("target" in out for _, out in targets), f"{rel}: {targets}"


def test_solved_pages_are_titled_and_linked_as_such(site):
    titles = {}
    for rel in _labs():
        solved = "solutions/" + Path(rel).name
        lab, sol = site["phone"][rel], site["phone"][solved]
        m = re.match(r"Lab (\d+[a-z]?): (.+)", lab["title"])
        assert m, f"{rel}: title {lab['title']!r}"
        assert sol["title"] == f"Lab {m.group(1)} solutions: {m.group(2)}", sol["title"]
        assert sol["banner"] and sol["banner"]["visible"] and "Solved copy" in sol["banner"]["text"]
        assert f"../labs/{Path(rel).name}" in sol["banner"]["links"], sol["banner"]["links"]
        titles[rel], titles[solved] = lab["title"], sol["title"]
    assert len(set(titles.values())) == len(titles)


def test_search_lists_no_title_twice(built):  # noqa: F811
    text = (HTML / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    twice = [t for t, n in Counter(index["titles"]).items() if n > 1]
    assert not twice, f"titles listed twice by search: {twice}"


# ---- 5. the landing page --------------------------------------------------------------

def test_the_landing_page_says_who_the_book_is_for(site):
    from tools import make_pages

    g = make_pages.glance()
    box = site["phone"]["intro.html"]["glance"]
    written = "Written so far" if make_pages.load_crosswalk().planned_chapters else "Written."
    for words in ("Who it is for", "You need", "Time", "syllabus codes", written,
                  f"{g.covered} of the {g.topics} syllabus topics", f"of {g.units}"):
        assert words in box, f"the landing page's box lacks {words!r}: {box[:300]}"


# ---- 10. the dark theme -----------------------------------------------------------------

def test_dark_figures_have_no_pale_slab_and_demos_the_theme_surface(site):
    seen_demo = False
    for rel, r in site["phone"].items():
        dark = r["dark"]
        assert dark["slabs"] == 0, f"{rel}: {dark['slabs']} of {dark['images']} images on a padded slab"
        for box, around in dark["demos"]:
            seen_demo = True
            assert _rgb(box)[:3] == _rgb(dark["surface"]), f"{rel}: demo box {box}, not {dark['surface']}"
            assert len(_rgb(around)) == 4 and _rgb(around)[3] == 0, f"{rel}: a panel {around} around the demo"
        assert _rgb(dark["body"]) != _rgb(r["light"]["body"]), f"{rel}: the theme did not switch"
    assert seen_demo, "no demo found in the dark theme"
