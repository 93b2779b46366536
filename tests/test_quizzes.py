"""The self-check questions (dlbook.quiz, dlbook/data/quizzes/unitNN/*.yaml).

The data: valid against its schema, ids unique and prefixed by their section,
one right option for a single-choice question, feedback on every option,
every numeric answer and slip computed by code that runs. The placement:
each section's questions are shown once, by the last cell of the section in
its unit's chapter. The coverage (chapters 1-6): at least 2 questions per
main section and 25 per chapter, at most half of them recall. The rendering:
deterministic, unique ids on a page, bounded size, readable without
JavaScript, and the same as the stored outputs. A bad file gets a message
that names the file and the question.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from dlbook import quiz
from tests import notebook_scan as scan
from tools import conventions, make_pages
from tools.book import ROOT

FILES = sorted(quiz.QUIZ_DIR.glob("*/*.yaml"))
CHAPTERS = {int(p.name[:2]): p for p in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))}
COVERED_UNITS = (1, 2, 3, 4, 5, 6, 7)
MIN_PER_SECTION, MIN_PER_CHAPTER, MAX_RECALL_SHARE = 2, 25, 0.5
NOT_MAIN = ("-summary", "-exercises", "-exam-practice")
#: The HTML one question adds to a page, and what one block shares (style, script).
MAX_QUESTION_BYTES = 6_000
MAX_SHARED_BYTES = 6_500
#: Seconds a question's code may take (the spec says 0.5 s; this machine is shared).
MAX_CODE_SECONDS = 2.0

LABEL = re.compile(r"^\(([A-Za-z0-9_\-]+)\)=\s*$")
CALL = re.compile(r"""\bquiz\(\s*["']([^"']+)["']\s*\)""")


def _ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


@pytest.fixture(scope="module")
def sections() -> dict[str, quiz.Section]:
    return quiz.load()


# ---- the data -----------------------------------------------------------------------

def test_there_are_quiz_files_and_the_schema_is_valid():
    assert any(p.parent.name == "unit00" for p in FILES), "chapter 0's example is missing"
    from dlbook._data import validator

    validator("quizzes")


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_file_is_valid(path):
    sec = quiz.load_file(path)  # schema, section = stem, ids prefixed, right options
    for q in sec.questions:
        assert q.id.startswith(sec.label + "-"), q.id
        if q.kind == "single":
            assert len(q.right) == 1, q.id
        elif q.kind == "multiple":
            assert len(q.right) >= 1, q.id
        assert all(o.feedback.strip() for o in q.options), f"{q.id}: an option has no feedback"
        assert 3 <= len(q.options) <= 5 or q.kind == "numeric", q.id


def test_ids_are_unique_in_the_book(sections):
    ids = Counter(q.id for s in sections.values() for q in s.questions)
    assert not [i for i, n in ids.items() if n > 1]


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_numeric_answers_come_from_code(path):
    for q in quiz.load_file(path).questions:
        if q.kind != "numeric":
            continue
        quiz._numbers.cache_clear()
        start = time.perf_counter()
        value = quiz.answer(q)  # runs, sets a finite float; slips farther than the tolerance
        took = time.perf_counter() - start
        slips = quiz.slip_values(q)
        assert q.tolerance >= 1e-9 * abs(value), q.id
        assert all(abs(v - value) > q.tolerance for v in slips), q.id
        assert took < MAX_CODE_SECONDS, f"{q.id}: its code takes {took:.2f} s; keep it cheap"
        assert quiz.answer(q) == value, f"{q.id}: its code is not deterministic"
        # the value the page compares with keeps the answer inside its own tolerance
        assert abs(float(quiz._stored(value, q.tolerance)) - value) < q.tolerance / 10, q.id
        assert "{answer}" in q.correct_feedback or q.correct_feedback, q.id


# ---- where the questions are shown ----------------------------------------------------

def _cells(unit: int) -> list[dict]:
    return scan.notebook(CHAPTERS[unit])["cells"]


def _labels_and_headings(cell: dict) -> tuple[list[str], list[tuple[str | None, int]]]:
    """The labels of a markdown cell, and its headings as (label before, level)."""
    labels, heads, last = [], [], None
    for line in scan.source_text(cell).splitlines():
        m = LABEL.match(line)
        if m:
            labels.append(m.group(1))
            last = m.group(1)
            continue
        h = re.match(r"^(#{1,6})\s", line)
        if h:
            heads.append((last, len(h.group(1))))
        if line.strip():
            last = None
    return labels, heads


def main_sections(unit: int) -> list[str]:
    """The labels of a chapter's main sections: '## ' headings with a label,
    except the summary, the exercises and the exam practice."""
    out = []
    for cell in _cells(unit):
        if cell["cell_type"] == "markdown":
            out += [label for label, level in _labels_and_headings(cell)[1]
                    if label and level == 2 and not label.endswith(NOT_MAIN)]
    return out


def _starts_with_heading(cell: dict) -> bool:
    """A markdown cell that begins with a '#'/'##' heading (after its label)."""
    if cell["cell_type"] != "markdown":
        return False
    lines = [l for l in scan.source_text(cell).splitlines() if l.strip()]
    while lines and LABEL.match(lines[0]):
        lines.pop(0)
    return bool(lines) and re.match(r"^#{1,2}\s", lines[0]) is not None


def _section_cell(cells: list[dict], label: str) -> int | None:
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and label in _labels_and_headings(cell)[0]:
            return i
    return None


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_each_section_is_shown_once_at_the_end_of_its_section(path):
    label, unit = path.stem, int(path.parent.name[4:])
    assert unit in CHAPTERS, f"{path.parent.name}: no chapter {unit:02d}_*.ipynb"
    chapter = CHAPTERS[unit].name
    cells = _cells(unit)
    start = _section_cell(cells, label)
    assert start is not None, f"{chapter}: no '({label})=' target for {path.name}"
    calls = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
             and label in CALL.findall(scan.source_text(c))]
    assert len(calls) == 1, f"{chapter}: quiz({label!r}) is shown {len(calls)} times, not once"
    (i,) = calls
    cell = cells[i]
    assert scan.source_text(cell).strip() == f'quiz("{label}")', (
        f"{chapter} cell {i}: the cell holds exactly quiz(\"{label}\")")
    assert conventions.HIDE_INPUT in cell["metadata"].get("tags", []), (
        f"{chapter} cell {i}: quiz({label!r}) is tagged {conventions.HIDE_INPUT}")
    later = [j for j in range(start + 1, len(cells)) if _starts_with_heading(cells[j])]
    end = later[0] if later else len(cells)
    assert i == end - 1, (
        f"{chapter}: quiz({label!r}) is cell {i}; it must be the last cell of its section "
        f"(cell {end - 1}, just before the next '## ' heading)")
    assert start < i


@pytest.mark.parametrize("unit", sorted(CHAPTERS))
def test_every_quiz_call_has_its_file_and_its_import(unit):
    cells = _cells(unit)
    called = [lab for c in cells if c["cell_type"] == "code" for lab in CALL.findall(scan.source_text(c))]
    missing = [lab for lab in called
               if not (quiz.QUIZ_DIR / f"unit{unit:02d}" / f"{lab}.yaml").exists()]
    assert not missing, f"{CHAPTERS[unit].name}: quiz() of sections with no file: {missing}"
    if called:
        imports = [c for c in cells if c["cell_type"] == "code"
                   and re.search(r"^from dlbook import .*\bquiz\b", scan.source_text(c), re.M)]
        assert len(imports) == 1, f"{CHAPTERS[unit].name}: import quiz once (from dlbook import quiz)"


# ---- coverage of chapters 1-6 (fails while the questions are being written) ---------

@pytest.mark.parametrize("unit", COVERED_UNITS)
def test_every_main_section_has_questions(unit, sections):
    short = {}
    for label in main_sections(unit):
        n = len(sections[label].questions) if label in sections else 0
        if n < MIN_PER_SECTION:
            short[label] = n
    assert not short, f"chapter {unit}: sections with fewer than {MIN_PER_SECTION} questions: {short}"


@pytest.mark.parametrize("unit", COVERED_UNITS)
def test_each_chapter_has_enough_questions_and_few_recall(unit, sections):
    qs = [q for s in sections.values() if s.unit == unit for q in s.questions]
    assert len(qs) >= MIN_PER_CHAPTER, f"chapter {unit}: {len(qs)} questions, at least {MIN_PER_CHAPTER}"
    recall = sum(q.skill == "recall" for q in qs)
    assert recall <= MAX_RECALL_SHARE * len(qs), f"chapter {unit}: {recall} of {len(qs)} are recall"


# ---- rendering ----------------------------------------------------------------------

def _page_sections(unit: int, sections) -> list[quiz.Section]:
    return [s for s in sections.values() if s.unit == unit]


@pytest.mark.parametrize("unit", sorted(CHAPTERS))
def test_rendering_is_deterministic_and_ids_are_unique_on_a_page(unit, sections):
    mine = _page_sections(unit, sections)
    if not mine:
        pytest.skip(f"chapter {unit} has no questions yet")
    first = [quiz.to_html(s) for s in mine]
    quiz._numbers.cache_clear()
    assert first == [quiz.to_html(s) for s in mine], "two renders differ"
    ids = Counter(re.findall(r'\sid="([^"]+)"', "".join(first)))
    assert not [i for i, n in ids.items() if n > 1], f"ids used twice on a page: {ids.most_common(3)}"
    for html_ in first:
        assert not re.search(r"\d\.\d{13,}", html_), "an unrounded number in the HTML"


def test_each_question_is_small_and_the_shared_part_too(sections):
    sizes = {}
    for s in sections.values():
        qs = [quiz.question_html(q, i + 1, len(s.questions)) for i, q in enumerate(s.questions)]
        for q, h in zip(s.questions, qs):
            sizes[q.id] = len(h.encode())
        shared = len(quiz.to_html(s).encode()) - sum(len(h.encode()) for h in qs)
        assert shared < MAX_SHARED_BYTES, f"{s.label}: {shared} bytes of style and script"
    heavy = {k: v for k, v in sizes.items() if v > MAX_QUESTION_BYTES}
    assert not heavy, f"questions over {MAX_QUESTION_BYTES} bytes of HTML: {heavy}"


def test_the_html_reads_without_a_script_and_prints_without_buttons():
    sec = quiz.section("ch0-self-check")
    page = quiz.to_html(sec)
    assert page.count('<details class="dq-answer"><summary>Show the answer</summary>') == len(sec.questions)
    assert page.count('<button type="button" class="dq-check" hidden>') == len(sec.questions)
    assert page.count("<fieldset><legend>") == len(sec.questions)
    assert page.count('aria-live="polite"') == len(sec.questions)
    assert re.search(r'<label for="dq-ch0-self-check-sigmoid-minus-in">', page)
    assert '<span class="math notranslate nohighlight">\\(\\sigma(0.53)\\)</span>' in page
    assert "@media print" in page and "html[data-theme=dark] .dlbook-quiz{" in page
    assert "0.3705" in page  # {answer}, 4 significant digits
    text = quiz.to_text(sec)
    assert text.splitlines()[0] == "Check your understanding (ch0-self-check): 3 questions"
    assert "   b) The same three numbers, because the seed is fixed." in text


def test_markdown_and_math():
    md = quiz.markdown
    assert md("The slope $w_1 < 2$ here.") == (
        '<p>The slope <span class="math notranslate nohighlight">\\(w_1 &lt; 2\\)</span> here.</p>')
    assert "math" not in md("It costs \\$5 and $ 5 or 5$.")
    assert md("`$x$` in code", inline=True) == "<code>$x$</code> in code"
    assert md("<b>bold</b>", inline=True) == "&lt;b&gt;bold&lt;/b&gt;"  # no raw HTML
    assert quiz.fmt(0.370547) == "0.3705" and quiz.fmt(12345.6) == "12350"
    assert quiz.fmt(-0.0000123456) == "-0.00001235" and quiz.fmt(-0.0) == "0"


def test_stored_outputs_are_the_current_rendering():
    """A quiz cell's stored output is what quiz() shows now (else: make outputs)."""
    stale = []
    for unit, path in CHAPTERS.items():
        for cell in scan.notebook(path)["cells"]:
            calls = CALL.findall(scan.source_text(cell)) if cell["cell_type"] == "code" else []
            if len(calls) != 1 or not cell.get("outputs"):
                continue
            data = cell["outputs"][0].get("data", {})
            stored = {k: "".join(v) if isinstance(v, list) else v for k, v in data.items()}
            if stored != quiz.bundle(calls[0]):
                stale.append(f"{path.name}: quiz({calls[0]!r})")
    assert not stale, f"stale quiz outputs (run make outputs NB=...): {stale}"


