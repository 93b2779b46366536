"""Colab's versions as one dated, fully pinned file: constraints/colab-YYYY-MM.txt.

Usage (from the repository root; the standard library is enough)::

    python -m tools.colab_constraints FREEZE DATE [--os-info FILE] [--commit SHA] [--python PY]

FREEZE is Colab's published ``pip freeze`` (googlecolab/backend-info,
``pip-freeze.txt``), DATE the date of that runtime (YYYY-MM-DD, its commit's
date), which names the file. ``--os-info`` is the same commit's
``os-info.txt`` (default: the one beside FREEZE, if any): Colab's Python and
Ubuntu, for the header, and the Python X.Y the environment is made with.

The recipe: :data:`TOP_LEVEL` (with ``tensorflow-cpu`` at Colab's
``tensorflow`` version) is installed in a fresh venv of CPython X.Y (``--python``,
default: ``bash tools/find_python.sh install X.Y``) with ``-c FREEZE``, less
its ``name @ url`` lines; the file is that venv's ``pip freeze
--exclude-editable``, each line whose package or version is not Colab's with a
comment saying why (:data:`WHY`, or a generic one, and a warning to write
one). Then point ``COLAB`` (and ``COLAB_PYTHON_VERSION``) in the Makefile at
it; ``make env-colab`` rebuilds ``.venv-colab`` from it.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What the notebooks and the Colab step of make test import; the rest comes in as
# their dependencies. tensorflow-cpu stands for Colab's tensorflow (see WHY).
TOP_LEVEL = (
    "keras numpy scikit-learn matplotlib ipywidgets ipykernel ipython "
    "nbval pytest pytest-xdist pyyaml jsonschema nbformat"
).split()

# Why a package is not at Colab's version, or not in Colab at all.
WHY = {
    "coverage": "test tool, not in Colab",
    "execnet": "test tool, not in Colab",
    "nbval": "test tool, not in Colab",
    "pytest-xdist": "test tool, not in Colab",
    "jedi": "not in Colab's list; IPython {ipython} needs it",
    "tensorflow-cpu": "Colab: tensorflow=={tensorflow} (same numbers, no CUDA stub logs)",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_freeze(text: str) -> tuple[dict[str, str], list[str]]:
    """Colab's name -> version, and the lines usable as constraints (no `@ url`)."""
    versions, constraints = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " @ " in line:
            continue  # a direct URL (torch's CPU wheels, google-colab...): no constraint
        name, sep, version = line.partition("==")
        if not sep:
            raise SystemExit(f"not a pinned line of a pip freeze: {line!r}")
        versions[canonical(name)] = version
        constraints.append(line)
    return versions, constraints


def read_os_info(path: Path | None) -> tuple[str | None, str | None]:
    """Colab's Python version and OS from os-info.txt, or (None, None)."""
    if path is None or not path.exists():
        return None, None
    text = path.read_text(encoding="utf-8")
    python = re.search(r"^Python (\d+\.\d+\.\d+)", text, re.M)
    ubuntu = re.search(r"^(Ubuntu [^\n]*?)(?: LTS)?$", text, re.M)
    return (python.group(1) if python else None), (ubuntu.group(1) if ubuntu else None)


def annotate(freeze: str, colab: dict[str, str]) -> tuple[list[str], list[str]]:
    """The pinned lines, each not-Colab line with its comment; and warnings."""
    lines, warnings = [], []
    fields = {"tensorflow": colab.get("tensorflow", "?"), "ipython": colab.get("ipython", "?")}
    for line in freeze.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        key = canonical(name)
        if key in WHY:
            lines.append(f"{line}  # {WHY[key].format(**fields)}")
        elif key not in colab:
            lines.append(f"{line}  # not in Colab's list")
            warnings.append(f"{name} is not in Colab's list: say why in WHY")
        elif colab[key] != version:
            lines.append(f"{line}  # Colab: {colab[key]}")
            warnings.append(f"{name}: {version}, Colab has {colab[key]}: say why in WHY")
        else:
            lines.append(line)
    return lines, warnings


