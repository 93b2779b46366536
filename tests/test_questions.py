"""The question bank (dlbook/questions.py), its answers in the book and its page
(tools/question_page.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dlbook import notes, questions
from tools import book, generated, make_pages, question_page

ROOT = book.ROOT


@pytest.fixture(scope="module")
def bank():
    """The real question bank; a malformed file fails here, with its message."""
    return questions.registry()


@pytest.fixture(scope="module")
def found():
    return question_page.answers()


# ---- the real files ------------------------------------------------------------------

def test_every_source_has_a_file_for_unit_one():
    files = sorted(p.relative_to(questions.QUESTIONS_DIR).as_posix()
                   for p in questions.QUESTIONS_DIR.glob("*/*.yaml"))
    assert [f for f in files if f.startswith("unit01/")] == sorted(f"unit01/{s.key}.yaml" for s in notes.sources().values())


def test_unit_one_questions_of_each_source():
    """The questions the notes and papers ask about Unit 1 (see each file's header)."""
    counts = {s: sum(q.source == s for q in questions.for_unit(1)) for s in notes.sources()}
    assert counts == {"000": 1, "002": 9, "003": 10, "004": 10}


def test_the_mca_papers_questions_carry_the_papers_marks(bank):
    q = bank["mca.perceptron-algorithm"]
    assert (q.marks, q.marks_from) == (10, "paper")
    assert [p.lines for p in q.papers] == ["1573", "1689", "1711"]
    q = bank["mca.neural-network"]
    assert (q.marks, [p.marks for p in q.papers]) == (4, [2, 4])


def test_unit_three_questions_of_each_source(bank):
    """The questions the notes and papers ask about Unit 3 (see each unit03 file's header)."""
    counts = {s: sum(q.source == s for q in questions.for_unit(3)) for s in notes.sources()}
    assert counts == {"000": 1, "002": 6, "003": 6, "004": 4}
    q = bank["mca.cnn-architectures"]
    assert (q.marks, [p.lines for p in q.papers]) == (10, ["1629", "1731"])
    q = bank["mca.image-classification-transfer"]
    assert (q.marks, q.marks_from, q.papers) == (10, "notes", ())
    assert bank["mca.cnn"].marks == 2  # only an internal paper's Part-A asks it


# ---- answers in the book ----------------------------------------------------------------

def test_every_question_has_a_model_answer_in_its_chapter(bank, found):
    problems = question_page.missing_answers(bank, found)
    assert not problems, "questions without a model answer:\n" + "\n".join(problems)


def test_every_exam_answer_in_a_chapter_is_registered(bank, found):
    """The reverse: a model answer added to an exam section without its question."""
    stray = question_page.unregistered_answers(bank, found)
    assert not stray, f"exam answers with no question in dlbook/data/questions: {stray}"


def test_an_unregistered_answer_is_found(bank, tmp_path):
    q = bank["mca.neural-network"]
    path = _nb(tmp_path, "(ch1-exam-neural-network)=\n**1. Q**\n\n" + DROPDOWN,
               "(ch1-exam-extra)=\n**2. Q**\n\n" + DROPDOWN, "(ch1-exam-practice)=\n## Exam practice\n")
    assert question_page.unregistered_answers({q.id: q}, question_page.answers([path])) == ["ch1-exam-extra"]


def test_every_unit_has_its_chapter(bank):
    for unit in sorted({q.unit for q in bank.values()}):
        assert question_page.chapter(unit) is not None, (
            f"questions of unit {unit}, but no single chapters/{unit:02d}_*.ipynb"
        )
    assert question_page.chapter(1) == ROOT / "chapters" / "01_neural_networks.ipynb"
    assert question_page.chapter(99) is None


def _nb(tmp_path, *cells: str) -> Path:
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": c} for c in cells]
                                + [{"cell_type": "code", "source": "(ch1-exam-code)=\n", "outputs": []}]}))
    return path


