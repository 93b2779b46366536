"""The question bank: every exam question the lecture notes and their papers ask.

A unit's questions live in ``dlbook/data/questions/unitNN/<key>.yaml``, one
file per set of notes, named by its key in ``dlbook/data/sources.yaml`` (the
same layout as the notes registry's claims). Each
question records where the notes ask it, its marks and where they come from,
its text, and ``answer``: the MyST label of the question in the unit's chapter
whose dropdown holds the model answer. A new unit adds its own folder; it
edits no shared file.

Every file is validated against ``dlbook/data/schema/questions.schema.json``
(JSON Schema, checked with ``jsonschema``), then against the rules a schema
cannot state:

* ids are unique across the bank;
* the folder names the unit of its questions (``unit01`` holds ``unit: 1``)
  and the file names their source (``mca.yaml`` holds ``source: "003"``);
* a question marked from the papers has the most marks any paper gives it;
  one marked from the notes (a short or long question no paper asks) has the
  marks the same notes' papers give a question of that kind.

Errors name the file and the question::

    QuestionError: unit01/mca.yaml: question 'mca.neural-network': marks: 0 is less than the minimum of 1

``tools/question_page.py`` renders the appendix page, and the tests check
that every ``answer`` label stands in the book before an answer dropdown.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from pathlib import Path

from dlbook import notes
from dlbook._data import UNIT_DIR, DataError, check, load_yaml, unit_file_name, unit_files

DATA = Path(__file__).parent / "data"
QUESTIONS_DIR = DATA / "questions"


class QuestionError(DataError):
    """A question file is malformed."""


@dataclasses.dataclass(frozen=True)
class Paper:
    """One place where a question paper asks a question."""

    paper: str
    lines: str
    marks: int


@dataclasses.dataclass(frozen=True)
class Question:
    id: str
    source: str
    lines: str
    unit: int
    kind: str
    text: str
    marks: int
    marks_from: str
    answer: str
    notes_unit: str | None = None
    papers: tuple[Paper, ...] = ()

    @property
    def notes_name(self) -> str:
        return notes.sources()[self.source].name


def _question_label(records: list, index: int) -> str:
    item = records[index]
    return f"question {item['id']!r}" if isinstance(item, dict) and "id" in item else (
        f"question #{index + 1}")


def _path_errors(records: list[dict], path: Path) -> list[str]:
    """The unit and source that the file's folder and name fix."""
    where, errors = unit_file_name(path), []
    folder = UNIT_DIR.match(path.parent.name)
    if folder is None:
        return [f"{where}: a question file sits in a folder unitNN, e.g. unit01/mca.yaml"]
    by_key = {src.key: src for src in notes.sources().values()}
    if path.stem not in by_key:
        return [f"{where}: the file is named after a source key, one of {sorted(by_key)}"]
    source_id = by_key[path.stem].id
    for r in records:
        qid = r["id"]
        if r["unit"] != int(folder.group(1)):
            errors.append(f"{where}: question {qid!r}: unit {r['unit']} in the folder for unit {int(folder.group(1))}")
        if r["source"] != source_id:
            errors.append(f"{where}: question {qid!r}: source {r['source']!r} in the file for "
                          f"{path.stem!r} (source {source_id!r})")
    return errors


def load_file(path: Path) -> list[Question]:
    """Read and validate one question file; raises :class:`QuestionError`."""
    path = Path(path)
    where = unit_file_name(path)
    records = load_yaml(path, QuestionError)
    if records is None:
        raise QuestionError(f"{where}: the file is empty; it must hold a list of questions")
    check(records, "questions", path, QuestionError, label=_question_label)
    errors = _path_errors(records, path)
    if errors:
        raise QuestionError("\n".join(errors))
    return [
        Question(**{**r, "papers": tuple(Paper(**p) for p in r.get("papers", ()))})
        for r in records
    ]


def _bank_errors(questions: list[Question]) -> list[str]:
    """Rules across questions: unique ids, marks consistent with the papers."""
    errors = [
        f"question id {qid!r} is used {n} times"
        for qid, n in Counter(q.id for q in questions).items()
        if n > 1
    ]
    for q in questions:
        where = f"unit{q.unit:02d}/{notes.sources()[q.source].key}.yaml: question {q.id!r}"
        if q.marks_from == "paper":
            most = max(p.marks for p in q.papers)
            if q.marks != most:
                errors.append(f"{where}: marks {q.marks}, but the most a paper gives it is {most}")
        elif q.marks_from == "notes":
            kin = {
                other.marks for other in questions
                if other.source == q.source and other.kind == q.kind and other.marks_from == "paper"
            }
            if q.marks not in kin:
                errors.append(
                    f"{where}: marks {q.marks} (from the notes) must be what the same notes' "
                    f"papers give a {q.kind} question: one of {sorted(kin) or 'none recorded'}"
                )
    return errors


def load(directory: Path = QUESTIONS_DIR) -> dict[str, Question]:
    """Every question under ``directory``, by id, validated."""
    questions: list[Question] = []
    paths, errors = unit_files(directory, "a question file", "unit01/mca.yaml")
    for path in paths:
        questions += load_file(path)
    errors += _bank_errors(questions)
    if errors:
        raise QuestionError("\n".join(errors))
    return {q.id: q for q in questions}


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, Question]:
    """All questions of the package, by id."""
    return load()


def for_unit(unit: int) -> list[Question]:
    """The questions the book's ``unit`` answers, in file order."""
    return [q for q in registry().values() if q.unit == unit]
