"""Shared test set-up: the repository root on sys.path, and the markers."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: needs the built book and headless Chromium (step 5 of make test)"
    )
