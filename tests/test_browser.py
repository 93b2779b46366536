"""The built web book works offline: math, plot and widget render in Chromium.

Runs after the book build (step 5 of `make test`). Chromium gets a proxy that
points nowhere, so any request for a CDN asset fails: what renders comes
from the built site alone. A screenshot is left in _build/screenshots/ for a
person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tools import book

pytestmark = pytest.mark.browser

HTML = book.ROOT / "_build" / "html"
SHOTS = book.ROOT / "_build" / "screenshots"
PAGE = HTML / "chapters" / "00_setup_and_conventions.html"
CDN = re.compile(r"""(src|href)=["']https?://[^"']*(cdn|unpkg|jsdelivr|cloudflare)""", re.I)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("DLBOOK_SKIP_BROWSER") == "1":
        pytest.skip("DLBOOK_SKIP_BROWSER=1 and no Chromium installed")
    pytest.fail(
        "Chromium is needed for the offline browser check: `apt-get install chromium` "
        "(make test installs it when run as root), or set DLBOOK_SKIP_BROWSER=1 locally."
    )


def run_chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={profile}", "--window-size=1280,2400",
            "--virtual-time-budget=15000", "--allow-file-access-from-files", *args,
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


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
    assert "widget-slider" in dom, "the ipywidgets slider was not rendered (is _vendor/widgets served?)"


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
