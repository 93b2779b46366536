"""dlbook.measure: machine-dependent numbers print lines that hold on any machine,
and a result that leaves its range still turns nbval red."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

from dlbook import measure
from tools import book

SANITIZE = book.ROOT / "tests" / "nbval_sanitize.cfg"


def sanitize(text: str) -> str:
    """``text`` as nbval compares it: every rule of tests/nbval_sanitize.cfg, read by nbval."""
    for regex, replace in get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8")):
        text = re.sub(regex, replace, text)
    return text


def printed(capsys, func, *args, **kwargs) -> str:
    func(*args, **kwargs)
    return capsys.readouterr().out


def test_below_prints_the_bound_not_the_digits(capsys):
    assert printed(capsys, measure.below, "gap to Keras", 2.2e-8, 1e-6) == "gap to Keras: below 1e-6\n"
    assert printed(capsys, measure.below, "gap to Keras", 2.6e-8, 1e-6) == "gap to Keras: below 1e-6\n"
    assert printed(capsys, measure.below, "gap", 0.0, 1e-12) == "gap: below 1e-12\n"


@pytest.mark.parametrize("value", [1e-5, 3.0, float("nan"), float("inf")])
def test_below_raises_when_the_value_is_not_below(value, capsys):
    with pytest.raises(AssertionError, match="not below 1e-5"):
        measure.below("gap", value, 1e-5)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("bound", [0, -1e-6, float("nan")])
def test_below_needs_a_positive_bound(bound):
    with pytest.raises(ValueError, match="positive"):
        measure.below("gap", 0.0, bound)


def test_measured_inside_its_range_prints_the_same_line_after_sanitizing(capsys):
    here = printed(capsys, measure.measured, "test accuracy", 0.9611, 0.97, 0.02)
    there = printed(capsys, measure.measured, "test accuracy", 0.9861, 0.97, 0.02)
    assert here == "test accuracy \u22480.961 (the book's runs: 0.97 \u00b1 0.02)\n"
    assert here != there and sanitize(here) == sanitize(there)


@pytest.mark.parametrize("value", [0.949, 0.991, float("nan")])
def test_measured_outside_its_range_changes_the_compared_line(value, capsys):
    inside = printed(capsys, measure.measured, "test accuracy", 0.97, 0.97, 0.02)
    outside = printed(capsys, measure.measured, "test accuracy", value, 0.97, 0.02)
    assert "OUTSIDE the book's runs, 0.97 \u00b1 0.02" in outside
    assert sanitize(outside) != sanitize(inside)


def test_measured_edges_of_the_range_are_inside(capsys):
    assert "OUTSIDE" not in printed(capsys, measure.measured, "acc", 0.95, 0.97, 0.02)
    assert "OUTSIDE" not in printed(capsys, measure.measured, "acc", 0.99, 0.97, 0.02)


def test_measured_in_percent_and_whole_numbers(capsys):
    assert printed(capsys, measure.measured, "acc", 0.964, 0.96, 0.03, ".0%") == (
        "acc \u224896% (the book's runs: 96% \u00b1 3%)\n")
    assert printed(capsys, measure.measured, "epochs", 77, 70, 10, ".0f") == (
        "epochs \u224877 (the book's runs: 70 \u00b1 10)\n")


def test_measured_without_a_range_prints_the_value_alone(capsys):
    assert printed(capsys, measure.measured, "MNIST test accuracy", 0.991, None, 0.01) == (
        "MNIST test accuracy \u22480.991\n")


def test_measured_glues_the_range_not_the_value(capsys):
    out = printed(capsys, measure.measured, "acc", 0.9612, 0.96, 0.03, ".0%", glue="acc_range")
    assert "acc \u224896%" in out  # the printed line; the glue record is a display, not text
    with pytest.raises(ValueError, match="positive"):
        measure.measured("acc", 0.9, 0.9, 0.0)
    with pytest.raises(TypeError, match="expected a number"):
        measure.measured("acc", "high", 0.9, 0.1)


def test_approx_and_clean_print_no_negative_zero():
    assert measure.approx(-0.0001) == "\u22480.000"
    assert measure.approx(-0.25, ".2f") == "\u2248-0.25"
    assert measure.approx(7, ".0f") == "\u22487"
    assert str(measure.clean([[1.0, -5.5e-17], [0.0, 1.0000000000000002]])) == "[[1. 0.]\n [0. 1.]]"
    assert str(measure.clean([-0.0001, 0.952], 3)) == "[0.    0.952]"


def test_sanitizer_masks_only_what_follows_the_mark():
    line = "test MSE \u22480.0133 (the book's runs: 0.0133 \u00b1 0.004); 7 of 360; \u224812% and \u22481,234"
    assert sanitize(line) == ("test MSE \u2248<measured> (the book's runs: 0.0133 \u00b1 0.004); "
                              "7 of 360; \u2248<measured> and \u2248<measured>")


def test_the_log_records_each_measured_value(tmp_path, monkeypatch, capsys):
    log = tmp_path / "measure.jsonl"
    monkeypatch.setenv(measure.LOG_VARIABLE, str(log))
    measure.measured("acc", 0.96, 0.97, 0.02)
    measure.measured("mnist", 0.99, None, 0.01)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["label"], r["value"], r["expect"], r["tol"]) for r in records] == [
        ("acc", 0.96, 0.97, 0.02), ("mnist", 0.99, None, None)]


def _code_cells():
    for path in book.notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                yield path, cell


def test_only_dlbook_measure_writes_the_mark():
    """The sanitizer hides whatever follows the mark, so nothing else may write it:
    a notebook or module that printed its own would hide a number from nbval."""
    offenders = [path.relative_to(book.ROOT).as_posix() for path, cell in _code_cells() if measure.APPROX in cell.source]
    offenders += [p.relative_to(book.ROOT).as_posix() for p in (book.ROOT / "dlbook").rglob("*.py")
                  if p.name != "measure.py"
                  and (measure.APPROX in p.read_text() or "\\u2248" in p.read_text())]
    assert not offenders, f"only dlbook.measure may print the mark of a measured value: {offenders}"
