"""Choose the ranges of ``dlbook.measure.measured`` from runs on several stacks.

Run the notebooks once per stack with ``DLBOOK_MEASURE_LOG`` set (each
``measured`` call appends a JSON line), then compare the logs::

    DLBOOK_MEASURE_LOG=/tmp/tf.jsonl .venv/bin/pytest --nbmake chapters solutions
    env OTHER_CPU... DLBOOK_MEASURE_LOG=/tmp/sim.jsonl .venv/bin/pytest --nbmake ...  (OTHER_CPU: tools/test_env.sh)
    python -m tools.calibrate /tmp/tf.jsonl /tmp/sim.jsonl

It prints, for every measured value, what each run gave, the range the
notebook states, and a verdict: ``ok``, ``OUTSIDE`` (a run fell outside the
stated range) or ``tight`` (the runs spread over more than half the range:
widen it before another processor does). Exit status 1 if any is OUTSIDE.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def read(paths: list[str]) -> dict[tuple[str, str], dict[str, dict]]:
    """``{(notebook folder, label): {log name: record}}`` over every log."""
    runs: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for path in paths:
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            key = (Path(record.get("cwd", "")).name, record["label"].strip())
            seen[key] += 1  # the same label twice in one folder: told apart by order
            if seen[key] > 1:
                key = (key[0], f"{key[1]} #{seen[key]}")
            runs[key][Path(path).stem] = record
    return runs


def verdict(records: dict[str, dict]) -> str:
    values = [r["value"] for r in records.values()]
    first = next(iter(records.values()))
    expect, tol = first["expect"], first["tol"]
    if expect is None:
        return "no range"
    if any(not abs(v - expect) <= tol * (1 + 1e-9) for v in values):
        return "OUTSIDE"
    return "tight" if max(values) - min(values) > tol else "ok"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    runs = read(argv)
    names = [Path(p).stem for p in argv]
    worst = 0
    for (folder, label), records in sorted(runs.items()):
        first = next(iter(records.values()))
        shown = "  ".join(f"{n}={records[n]['value']:.4g}" if n in records else f"{n}=-"
                          for n in names)
        word = verdict(records)
        worst = max(worst, word == "OUTSIDE")
        band = "" if first["expect"] is None else f"{first['expect']:g} ± {first['tol']:g}"
        print(f"{word:8s} {folder}/{label}: {shown}  [{band}]")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