def test_importing_dlbook_stays_cheap_and_quiz_is_callable():
    code = ("import sys, dlbook; assert 'dlbook.quiz' not in sys.modules; "
            "assert 'markdown_it' not in sys.modules and 'jsonschema' not in sys.modules; "
            "from dlbook import quiz; import dlbook.quiz as q; "
            "assert callable(quiz) and q is quiz and callable(dlbook.quiz)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---- the appendix of answers ---------------------------------------------------------

def test_answers_page_is_in_the_toc_and_lists_every_question(sections):
    text = make_pages.render_quiz_answers(sections)
    assert re.match(r"# \S", text) and len(re.findall(r"^# ", text, re.M)) == 1
    assert "file: appendix/quiz-answers" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
    total = sum(len(s.questions) for s in sections.values())
    assert len(re.findall(r"^\*\*Question \d+\.\*\*", text, re.M)) == total
    assert text.count("*Answer:*") == total
    for s in sections.values():
        assert f"{{ref}}`{s.label}`" in text


def test_answers_page_is_not_stale():
    assert make_pages.QUIZ_PAGE not in make_pages.stale(), "run `make pages`"


# ---- clear messages for bad files ---------------------------------------------------

GOOD = """\
section: ch1-demo
questions:
  - id: ch1-demo-one
    kind: single
    skill: predict
    prompt: What is $1 + 1$?
    options:
      - {text: "2", correct: true, feedback: "Right: one and one."}
      - {text: "3", correct: false, feedback: "No: that adds one more."}
      - {text: "11", correct: false, feedback: "No: that is writing, not adding."}
  - id: ch1-demo-two
    kind: numeric
    skill: compute
    prompt: Compute $2^{10}$.
    answer: {code: "answer = 2 ** 10", tolerance: 0.5}
    feedback: {correct: "Right: {answer}.", wrong: "Multiply 2 by itself ten times."}
    slips:
      - {code: "value = 2 * 10", feedback: "That is 2 times 10."}
"""


def _write(tmp_path: Path, text: str, name: str = "ch1-demo.yaml", folder: str = "unit01") -> Path:
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path, text, **kw) -> str:
    path = _write(tmp_path, text, **kw)
    with pytest.raises(quiz.QuizError) as err:
        sec = quiz.load_file(path)
        for q in sec.questions:
            if q.kind == "numeric":
                quiz._numbers.cache_clear()
                quiz.answer(q)
    return str(err.value)