def run(cmd: list[str], **kw) -> str:
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def header(*, date: str, colab: dict[str, str], colab_python: str | None, os_name: str | None,
           commit: str | None, python: str, top: list[str], command: str) -> list[str]:
    """The file's header: paragraphs wrapped at 79 columns, `  ` lines kept as they are."""
    source = "googlecolab/backend-info" + (f", commit {commit[:7]}" if commit else "")
    runtime = f"Python {colab_python or '?'}" + (f" on {os_name}" if os_name else "")
    minor = ".".join(python.split(".")[:2])
    today = datetime.date.today().isoformat()
    paragraphs = [
        f"Colab's versions, as of Colab's runtime of {date}: TensorFlow {colab['tensorflow']}, "
        f"Keras {colab['keras']}, NumPy {colab['numpy']}, {runtime} (from Colab's published "
        f"`pip freeze`, {source}, \"pip-freeze.txt\"). Recorded on {today}. "
        f"`make test` runs strict nbval of chapters/ and solutions/ (its last step) in .venv-colab, "
        f"made with Python {minor} (COLAB_PYTHON in the Makefile; {python} here) from "
        f"exactly these pins (make env-colab).",
        "Every package below has Colab's version, except where a comment says why not.",
        "Written by tools/colab_constraints.py: it installs the top-level list",
        *(["  " + line for line in textwrap.wrap(" ".join(top), 75)]),
        f"in a fresh Python {minor} venv with `-c` Colab's pip-freeze.txt (without its "
        "\"name @ url\" lines), then writes `pip freeze --exclude-editable` with the "
        "comments. This file was written by",
        f"  {command}",
        "For a newer runtime (a new file, named for its date): save that commit's "
        "pip-freeze.txt and os-info.txt in one folder DIR (`git show SHA:pip-freeze.txt`) "
        "and run",
        "  python -m tools.colab_constraints DIR/pip-freeze.txt YYYY-MM-DD --commit SHA",
    ]
    out = []
    for i, paragraph in enumerate(paragraphs):
        if paragraph.startswith("  "):
            out.append(f"# {paragraph}")
            continue
        if i in (1, 2):
            out.append("#")
        out += textwrap.wrap(paragraph, 79, initial_indent="# ", subsequent_indent="# ",
                             break_on_hyphens=False, break_long_words=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("freeze", type=Path, help="Colab's pip-freeze.txt")
    parser.add_argument("date", help="the runtime's date, YYYY-MM-DD")
    parser.add_argument("--os-info", type=Path, help="Colab's os-info.txt (default: beside FREEZE)")
    parser.add_argument("--commit", help="backend-info's commit, for the header")
    parser.add_argument("--python", help="the CPython X.Y to make the venv with")
    parser.add_argument("--out", type=Path, help="default: constraints/colab-YYYY-MM.txt")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date):
        parser.error(f"DATE must be YYYY-MM-DD, not {args.date!r}")
    out = args.out or ROOT / "constraints" / f"colab-{args.date[:7]}.txt"

    colab, constraints = read_freeze(args.freeze.read_text(encoding="utf-8"))
    os_info = args.os_info or args.freeze.with_name("os-info.txt")
    colab_python, os_name = read_os_info(os_info)
    python = args.python
    if python is None:
        if colab_python is None:
            parser.error("no os-info.txt to read Colab's Python from: pass --os-info or --python")
        minor = ".".join(colab_python.split(".")[:2])
        python = run(["bash", str(ROOT / "tools" / "find_python.sh"), "install", minor]).strip()
    top = [f"tensorflow-cpu=={colab['tensorflow']}", *TOP_LEVEL]

    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        pins = Path(tmp) / "colab-constraints.txt"
        pins.write_text("\n".join(constraints) + "\n", encoding="utf-8")
        run([python, "-m", "venv", str(venv)])
        py = str(venv / "bin" / "python")
        version = run([py, "-c", "import platform; print(platform.python_version())"]).strip()
        if colab_python and version.split(".")[:2] != colab_python.split(".")[:2]:
            raise SystemExit(f"{python} is Python {version}, Colab's is {colab_python}")
        run([py, "-m", "pip", "install", "-q", "--no-cache-dir", "-c", str(pins), *top])
        frozen = run([py, "-m", "pip", "freeze", "--exclude-editable"])

    lines, warnings = annotate(frozen, colab)
    command = " ".join(
        ["python -m tools.colab_constraints", f"{args.freeze.parent.name}/{args.freeze.name}", args.date]
        + ([f"--os-info {args.os_info}"] if args.os_info else [])
        + ([f"--commit {args.commit[:7]}"] if args.commit else [])
        + ([f"--python {args.python}"] if args.python else [])
    )
    head = header(date=args.date, colab=colab, colab_python=colab_python, os_name=os_name,
                  commit=args.commit, python=version, top=top, command=command)
    out.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
          f"{len(lines)} pins, Python {version}", file=sys.stderr)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Now set COLAB = {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} "
          f"and COLAB_PYTHON_VERSION = {'.'.join(version.split('.')[:2])} in the Makefile.",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