DROPDOWN = "```{admonition} Model answer\n:class: dropdown\nYes.\n```\n"


def test_answer_finder_needs_a_dropdown_after_the_label(tmp_path):
    path = _nb(
        tmp_path,
        "(ch1-exam-good)=\n**1. Why?**\n\n" + DROPDOWN,
        "(ch1-exam-bare)=\n**2. Why not?** Because.\n\n(ch1-exam-next)=\n**3. Q**\n\n"
        + DROPDOWN.replace("dropdown", "note"),
        "(ch1-exam-heading)=\n## A section\n\n" + DROPDOWN,
        "(ch1-exam-design)=\n**4. Q**\n\n:::{dropdown} Model answer\nYes.\n:::\n",
    )
    found = question_page.answers([path])
    assert found["ch1-exam-good"][0].dropdown
    assert not found["ch1-exam-bare"][0].dropdown  # the next label comes first
    assert not found["ch1-exam-next"][0].dropdown  # an admonition, but not a dropdown
    assert not found["ch1-exam-heading"][0].dropdown  # a heading comes first
    assert found["ch1-exam-design"][0].dropdown  # sphinx-design's own dropdown
    assert "ch1-exam-code" not in found  # code cells are not read


def test_a_question_whose_answer_is_missing_fails(bank, found):
    q = bank["mca.neural-network"]
    ghost = questions.Question(**{**q.__dict__, "id": "mca.ghost", "answer": "ch1-exam-ghost"})
    assert question_page.missing_answers({q.id: q}, found) == []
    assert question_page.missing_answers({ghost.id: ghost}, found) == [
        "mca.ghost: no line '(ch1-exam-ghost)=' in any notebook or page of the book"
    ]


def test_a_label_without_a_dropdown_or_outside_the_chapter_fails(bank, tmp_path):
    q = bank["mca.neural-network"]
    bare = _nb(tmp_path, "(ch1-exam-neural-network)=\n**1. What is a neural network?**\n")
    [problem] = question_page.missing_answers({q.id: q}, question_page.answers([bare]))
    assert "is not followed by the question and a dropdown" in problem
    other = _nb(tmp_path, "(ch1-exam-neural-network)=\n**1. What is a neural network?**\n\n" + DROPDOWN)
    [problem] = question_page.missing_answers({q.id: q}, question_page.answers([other]))
    assert problem == "mca.neural-network: the answer is in 01_x.ipynb, not in the unit's chapter"
    twice = question_page.answers([other]) | {q.answer: 2 * question_page.answers([other])[q.answer]}
    [problem] = question_page.missing_answers({q.id: q}, twice)
    assert "defined 2 times" in problem


# ---- the page --------------------------------------------------------------------------

def test_question_page_is_not_stale():
    old = [p.relative_to(ROOT).as_posix() for p in question_page.stale()]
    assert not old, f"stale {old}: run `python -m tools.question_page` and commit it"


def test_make_pages_writes_the_question_page_too():
    assert make_pages.pages()[question_page.PAGE] == question_page.render()


def test_question_page_is_in_the_toc():
    assert "file: appendix/questions" in (ROOT / "_toc.yml").read_text(encoding="utf-8")


def test_page_links_every_question_to_its_answer(bank):
    text = question_page.render()
    assert re.match(r"# \S", text) and len(re.findall(r"^# ", text, re.MULTILINE)) == 1
    for q in bank.values():
        assert f"- **{q.text}** {{ref}}`Model answer <{q.answer}>`" in text, q.id
    links = re.findall(r"\{ref\}`Model answer <([^>]+)>`", text)
    assert len(links) == len(bank)


