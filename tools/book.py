"""Facts about the book that tools and tests share, read from _config.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("chapters", "solutions", "labs")


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def repo_url() -> str:
    return config()["repository"]["url"].rstrip("/")


def github_path() -> str:
    """'owner/name' of the repository."""
    return repo_url().split("github.com/", 1)[1]


def branch() -> str:
    return config()["repository"].get("branch", "main")


def colab_url(path: str) -> str:
    """Colab link that opens `path` (relative to the repository root)."""
    return f"https://colab.research.google.com/github/{github_path()}/blob/{branch()}/{path}"


BADGE = "assets/colab-badge.svg"  # served from the built site: no image from Google


def colab_badge(path: str) -> str:
    """The Colab badge of the notebook at ``path``; the image is the book's own copy."""
    depth = len(Path(path).parent.parts)
    image = "../" * depth + BADGE
    return f"[![Open in Colab]({image})]({colab_url(path)})"


def setup_cell_source() -> str:
    """The first code cell of every notebook, the same everywhere."""
    return (
        "# Setup: run this cell first. In Colab it installs the book's helpers.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install -q \"dlbook @ git+{repo_url()}\"\n"
        "import dlbook\n"
        "cfg = dlbook.setup()"
    )


def notebooks(*dirs: str) -> list[Path]:
    dirs = dirs or NOTEBOOK_DIRS
    return sorted(p for d in dirs for p in (ROOT / d).glob("*.ipynb"))
