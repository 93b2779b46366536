"""The question bank: every exam question the lecture notes and their papers ask.

A unit's questions live in ``dlbook/data/questions/unitNN/<source>.yaml``, one
file per source of notes (the ids of :data:`dlbook.notes.SOURCES`). Each
question records where the notes ask it, its marks and where they come from,
its text, and ``answer``: the MyST label of the question in the unit's chapter
whose dropdown holds the model answer. A new unit adds its own folder; it
edits no shared file.

Every file is validated against ``dlbook/data/schema/questions.schema.json``
(JSON Schema, checked with ``jsonschema``), then against the rules a schema
cannot state:

* ids are unique across the bank;
* the folder names the unit of its questions (``unit01`` holds ``unit: 1``)
  and the file names their source (``003.yaml`` holds ``source: "003"``);
* a question marked from the papers has the most marks any paper gives it;
  one marked from the notes (a short or long question no paper asks) has the
  marks the same notes' papers give a question of that kind.

Errors name the file and the question::

    QuestionError: unit01/003.yaml: question 'mca.neural-network': marks: 0 is less than the minimum of 1

``tools/question_page.py`` renders the appendix page, and the tests check
that every ``answer`` label stands in the book before an answer dropdown.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from dlbook import notes

DATA = Path(__file__).parent / "data"
QUESTIONS_DIR = DATA / "questions"
SCHEMA_PATH = DATA / "schema" / "questions.schema.json"
UNIT_DIR = re.compile(r"^unit(\d{2})$")


class QuestionError(ValueError):
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
        return notes.SOURCES[self.source]


@functools.lru_cache(maxsize=None)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _where(path: Path) -> str:
    """'unit01/003.yaml': how errors name a file."""
    return f"{path.parent.name}/{path.name}" if UNIT_DIR.match(path.parent.name) else path.name


def _schema_errors(records: Any, where: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema())
    found = []
    for err in sorted(validator.iter_errors(records), key=lambda e: list(e.absolute_path)):
        path = list(err.absolute_path)
        if path and isinstance(path[0], int) and isinstance(records[path[0]], dict):
            qid = records[path[0]].get("id", f"#{path[0] + 1}")
            field = ".".join(str(p) for p in path[1:]) or "record"
            found.append(f"{where}: question {qid!r}: {field}: {err.message}")
        elif path:
            found.append(f"{where}: question #{path[0] + 1}: {err.message}")
        else:
            found.append(f"{where}: {err.message}")
    return found


def _path_errors(records: list[dict], path: Path) -> list[str]:
    """The unit and source that the file's folder and name fix."""
    where, errors = _where(path), []
    folder = UNIT_DIR.match(path.parent.name)
    if folder is None:
        return [f"{where}: a question file sits in a folder unitNN, e.g. unit01/003.yaml"]
    if path.stem not in notes.SOURCES:
        return [f"{where}: the file is named after a source, one of {sorted(notes.SOURCES)}"]
    for r in records:
        qid = r["id"]
        if r["unit"] != int(folder.group(1)):
            errors.append(f"{where}: question {qid!r}: unit {r['unit']} in the folder for unit {int(folder.group(1))}")
        if r["source"] != path.stem:
            errors.append(f"{where}: question {qid!r}: source {r['source']!r} in the file for {path.stem!r}")
    return errors


def load_file(path: Path) -> list[Question]:
    """Read and validate one question file; raises :class:`QuestionError`."""
    path = Path(path)
    where = _where(path)
    try:
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise QuestionError(f"{where}: not valid YAML: {err}") from None
    if records is None:
        raise QuestionError(f"{where}: the file is empty; it must hold a list of questions")
    errors = _schema_errors(records, where)
    if not errors:
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
        where = f"unit{q.unit:02d}/{q.source}.yaml: question {q.id!r}"
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
    for path in sorted(Path(directory).glob("*/*.yaml")):
        questions += load_file(path)
    stray = sorted(_where(p) for p in Path(directory).glob("*.yaml"))
    errors = [f"{s}: a question file sits in a folder unitNN, e.g. unit01/003.yaml" for s in stray]
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
