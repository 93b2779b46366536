"""Headless Chromium, offline: how the book's tools and tests start it.

Chromium gets a proxy that points nowhere, so any request for a CDN asset
fails: what renders comes from the built site alone. Used by `make pdf`
(tools/pdf.py) and the PDF test; the browser check can use it too.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL = "apt-get install chromium (make test and make pdf install it when run as root)"

OFFLINE = (
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--allow-file-access-from-files",
)


def find() -> str | None:
    """The path of a Chromium on PATH, or None."""
    return next((shutil.which(n) for n in NAMES if shutil.which(n)), None)


def run(*args: str, budget_ms: int = 15000, window: str = "1280,2400",
        timeout: int = 120) -> subprocess.CompletedProcess:
    """Chromium, offline, in a fresh profile, with `args` (a URL last).

    budget_ms is the virtual time the page gets (scripts such as MathJax run
    to completion in it) before Chromium dumps, screenshots or prints it.
    Raises RuntimeError if there is no Chromium, or if it fails.
    """
    exe = find()
    if exe is None:
        raise RuntimeError(f"headless Chromium is needed: {INSTALL}")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, *OFFLINE, f"--user-data-dir={profile}", f"--window-size={window}",
               f"--virtual-time-budget={budget_ms}", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"Chromium failed ({res.returncode}):\n{res.stderr[-2000:]}")
    return res
