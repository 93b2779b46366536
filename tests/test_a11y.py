"""The built web book passes an accessibility audit (issue 21, section 3).

Runs after the book build, in the browser step of `make test`. The built site
is served over HTTP by a local http.server (nothing is downloaded: Chromium
gets a proxy that points nowhere, as in tests/test_browser.py, and reaches
only this server), and axe-core (vendored by tools/vendor_assets.sh, pinned
there, kept out of the site) audits every page:

* in the light theme, with every rule of axe;
* then in the dark theme, with the rules that depend on colour (the others
  see the same DOM), switched the way pydata-sphinx-theme's button switches
  it: localStorage "mode" and "theme", and <html data-mode data-theme>
  (the same result as a page loaded in the dark theme, checked by hand).

Any serious or critical violation fails, unless ALLOWED names it with a
reason; an allowance that no longer matches anything fails too, so the list
only shrinks. Then the demos (dlbook.widgets) are driven with the keyboard
alone: Tab reaches each control, in order, with a visible focus ring (both
themes), and an arrow key moves it and changes the frame.

Left in _build/screenshots/a11y/ for a person to look at: screenshots of a
few pages in both themes and of a focused demo control, report.txt (every
violation of any impact, by rule, theme and page; what the keyboard did) and
violations.json. Two tabs work at once (one page loads while axe audits the
other), and code tokens and formulas are sampled for the contrast rule (see
AUDIT_START): a chapter of 76,000 elements costs axe about 20 CPU seconds in
the light theme and 7 in the dark.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dlbook import widgets
from tools import book, chromium

pytestmark = pytest.mark.browser

HTML = book.ROOT / "_build" / "html"
SHOTS = book.ROOT / "_build" / "screenshots" / "a11y"
AXE = book.ROOT / "_vendor" / "axe-core" / "axe.min.js"
THEMES = ("light", "dark")
#: The impacts that fail the audit.
FAILING = ("serious", "critical")
#: The rules run again in the dark theme: those whose result depends on colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
#: The page on which axe reads the stylesheets (its "preload"), for its one rule
#: that needs them, css-orientation-lock: every page has the same ones, and
#: reading them costs a tenth of the audit of a chapter.
PRELOAD_PAGE = "intro.html"
#: Pages audited at once, each in its own renderer process (make test has 2 cores).
TABS = 2
#: Pages shot in both themes (and chapter 1's first demo control, focused: demo-focus-*.png).
SHOT_PAGES = ("intro.html", "chapters/02_training_deep_networks.html",
              "labs/01_neural_networks_lab.html", "appendix/questions.html")


@dataclass(frozen=True)
class Allowed:
    """A violation the book cannot fix: its rule, the CSS selector of the
    nodes it concerns (a regular expression matched against axe's target),
    and why it is allowed."""

    rule: str
    target: str
    reason: str
    themes: tuple[str, ...] = THEMES

    def matches(self, rule: str, target: str, theme: str) -> bool:
        return rule == self.rule and theme in self.themes and re.search(self.target, target) is not None


#: Serious or critical violations that are not ours to fix, each with its reason.
ALLOWED: tuple[Allowed, ...] = ()


def pages() -> list[str]:
    """Every page of the built site, relative to its root (index.html only
    redirects to intro.html; _static's two webpack macro files are templates)."""
    names = (p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html"))
    return sorted(n for n in names if not n.startswith(("_static/", ".")) and n != "index.html")


# ---- the site over HTTP, and one browser --------------------------------------------


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no line per request in the test's output
        pass


@pytest.fixture(scope="module")
def site():
    if not (HTML / "intro.html").exists():
        pytest.fail(f"{HTML} is not built: jupyter-book build .")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make vendor (tools/vendor_assets.sh)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright drives the audit: pip install -r requirements.txt")
    exe = chromium.find()
    if exe is None:
        if os.environ.get("DLBOOK_SKIP_BROWSER") == "1":
            pytest.skip("DLBOOK_SKIP_BROWSER=1 and no Chromium installed")
        pytest.fail(f"Chromium is needed for the accessibility audit: {chromium.INSTALL}")
    # Offline as in tools/chromium.py, except that the local server is reached
    # directly (loopback bypasses the proxy that points nowhere).
    args = [a for a in chromium.OFFLINE
            if a not in ("--headless", "--proxy-bypass-list=<-loopback>")]
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=exe, args=args)
        yield instance
        instance.close()


# ---- in the page ----------------------------------------------------------------------

#: The theme, as pydata-sphinx-theme's switch sets it (and its first script
#: reads it back from localStorage on every page).
SET_THEME = """theme => {
    localStorage.setItem("mode", theme);
    localStorage.setItem("theme", theme);
    document.documentElement.dataset.mode = theme;
    document.documentElement.dataset.theme = theme;
    return getComputedStyle(document.body).backgroundColor;
}"""

#: Wait for MathJax's first pass and the fonts, and stop CSS transitions (a
#: button's colour fades in .15 s after a theme switch: axe would see the fade).
SETTLE = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    await document.fonts.ready;
    const style = document.createElement("style");
    style.textContent = "*, *::before, *::after { transition: none !important; }";
    document.head.appendChild(style);
}"""

#: axe in both themes, started in the page and left running: the test loads
#: the next page in another tab meanwhile (two renderer processes, two cores).
AUDIT_START = """([colourRules, setTheme, preload]) => {
    const setThemeFn = eval(setTheme);
    const brief = r => r.violations.map(v => ({
        id: v.id, help: v.help, impact: v.impact,
        nodes: v.nodes.map(n => ({impact: n.impact || v.impact, target: n.target.join(" "),
                                  html: n.html.slice(0, 160),
                                  why: n.any.concat(n.all, n.none).map(c => c.message)
                                        .join("; ").slice(0, 300)}))}));
    // Code: a token's colour is its class's, on the one background of code
    // cells (or of text outputs): color-contrast checks the first token of
    // each class, of inputs and of outputs, not all ~6000 of a chapter.
    const seen = new Set();
    document.querySelectorAll(".highlight pre span[class]").forEach(s => {
        const key = s.className + (s.closest(".cell_output") ? " out" : " in");
        if (!seen.has(key)) { seen.add(key); s.setAttribute("data-a11y-sample", ""); }
    });
    // Math: MathJax draws a formula's glyphs in the colour of its container
    // (about 45,000 elements in a chapter, two thirds of its DOM): the first
    // three formulas' glyphs are checked; the others take the colour of the
    // text around them, which is checked.
    [...document.querySelectorAll("mjx-container")].slice(0, 3)
        .forEach(f => f.setAttribute("data-a11y-sample", ""));
    axe.configure({rules: [{id: "color-contrast",
                            selector: "*:not(.highlight pre *):not(mjx-container *), "
                                      + ".highlight pre [data-a11y-sample], mjx-container[data-a11y-sample] *"}]});
    window.dlbookAudit = (async () => {
        const out = {};
        const light = await axe.run(document, {resultTypes: ["violations"], preload});
        out.light = {theme: document.documentElement.dataset.theme,
                     background: getComputedStyle(document.body).backgroundColor,
                     violations: brief(light)};
        const background = setThemeFn("dark");
        const dark = await axe.run(document, {resultTypes: ["violations"], preload: false,
                                              runOnly: {type: "rule", values: colourRules}});
        out.dark = {theme: document.documentElement.dataset.theme, background,
                    violations: brief(dark)};
        return out;
    })();
}"""

#: What makes a focus ring visible: the computed outline or box-shadow of the
#: focused element, and the contrast of the outline with what is behind it.
FOCUS_RING = """el => {
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
        const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let bg = null;
    for (let e = el.parentElement; e && !bg; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { bg = c; }
    }
    bg = bg || [255, 255, 255];
    const s = getComputedStyle(el);
    const ring = rgb(s.outlineColor);
    const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a);
    return {focusVisible: el.matches(":focus-visible"), outlineStyle: s.outlineStyle,
            outlineWidth: parseFloat(s.outlineWidth) || 0, boxShadow: s.boxShadow,
            contrast: (hi + 0.05) / (lo + 0.05), outlineColor: s.outlineColor,
            background: "rgb(" + bg.join(", ") + ")"};
}"""

#: A control's state: its value, what its readout shows, the demo's frame
#: (the combination of values shown, and whether the picture shown is the
#: one precomputed for it: two values may draw the same picture).
STATE = """el => {
    const demo = el.closest("." + %r);
    const out = el.parentNode.querySelector("output");
    const data = JSON.parse(demo.querySelector("script.dlbook-demo-data").textContent);
    const flat = +demo.getAttribute("data-frame");
    const want = document.createElement("template");
    want.innerHTML = data.frames[data.index[flat]];
    return {value: el.value, max: el.tagName === "SELECT" ? el.options.length - 1 : +el.max,
            tag: el.tagName,
            readout: el.tagName === "SELECT" ? el.options[el.selectedIndex].text : out.textContent,
            frame: flat,
            shown: demo.querySelector(".dlbook-demo-frame").innerHTML === want.innerHTML};
}""" % widgets.CSS_CLASS


# ---- one pass over the site: audit, screenshots, keyboard -------------------------------


@dataclass
class Report:
    #: (theme, page, rule, impact, target, html, why) of every node axe flags
    nodes: list[tuple[str, str, str, str, str, str, str]] = field(default_factory=list)
    #: <html data-theme> and the body's background when axe ran, per (theme, page)
    seen: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    help: dict[str, str] = field(default_factory=dict)
    #: per demo control: what the keyboard did (see drive_demos)
    keyboard: list[dict] = field(default_factory=list)
    #: the focus ring of the first control of each demo page, in each theme
    rings: list[dict] = field(default_factory=list)
    seconds: float = 0.0


class Tab:
    """One tab, in its own browser context (so its own renderer process)."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.context.add_init_script(SET_THEME_ON_LOAD)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed to load {r.url}"))
        self.page.on("response", lambda r: r.status >= 400
                     and self.problems.append(f"{r.status} {r.url}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.name: str | None = None


#: Every page opens in the light theme.
SET_THEME_ON_LOAD = 'localStorage.setItem("mode", "light"); localStorage.setItem("theme", "light");'


def start(tab: Tab, url: str, name: str) -> None:
    tab.name = name
    tab.page.goto(url, wait_until="load")
    tab.page.evaluate(SETTLE)
    if name in SHOT_PAGES:
        tab.page.screenshot(path=str(SHOTS / f"{Path(name).stem}-light.png"))
    tab.page.add_script_tag(path=str(AXE))
    tab.page.evaluate(AUDIT_START, [COLOUR_RULES, SET_THEME, name == PRELOAD_PAGE])


def finish(tab: Tab, report: Report) -> None:
    name, page = tab.name, tab.page
    found = page.evaluate("() => window.dlbookAudit")
    for theme in THEMES:
        report.seen[theme, name] = (found[theme]["theme"], found[theme]["background"])
        for v in found[theme]["violations"]:
            report.help[v["id"]] = v["help"]
            report.nodes += [(theme, name, v["id"], n["impact"], n["target"], n["html"], n["why"])
                             for n in v["nodes"]]
    if name in SHOT_PAGES:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{Path(name).stem}-dark.png"))
    if page.locator(f".{widgets.CSS_CLASS}").count():
        drive_demos(page, name, report)
    report.problems += [f"{name}: {p}" for p in tab.problems]
    tab.problems.clear()
    tab.name = None


def drive_demos(page, name: str, report: Report) -> None:
    """Every control of every demo on the page, with the keyboard alone: Tab
    from the demo's top must reach its controls in order, each with a visible
    focus ring, and an arrow key must move the control and change the frame.
    Runs in the dark theme (the audit's last); then the ring is checked again
    in the light theme, on the first control."""
    demos = page.locator(f".{widgets.CSS_CLASS}")
    for d in range(demos.count()):
        demo = demos.nth(d)
        demo.scroll_into_view_if_needed()
        controls = demo.locator("[data-control]")
        # Focus the demo's top (not a stop of the Tab order), then Tab onward.
        demo.evaluate("el => { el.setAttribute('tabindex', '-1'); el.focus(); el.removeAttribute('tabindex'); }")
        for k in range(controls.count()):
            control = controls.nth(k)
            where = f"{name} demo {d} control {k}"
            presses = 0
            while presses < 6 and not control.evaluate("el => el === document.activeElement"):
                page.keyboard.press("Tab")
                presses += 1
            reached = control.evaluate("el => el === document.activeElement")
            entry = {"where": where, "reached": reached, "presses": presses}
            if reached:
                entry["ring"] = control.evaluate(FOCUS_RING)
                before = control.evaluate(STATE)
                forward = int(before["value"]) < before["max"]
                key = {("SELECT", True): "ArrowDown", ("SELECT", False): "ArrowUp",
                       ("INPUT", True): "ArrowRight", ("INPUT", False): "ArrowLeft"}[
                    before["tag"], forward]
                page.keyboard.press(key)
                after = control.evaluate(STATE)
                entry.update(key=key, before=before, after=after)
                if d == 0 and k == 0 and name == "chapters/01_neural_networks.html":
                    page.screenshot(path=str(SHOTS / "demo-focus-dark.png"))
            report.keyboard.append(entry)
    # The ring in the light theme too, on the page's first control.
    page.evaluate(SET_THEME, "light")
    first = page.locator(f".{widgets.CSS_CLASS} [data-control]").first
    first.evaluate("el => el.blur()")
    first.evaluate("el => { const d = el.closest('div'); d.setAttribute('tabindex', '-1'); d.focus(); d.removeAttribute('tabindex'); }")
    page.keyboard.press("Tab")
    if first.evaluate("el => el === document.activeElement"):
        report.rings.append({"where": f"{name} light", **first.evaluate(FOCUS_RING)})
        if name == "chapters/01_neural_networks.html":
            page.screenshot(path=str(SHOTS / "demo-focus-light.png"))
    else:
        report.rings.append({"where": f"{name} light", "focusVisible": False,
                             "note": "Tab did not reach the first control"})


@pytest.fixture(scope="module")
def report(browser, site) -> Report:
    return audit_site(browser, site)


def audit_site(browser, site: str) -> Report:
    """The whole pass, two tabs at a time: while axe runs in one tab, the
    other loads its next page (or is audited, or driven by the keyboard)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    began = time.monotonic()
    result = Report()
    # The heaviest pages first, so that the two tabs end together.
    todo = sorted(pages(), key=lambda n: -(HTML / n).stat().st_size)
    tabs = [Tab(browser) for _ in range(TABS)]
    while todo or any(t.name for t in tabs):
        for tab in tabs:
            if tab.name:
                finish(tab, result)
            if todo:
                name = todo.pop(0)
                start(tab, site + name, name)
    for tab in tabs:
        tab.context.close()
    result.seconds = time.monotonic() - began
    write_report(result)
    return result


def write_report(report: Report) -> None:
    """_build/screenshots/a11y/report.txt: every violation axe found, of any
    impact, by rule, theme and page; what the keyboard did; the time taken."""
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for theme, page, rule, impact, *_ in report.nodes:
        per_page = counts.setdefault((rule, impact, theme), {})
        per_page[page] = per_page.get(page, 0) + 1
    lines = [f"axe-core {axe_version()}, {len(pages())} pages, light (every rule) and dark "
             f"({', '.join(COLOUR_RULES)}): {report.seconds:.0f} s", ""]
    for (rule, impact, theme), per_page in sorted(counts.items()):
        allowed = sum(1 for n in report.nodes if n[2] == rule and n[0] == theme
                      and any(a.matches(rule, n[4], theme) for a in ALLOWED))
        lines.append(f"{rule} ({impact}, {theme}): {sum(per_page.values())} nodes on "
                     f"{len(per_page)} pages{f', {allowed} allowed' if allowed else ''}: "
                     + ", ".join(f"{p} {c}" for p, c in sorted(per_page.items())))
    lines += ["", "keyboard:"] + [
        f"  {k['where']}: Tab x{k['presses']}"
        + (f", {k['key']}: value {k['before']['value']} -> {k['after']['value']}, frame "
           f"{k['before']['frame']} -> {k['after']['frame']}, ring {ring_text(k['ring'])}"
           if k["reached"] else ": NOT REACHED")
        for k in report.keyboard]
    lines += [f"  {r['where']}: ring {ring_text(r)}" for r in report.rings]
    (SHOTS / "report.txt").write_text("\n".join(lines) + "\n")
    (SHOTS / "violations.json").write_text(json.dumps(
        [dict(zip(("theme", "page", "rule", "impact", "target", "html", "why"), n)) for n in report.nodes],
        indent=1))


def ring_text(r: dict) -> str:
    if "outlineStyle" not in r:
        return r.get("note", "?")
    return (f"{r['outlineStyle']} {r['outlineWidth']:g}px {r['outlineColor']} on "
            f"{r['background']} ({r['contrast']:.1f}:1), focus-visible {r['focusVisible']}")


def axe_version() -> str:
    head = AXE.read_text(encoding="utf-8", errors="ignore")[:200]
    found = re.search(r"axe v([\d.]+)", head)
    return found.group(1) if found else "?"


# ---- the tests ------------------------------------------------------------------------


def test_axe_is_the_pinned_version():
    pinned = re.search(r"^AXE=axe-core@([\d.]+)$",
                       (book.ROOT / "tools" / "vendor_assets.sh").read_text(), re.M)
    assert pinned, "tools/vendor_assets.sh pins no AXE=axe-core@x.y.z"
    assert AXE.exists(), f"{AXE} is missing: make vendor"
    assert axe_version() == pinned.group(1), (
        f"_vendor has axe-core {axe_version()}, tools/vendor_assets.sh pins {pinned.group(1)}: "
        "make vendor")


def test_axe_is_not_part_of_the_built_site():
    assert HTML.exists() and not list(HTML.rglob("axe*.js")), "axe-core was copied into the site"


def test_every_page_is_audited_in_both_themes(report):
    assert len(pages()) >= 20, f"only {len(pages())} pages found in {HTML}"
    missing = [(t, p) for p in pages() for t in THEMES if (t, p) not in report.seen]
    assert not missing, f"not audited: {missing}"
    wrong = {k: v for k, v in report.seen.items() if v[0] != k[0]}
    assert not wrong, f"pages that were not in the theme asked for: {wrong}"
    backgrounds = {t: {v[1] for k, v in report.seen.items() if k[0] == t} for t in THEMES}
    assert not backgrounds["light"] & backgrounds["dark"], (
        f"the dark theme did not change the page's background: {backgrounds}")
    assert not report.problems, f"problems while loading the pages: {report.problems[:10]}"


def test_no_serious_or_critical_violation_but_the_allowed(report):
    bad: dict[tuple[str, str], list[str]] = {}
    for theme, page, rule, impact, target, snippet, why in report.nodes:
        if impact in FAILING and not any(a.matches(rule, target, theme) for a in ALLOWED):
            bad.setdefault((rule, impact), []).append(f"{theme} {page}: {target}  {snippet}  ({why})")
    text = "\n".join(
        f"{rule} ({impact}, {len(where)} nodes): {report.help.get(rule, '')}\n    "
        + "\n    ".join(where[:8]) + ("\n    ..." if len(where) > 8 else "")
        for (rule, impact), where in sorted(bad.items()))
    assert not bad, (f"axe-core found serious or critical violations (all of them: "
                     f"{SHOTS / 'report.txt'}):\n{text}")


def test_every_allowance_is_still_needed(report):
    stale = [a for a in ALLOWED if not any(
        a.matches(rule, target, theme) for theme, _, rule, _, target, *_ in report.nodes)]
    assert not stale, f"allowed violations that no longer occur (remove them): {stale}"


def test_every_demo_control_works_with_the_keyboard_alone(report):
    demo_pages = {p for p in pages()
                  if f'class="{widgets.CSS_CLASS}"' in (HTML / p).read_text(errors="ignore")}
    assert {f"chapters/{p.name}" for p in (HTML / "chapters").glob("0[1-4]_*.html")} <= demo_pages
    driven = {k["where"].split(" demo ")[0] for k in report.keyboard}
    assert driven == demo_pages, f"demo pages not driven: {sorted(demo_pages - driven)}"
    failures = []
    for k in report.keyboard:
        if not k["reached"]:
            failures.append(f"{k['where']}: Tab does not reach it")
            continue
        b, a = k["before"], k["after"]
        if a["value"] == b["value"]:
            failures.append(f"{k['where']}: {k['key']} did not move it")
        elif a["readout"] == b["readout"] or a["frame"] == b["frame"] or not a["shown"]:
            failures.append(f"{k['where']}: {k['key']} moved it, but the readout or the "
                            f"frame did not follow ({b} -> {a})")
    assert not failures, "\n".join(failures)


#: A focus ring is visible: at least 2 px of outline (or a box-shadow), in a
#: colour with 3:1 contrast against what surrounds it (WCAG 2.2, 1.4.11 and 2.4.13).
MIN_RING_PX, MIN_RING_CONTRAST = 2.0, 3.0


def test_every_demo_control_shows_a_focus_ring_in_both_themes(report):
    rings = [{"where": k["where"] + " dark", **k["ring"]} for k in report.keyboard if k["reached"]]
    rings += report.rings
    assert len(report.rings) >= 4 and rings
    weak = [f"{r['where']}: {ring_text(r)}" for r in rings
            if not r.get("focusVisible")
            or not ((r["outlineStyle"] not in ("none", "hidden") and r["outlineWidth"] >= MIN_RING_PX
                     and r["contrast"] >= MIN_RING_CONTRAST)
                    or r["boxShadow"] != "none")]
    assert not weak, "focus rings too faint or missing:\n" + "\n".join(weak)
