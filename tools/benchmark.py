"""Run every notebook once and write a table of wall times.

    python -m tools.benchmark [NOTEBOOK ...]      (make bench)

Writes _build/bench/benchmark.csv and _build/bench/benchmark.md. Budgets on
CPU: a chapter under 60 s, a lab solution under 120 s in quick mode. This is
where timing lives; the tests never assert wall time. Notebook outputs are
not written back.
"""

from __future__ import annotations

import csv
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools import book

BUDGET_S = {"chapters": 60, "solutions": 120, "labs": 120}
OUT = book.ROOT / "_build" / "bench"


def run(path: Path) -> tuple[float, str]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
        status = "ok"
    except Exception as exc:  # report, keep timing the others
        status = f"error: {type(exc).__name__}"
    return time.perf_counter() - start, status


def main(args: list[str]) -> int:
    paths = [Path(a).resolve() for a in args] or book.notebooks()
    rows = []
    for path in paths:
        kind = path.parent.name
        seconds, status = run(path)
        budget = BUDGET_S.get(kind)
        within = "yes" if budget and seconds < budget and status == "ok" else "NO"
        rows.append(
            {"notebook": path.relative_to(book.ROOT).as_posix(), "seconds": f"{seconds:.1f}",
             "budget_s": budget, "within_budget": within, "status": status}
        )
        print(f"{rows[-1]['notebook']:<50} {seconds:7.1f} s  (budget {budget} s) {status}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "benchmark.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mode = os.environ.get("DLBOOK_MODE", "auto (quick on CPU)")
    lines = [
        "# Notebook wall times",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"lab mode: {mode}. One run each, kernel start included.",
        "",
        "| notebook | seconds | budget (s) | within budget | status |",
        "|---|---:|---:|---|---|",
        *(f"| {r['notebook']} | {r['seconds']} | {r['budget_s']} | {r['within_budget']} | {r['status']} |" for r in rows),
        "",
    ]
    (OUT / "benchmark.md").write_text("\n".join(lines))
    print(f"\nwrote {OUT / 'benchmark.csv'} and {OUT / 'benchmark.md'}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
