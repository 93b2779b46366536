"""The generated appendix pages (tools/make_pages.py) and the crosswalk data."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from dlbook import notes
from tools import generated, make_pages, question_page
from tools.book import ROOT



@pytest.fixture(scope="module")
def cw():
    return make_pages.load_crosswalk()


# ---- the pages are generated and current -------------------------------------------

def test_generated_pages_are_not_stale():
    old = [p.relative_to(ROOT).as_posix() for p in make_pages.stale()]
    assert not old, f"stale generated pages {old}: run `make pages` and commit them"


@pytest.mark.parametrize("path", [make_pages.ERRATA_PAGE, make_pages.CROSSWALK_PAGE])
def test_pages_start_with_a_title_and_are_in_the_toc(path):
    text = make_pages.pages()[path]
    assert re.match(r"# \S", text), "a MyST page starts with '# Title'"
    assert len(re.findall(r"^# ", text, re.MULTILINE)) == 1, "one top-level title"
    doc = path.relative_to(ROOT).with_suffix("").as_posix()
    assert f"file: {doc}" in (ROOT / "_toc.yml").read_text(encoding="utf-8")


def test_check_mode_exits_non_zero_on_a_stale_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(make_pages, "ERRATA_PAGE", tmp_path / "errata.md")
    monkeypatch.setattr(make_pages, "CROSSWALK_PAGE", tmp_path / "crosswalk.md")
    monkeypatch.setattr(question_page, "PAGE", tmp_path / "questions.md")
    monkeypatch.setattr(make_pages, "QUIZ_PAGE", tmp_path / "quiz-answers.md")
    monkeypatch.setattr(make_pages, "GLANCE_PAGE", tmp_path / "intro-glance.md")
    monkeypatch.setattr(generated, "ROOT", tmp_path)
    assert make_pages.main(["--check"]) == 1  # the pages do not exist yet
    assert make_pages.main([]) == 0
    assert make_pages.main(["--check"]) == 0
    (tmp_path / "crosswalk.md").write_text("# Syllabus crosswalk\n\nedited by hand\n")
    assert make_pages.main(["--check"]) == 1
    assert "stale: crosswalk.md" in capsys.readouterr().out


# ---- errata page ------------------------------------------------------------------------

def test_errata_page_lists_every_erratum_and_no_match():
    text = make_pages.render_errata()
    for c in notes.registry().values():
        assert (f"(`{c.id}`)" in text) == c.is_shown, c.id


def test_errata_summary_counts_come_from_the_registry():
    claims = list(notes.registry().values())
    rows = make_pages.errata_summary(claims)
    assert [r.name for r in rows] == [s.name for s in notes.sources().values()]
    assert sum(r.claims for r in rows) == len(claims)
    said = [c for c in claims if c.is_statement]
    assert sum(r.statements for r in rows) == sum(c.is_erratum for c in said) > 0
    assert sum(r.errata for r in rows) == sum(c.is_erratum for c in claims)
    assert sum(r.imprecise + r.omission for r in rows) == sum(c.is_note for c in said)
    assert sum(r.withdrawn for r in rows) == sum(not c.is_shown for c in said)
    assert sum(r.matches + r.numeric for r in rows) == len(claims) - len(said)
    text = make_pages.render_errata(claims)
    for r in rows:
        assert (f"| {r.name} | {r.claims} | {r.matches} | {r.numeric} | {r.statements} | "
                f"{r.errata} | {r.imprecise} | {r.omission} | {r.withdrawn} |") in text


def test_errata_page_groups_by_notes_and_unit_with_counts():
    claims = list(notes.registry().values())
    text = make_pages.render_errata(claims)
    for source in notes.sources().values():
        errata = [c for c in claims if c.source == source.id and c.is_erratum]
        if not errata:
            continue
        section = text.split(f"## {source.name}\n", 1)[1].split("\n## ", 1)[0]
        for unit in {c.unit for c in errata}:
            n = sum(c.unit == unit for c in errata)
            assert f"### Errata, Unit {unit} ({n} errat{'um' if n == 1 else 'a'})" in section
            for c in errata:
                assert f"(`{c.id}`)" in section


def _value_erratum(**kw) -> notes.Claim:
    fields = dict(
        id="vesit.x.y", source="000", lines="5-7", unit=2, quantity="a slope",
        notes_value=0.5, decimals=1, verdict="erratum", correct=0.25,
        correct_decimals=2, explanation="The run is 4, not 2, so the slope halves.",
        section="chapters/02_training",
    )
    return notes.Claim(**{**fields, **kw})


def test_errata_entry_links_to_its_section_and_matches_the_box():
    claim = _value_erratum()
    text = make_pages.render_errata([claim])
    assert "### Errata, Unit 2 (1 erratum)" in text
    assert f"({claim.anchor})=\n**A slope** (`vesit.x.y`)" in text
    assert "- **The notes say (lines 5–7):** 0.5." in text
    assert "- **Correct:** 0.25." in text
    assert "- **Why:** The run is 4, not 2, so the slope halves." in text
    assert "{doc}`/chapters/02_training`" in text
    assert "| **All notes** | **1** | **0** | **1** | **0** | **1** | **0** | **0** | **0** |" in text
    box = notes.box_markdown(claim)
    for label, field in notes.erratum_fields(claim):
        assert f"- **{label}:** {field}" in box and f"- **{label}:** {field}" in text


def test_a_statement_erratum_on_the_page():
    claim = notes.Claim(
        id="r20.x.date", kind="statement", source="004", lines="4014-4015", unit=3,
        topic="the year of the LSTM", notes_say='"In 1977, Hochretier and Schmidhuber"',
        correct="1997, Hochreiter", explanation="The LSTM paper appeared in 1997",
        section="chapters/03_rnn",
    )
    text = make_pages.render_errata([claim])
    assert "**The year of the LSTM** (`r20.x.date`)" in text
    assert '- **The notes say (lines 4014–4015):** "In 1977, Hochretier and Schmidhuber"' in text
    assert "- **Correct:** 1997, Hochreiter." in text
    assert "- **Why:** The LSTM paper appeared in 1997." in text
    assert "| R20A6610 notes | 1 | 0 | 0 | 1 | 1 | 0 | 0 | 0 |" in text


def _statement(**kw) -> notes.Claim:
    fields = dict(
        id="r20.x.note", kind="statement", verdict="imprecise", source="004", lines="10-11",
        unit=3, topic="pooling and invariance", notes_say='"Pooling makes the network invariant"',
        correct="Pooling gives invariance to small shifts only", explanation="A large shift "
        "moves the maximum to another window", section="chapters/03_rnn",
        audit={"date": "2026-12-06", "outcome": "regraded", "was": "erratum",
               "note": "True in the common reading."},
    )
    return notes.Claim(**{**fields, **kw})


def test_notes_and_withdrawn_statements_on_the_page():
    note = _statement()
    right = _statement(id="r20.x.right", verdict="matches", topic="a true statement",
                       correct="Srivastava et al. index layers this way too.",
                       audit={"date": "2026-12-06", "outcome": "withdrawn", "was": "erratum",
                              "note": "The authors' own wording."})
    text = make_pages.render_errata([note, right])
    assert "### Notes, Unit 3 (1 note)" in text and "### Errata" not in text
    assert f"({note.anchor})=\n**Pooling and invariance** (`r20.x.note`)" in text
    assert "- **More precisely:** Pooling gives invariance to small shifts only." in text
    assert "- **Audit:** regraded on 2026-12-06, was erratum: True in the common reading." in text
    assert "### Withdrawn after the audit: the notes are right" in text
    assert "- **A true statement** (`r20.x.right`, R20A6610 notes, lines 10–11)" in text
    assert "| R20A6610 notes | 2 | 0 | 0 | 0 | 0 | 1 | 0 | 1 |" in text


def test_free_text_is_escaped_for_myst():
    assert make_pages._escape("2*2 = $4 | ok") == r"2\*2 = \$4 \| ok"
    assert make_pages._escape("keep `a*b` as code") == "keep `a*b` as code"


# ---- crosswalk data ----------------------------------------------------------------------

def test_the_three_syllabi_are_all_there(cw):
    units = {s.id: [u.unit for u in s.units] for s in cw.syllabi}
    assert units["mca402b"] == ["I", "II", "III", "IV", "V"]
    assert units["r20a6610"] == ["I", "II", "III", "IV", "V"]
    assert units["vesit"] == ["4"]


def test_every_syllabus_unit_has_a_topic(cw):
    for s in cw.syllabi:
        for u in s.units:
            assert u.topics, f"{s.id} unit {u.unit} has no topics"


def test_unit_one_topics_are_taught_by_the_unit_one_chapter(cw):
    for s in cw.syllabi:
        if s.id in ("mca402b", "r20a6610"):
            for t in s.units[0].topics:
                assert t.sections, f"{s.id} Unit I topic {t.topic!r} is not covered"
                # later chapters may take a topic further (SGD in Unit 2), but Unit 1 teaches it
                assert any(x.startswith("chapters/01_neural_networks") for x in t.sections), (
                    f"{s.id} Unit I topic {t.topic!r} is not taught in the Unit 1 chapter")


def test_planned_chapters_are_named_consistently(cw):
    used = {t.planned for t in cw.topics if t.planned}
    assert used <= set(cw.planned_chapters)
    for name in cw.planned_chapters.values():
        assert re.match(r"Unit \d+: \S", name), name


def test_coverage_numbers_are_consistent(cw):
    page = make_pages.render_crosswalk(cw)
    overall_covered = overall_total = 0
    for s in cw.syllabi:
        n, m = make_pages.coverage(s.topics)
        assert n == sum(make_pages.coverage(list(u.topics))[0] for u in s.units)
        assert m == sum(len(u.topics) for u in s.units)
        assert n + sum(1 for t in s.topics if t.planned) == m
        assert f"| {s.title} | Covered {n} of {m} topics. |" in page
        overall_covered, overall_total = overall_covered + n, overall_total + m
    assert f"**Overall.** Covered {overall_covered} of {overall_total} topics." in page
    planned = sum(int(x) for x in re.findall(r"^\| Unit \d+: .* \| (\d+) \|$", page, re.MULTILINE))
    assert planned == overall_total - overall_covered


# ---- the landing page's box (intro.md and the generated intro-glance.md) -------------

def test_the_landing_page_box_states_the_crosswalk_and_the_book(cw):
    import nbformat

    from tools import export_nbgrader

    g = make_pages.glance(cw)
    text = make_pages.render_glance(g)
    covered, total = make_pages.coverage(cw.topics)
    assert (g.covered, g.topics) == (covered, total)
    assert f"{covered} of the {total} syllabus topics are covered" in text
    for s in cw.syllabi:
        n, m = make_pages.coverage(s.topics)
        assert f"{s.title}: {n} of {m}" in text
        assert f"{s.title} ({len(s.units)} {s.unit_name.lower()}" in text
    # the units written are the chapters the crosswalk links (and that exist,
    # each with its lab); the planned ones, its planned chapters
    chapters = sorted(int(p.name[:2]) for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    assert list(g.written) == [u for u in chapters if u > 0]
    assert len(g.planned) == len(cw.planned_chapters)
    assert f"Units {g.written[0]}–{g.written[-1]} of {len(g.written) + len(g.planned)}" in text
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for u in g.written:
        assert re.search(rf"file: chapters/{u:02d}_", toc) and re.search(rf"file: labs/{u:02d}[a-z]?_", toc)
    graded = [len({c[0] for c in map(export_nbgrader.graded_check, nbformat.read(p, 4).cells) if c})
              for u in g.written for p in make_pages.unit_labs(u)]
    assert g.exercises == (min(graded), max(graded))
    lo, hi = g.minutes
    assert 5 <= lo <= hi and lo % 5 == hi % 5 == 0


def test_the_intro_includes_the_box_and_states_who_the_book_is_for():
    intro = (ROOT / "intro.md").read_text(encoding="utf-8")
    box = re.search(r"^::::\{admonition\}.*?^::::$", intro, re.S | re.M)
    assert box and ":class: dlbook-glance" in box.group(0)
    assert "```{include} intro-glance.md" in box.group(0)
    for lead in ("**Who it is for.**", "**You need.**"):
        assert lead in box.group(0)
    written = "**Written so far.**" if make_pages.load_crosswalk().planned_chapters else "**Written.**"
    for lead in ("**Time.**", "**The syllabus codes.**", written):
        assert lead in make_pages.render_glance()


def test_reading_time_leaves_out_code_and_math(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "word " * 400 + "$x + y$ $$a b c$$\n```python\n" + "code " * 500 + "\n```"},
                    {"cell_type": "code", "metadata": {}, "source": "word " * 1000}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert make_pages.reading_minutes(path) == 2  # 400 words and one formula, at 200 a minute


def test_the_clone_command_names_the_repository():
    from tools import book

    how = (ROOT / "how-to-use.md").read_text(encoding="utf-8")
    clones = re.findall(r"git clone (\S+)", how)
    assert clones == [f"{book.repo_url()}.git"], clones


def _label_heading(path: Path, label: str) -> bool | None:
    """None: no `(label)=` line; False: it is not followed by a heading; True: ok."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        blocks = [
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
        ]
    else:
        blocks = [path.read_text(encoding="utf-8")]
    for block in blocks:
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.strip() == f"({label})=":
                rest = [x for x in lines[i + 1:] if x.strip()]
                return bool(rest) and rest[0].startswith("#")
    return None