def test_page_groups_by_unit_and_marks_and_counts_from_the_bank():
    qs = {
        "a.one": dict(source="003", unit=1, marks=10), "a.two": dict(source="003", unit=1, marks=4),
        "a.three": dict(source="002", unit=2, marks=4),
    }
    bank = {
        qid: questions.Question(id=qid, lines="5", kind="topic", text=f"Question {qid}?",
                                marks_from="book", answer=f"ch{v['unit']}-exam-{qid[2:]}", **v)
        for qid, v in qs.items()
    }
    text = question_page.render(bank)
    assert "**All units.** 3 questions." in text
    assert "| MCA 402B notes | 1 | 1 | 2 |" in text
    assert "| **All notes** | **1** | **2** | **3** |" in text
    unit1, unit2 = text.split("## Unit 1")[1].split("## Unit 2")
    assert unit1.index("### 10 marks") < unit1.index("Question a.one?") < unit1.index("### 4 marks")
    assert "Question a.two?" in unit1.split("### 4 marks")[1]
    assert "Question a.three?" in unit2 and "### 10 marks" not in unit2


def test_check_mode_exits_non_zero_on_a_stale_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(question_page, "PAGE", tmp_path / "questions.md")
    monkeypatch.setattr(generated, "ROOT", tmp_path)
    assert question_page.main(["--check"]) == 1  # not written yet
    assert question_page.main([]) == 0
    assert question_page.main(["--check"]) == 0
    (tmp_path / "questions.md").write_text("# Question bank\n\nedited by hand\n")
    assert question_page.main(["--check"]) == 1
    assert "stale: questions.md" in capsys.readouterr().out


# ---- malformed files ---------------------------------------------------------------------

GOOD = {
    "id": "mca.q", "source": "003", "lines": "262", "unit": 1, "kind": "short",
    "text": "What is a neural network?", "marks": 4, "marks_from": "paper",
    "papers": [{"paper": "Semester, Part-A", "lines": "1669", "marks": 4}],
    "answer": "ch1-exam-neural-network",
}