def test_a_good_file_loads(tmp_path):
    sec = quiz.load_file(_write(tmp_path, GOOD))
    assert [q.id for q in sec.questions] == ["ch1-demo-one", "ch1-demo-two"]
    assert quiz.answer(sec.questions[1]) == 1024 and quiz.slip_values(sec.questions[1]) == (20.0,)
    assert "Right: 1024." in quiz.to_html(sec)


@pytest.mark.parametrize("edit, message", [
    (("feedback: \"No: that adds one more.\"", "feedbak: \"x\""),
     "unit01/ch1-demo.yaml: question 'ch1-demo-one', options.1: "),
    (("{text: \"3\", correct: false", "{text: \"3\", correct: true"),
     "question 'ch1-demo-one': a single-choice question has exactly one right option, not 2"),
    (("id: ch1-demo-one", "id: ch2-other"), "question 'ch2-other': the id must start with the section label"),
    (("kind: single", "kind: several"), "question 'ch1-demo-one', kind: 'several' is not one of"),
    (("answer = 2 ** 10", "answer = 2 / 0"), "question 'ch1-demo-two': answer: its code raised ZeroDivisionError"),
    (("value = 2 * 10", "value = 1024.2"), "question 'ch1-demo-two': slip 1 gives 1024, within the tolerance"),
    (("answer = 2 ** 10", "x = 1"), "its code must set `answer`"),
    (("section: ch1-demo", "section: ch1-other"), "section 'ch1-other' in a file named 'ch1-demo'"),
    (("prompt: What is $1 + 1$?", "prompt: What is $$1 + 1$$?"), "inline math only"),
    (("questions:\n", "questions: [\n"), "unit01/ch1-demo.yaml: not valid YAML"),
])
def test_a_bad_file_gets_a_clear_message(tmp_path, edit, message):
    old, new = edit
    assert old in GOOD
    assert message in _error(tmp_path, GOOD.replace(old, new, 1))


def test_a_file_outside_a_unit_folder_or_in_the_wrong_unit(tmp_path):
    assert "sits in a folder unitNN" in _error(tmp_path, GOOD, folder="misc")
    assert "its label starts with 'ch2-'" in _error(tmp_path, GOOD, folder="unit02")
    assert "the file is empty" in _error(tmp_path, "", folder="unit01")


def test_an_id_used_twice_in_the_book(tmp_path):
    _write(tmp_path, GOOD.replace("ch1-demo-two", "ch1-demo-x-two"))
    other = GOOD.replace("ch1-demo", "ch1-demo-x")
    _write(tmp_path, other.replace("ch1-demo-x-two", "ch1-demo-x-three"), name="ch1-demo-x.yaml")
    assert len(quiz.load(tmp_path)) == 2
    _write(tmp_path, other, name="ch1-demo-x.yaml")
    with pytest.raises(quiz.QuizError, match="'ch1-demo-x-two' is used in unit01/ch1-demo"):
        quiz.load(tmp_path)