def test_every_crosswalk_target_exists(cw):
    problems = []
    for target in sorted({target for t in cw.topics for target in t.sections}):
        path, label = make_pages.split_target(target)
        files = [ROOT / f"{path}{ext}" for ext in (".ipynb", ".md")]
        found = next((f for f in files if f.exists()), None)
        if found is None:
            problems.append(f"{target}: no {path}.ipynb or {path}.md")
        elif label:
            ok = _label_heading(found, label)
            if ok is None:
                problems.append(f"{target}: no line '({label})=' in {found.name}")
            elif not ok:
                problems.append(f"{target}: '({label})=' is not followed by a heading")
    assert not problems, "crosswalk targets that do not exist:\n" + "\n".join(problems)


def test_label_check_reads_notebooks_and_markdown(tmp_path):
    nb = {"cells": [
        {"cell_type": "code", "source": "(code-label)=\n# not markdown", "outputs": []},
        {"cell_type": "markdown", "source": ["(good)=\n", "\n", "## A heading\n"]},
        {"cell_type": "markdown", "source": "(bare)=\nJust a paragraph."},
    ]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert _label_heading(path, "good") is True
    assert _label_heading(path, "bare") is False
    assert _label_heading(path, "code-label") is None
    md = tmp_path / "y.md"
    md.write_text("# Title\n\n(sec)=\n## Section\n")
    assert _label_heading(md, "sec") is True


def test_crosswalk_links_use_ref_for_labels_and_doc_for_pages():
    assert make_pages.link("chapters/01_neural_networks#ch1-xor") == "{ref}`ch1-xor`"
    assert make_pages.link("chapters/01_neural_networks") == "{doc}`/chapters/01_neural_networks`"


# ---- malformed crosswalk data ---------------------------------------------------------------

BASE = """
planned_chapters:
  unit2: "Unit 2: Training deep networks"
syllabi:
  - id: s
    title: S
    source: "003"
    units:
      - unit: I
        title: Basics
        topics:
{topics}
"""


def _load(tmp_path, topics: str):
    path = tmp_path / "crosswalk.yaml"
    path.write_text(BASE.format(topics=textwrap.indent(textwrap.dedent(topics), " " * 10)))
    return make_pages.load_crosswalk(path)


def test_a_good_crosswalk_loads(tmp_path):
    cw = _load(tmp_path, """\
        - topic: Neurons
          sections: [chapters/01_neural_networks#ch1-neurons]
        - topic: Dropout
          planned: unit2
        """)
    assert make_pages.coverage(cw.topics) == (1, 2)
    assert "planned: Unit 2: Training deep networks" in make_pages.render_crosswalk(cw)


@pytest.mark.parametrize(
    "topics, match",
    [
        ("- topic: Dropout\n  planned: unit2\n  sections: [chapters/x]\n",
         "a topic is either covered (sections) or planned, not both"),
        ("- topic: Dropout\n", "needs sections (covered) or planned"),
        ("- topic: Dropout\n  planned: unit9\n", "planned 'unit9' is not one of ['unit2']"),
        ("- topic: Dropout\n  sections: [chapters/x.ipynb]\n",
         "'chapters/x.ipynb' is not a book path like chapters/01_neural_networks#ch1-perceptron"),
        ("- topic: Dropout\n  sections: chapters/x\n", "'chapters/x' is not of type 'array'"),
        ("- topic: Dropout\n  planned: unit2\n  colour: red\n", "unknown field ('colour'"),
        ("- planned: unit2\n", "'topic' is a required property"),
        ("- topic: A\n  planned: unit2\n- topic: A\n  planned: unit2\n",
         "syllabus 's', unit I: duplicate topics ['A']"),
    ],
)
def test_malformed_crosswalk_raises(tmp_path, topics, match):
    with pytest.raises(make_pages.CrosswalkError, match=re.escape(match)):
        _load(tmp_path, topics)


def test_crosswalk_errors_name_the_file_and_place(tmp_path):
    with pytest.raises(make_pages.CrosswalkError,
                       match=re.escape("crosswalk.yaml: syllabi.0.units.0.topics.0: "
                                       "'topic' is a required property")):
        _load(tmp_path, "- planned: unit2\n")


def test_a_unit_without_topics_is_rejected(tmp_path):
    path = tmp_path / "crosswalk.yaml"
    path.write_text(BASE.format(topics="          []"))
    with pytest.raises(make_pages.CrosswalkError, match="should be non-empty"):
        make_pages.load_crosswalk(path)


def test_an_unknown_source_is_rejected(tmp_path):
    path = tmp_path / "crosswalk.yaml"
    path.write_text(BASE.replace('"003"', '"009"').format(
        topics="          - {topic: A, planned: unit2}"))
    with pytest.raises(make_pages.CrosswalkError, match="source must be one of"):
        make_pages.load_crosswalk(path)


def test_the_hand_written_validators_are_gone():
    """The crosswalk is validated by its JSON Schema, not by field checks in code."""
    assert not hasattr(make_pages, "_fields") and not hasattr(make_pages, "_topic")
    assert not hasattr(notes, "_check")