def _write(tmp_path, records, name="unit01/mca.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(records if isinstance(records, str) else yaml.safe_dump(records))
    return path


def test_the_schema_accepts_a_good_file(tmp_path):
    _write(tmp_path, [GOOD])
    bank = questions.load(tmp_path)
    assert bank["mca.q"].papers[0].marks == 4


@pytest.mark.parametrize(
    "change, match",
    [
        ({"marks": 0}, "'mca.q', marks: 0 is less than the minimum of 1"),
        ({"source": 3}, "'mca.q', source: 3 is not of type 'string'"),
        ({"kind": "essay"}, "'mca.q', kind: 'essay' is not one of"),
        ({"colour": "red"}, "'mca.q': unknown field ('colour'"),
        ({"lines": "262 to 271"}, "'mca.q', lines: '262 to 271' does not match"),
        ({"text": "What is $x$?"}, "'mca.q', text: 'What is $x$?' does not match"),
        ({"answer": "chapters/01#x"}, "'mca.q', answer: 'chapters/01#x' does not match"),
        ({"marks_from": "paper", "papers": None}, "'mca.q': 'papers' is a required property"),
        ({"marks_from": "notes", "kind": "topic", "papers": None}, "'mca.q', kind: 'topic' is not one of"),
        ({"marks_from": "book"}, "'mca.q', marks_from: 'paper' was expected"),
        ({"papers": [{"paper": "P", "lines": "1", "marks": 4, "time": 3}]},
         "'mca.q', papers.0: unknown field"),
    ],
)
def test_the_schema_rejects_a_malformed_question(tmp_path, change, match):
    record = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    _write(tmp_path, [record])
    with pytest.raises(questions.QuestionError, match=re.escape(f"unit01/mca.yaml: question {match}")):
        questions.load(tmp_path)


@pytest.mark.parametrize(
    "content, name, match",
    [
        ([GOOD], "unit02/mca.yaml", "unit02/mca.yaml: question 'mca.q': unit 1 in the folder for unit 2"),
        ([GOOD], "unit01/r20.yaml", "unit01/r20.yaml: question 'mca.q': source '003' in the file for 'r20'"),
        ([GOOD], "unit01/003.yaml", "unit01/003.yaml: the file is named after a source key"),
        ([GOOD], "mca.yaml", "mca.yaml: a question file sits in a folder unitNN"),
        ([GOOD, GOOD], "unit01/mca.yaml", "question id 'mca.q' is used 2 times"),
        ([{**GOOD, "marks": 10}], "unit01/mca.yaml", "marks 10, but the most a paper gives it is 4"),
        ([GOOD, {**GOOD, "id": "mca.r", "kind": "long", "marks_from": "notes", "marks": 10, "papers": []}],
         "unit01/mca.yaml", "'mca.r', papers: [] should be non-empty"),
        ([GOOD, {k: v for k, v in {**GOOD, "id": "mca.r", "marks_from": "notes", "marks": 2}.items()
                 if k != "papers"}],
         "unit01/mca.yaml", "'mca.r': marks 2 (from the notes) must be what the same notes' papers give a short question: one of [4]"),
        ("- id: [unclosed\n", "unit01/mca.yaml", "unit01/mca.yaml: not valid YAML"),
        ("", "unit01/mca.yaml", "unit01/mca.yaml: the file is empty"),
        ("id: mca.q\n", "unit01/mca.yaml", "unit01/mca.yaml: {'id': 'mca.q'} is not of type 'array'"),
    ],
)
def test_cross_field_rules_reject_a_bad_bank(tmp_path, content, name, match):
    _write(tmp_path, content, name)
    with pytest.raises(questions.QuestionError, match=re.escape(match)):
        questions.load(tmp_path)


def test_a_bad_file_is_reported_without_a_traceback(tmp_path, monkeypatch, capsys):
    _write(tmp_path, [{**GOOD, "marks": "four"}])
    monkeypatch.setattr(questions, "QUESTIONS_DIR", tmp_path)
    monkeypatch.setattr(questions, "registry", lambda: questions.load(tmp_path))
    assert question_page.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert "unit01/mca.yaml: question 'mca.q', marks: 'four' is not of type 'integer'" in err


def test_the_schema_file_is_valid_json_schema():
    from dlbook import _data

    _data.validator.cache_clear()
    assert _data.validator("questions").schema["type"] == "array"  # check_schema ran


def test_unit_two_questions_of_each_source():
    """The questions the notes ask about Unit 2 that Unit 1 does not already answer."""
    counts = {s: sum(q.source == s for q in questions.for_unit(2)) for s in notes.sources()}
    assert counts == {"000": 1, "002": 3, "003": 7, "004": 2}


def test_unit_four_questions_of_each_source(bank):
    """The questions the notes and papers ask about Unit 4 (see each unit04 file's header)."""
    counts = {s: sum(q.source == s for q in questions.for_unit(4)) for s in notes.sources()}
    assert counts == {"000": 3, "002": 3, "003": 4, "004": 8}
    assert [p.lines for p in bank["mca.lstm"].papers] == ["1611"]
    assert (bank["mca.gru"].marks, bank["mca.gru"].marks_from) == (10, "notes")
    assert bank["r20.bptt"].marks == 10  # the one derivation among the R20 headings


def test_unit_five_questions_of_each_source(bank):
    """The questions the notes and papers ask about Unit 5 (see each unit05 file's header)."""
    counts = {s: sum(q.source == s for q in questions.for_unit(5)) for s in notes.sources()}
    assert counts == {"000": 1, "002": 0, "003": 6, "004": 3}
    assert [p.lines for p in bank["mca.vae"].papers] == ["1637", "1741"]
    assert (bank["mca.autoencoder-dbm"].marks, bank["mca.autoencoder-dbm"].marks_from) == (10, "notes")
    assert bank["mca.dbn-vs-dbm"].answer == "ch5-exam-dbn-vs-dbm"
