"""Self-check questions at the end of a section, answered without a kernel.

A main section's questions live in
``dlbook/data/quizzes/unitNN/<section label>.yaml`` (the format is in
``dlbook/data/schema/quizzes.schema.json`` and in *Adding a unit*); the last
cell of the section, tagged ``hide-input``, shows them::

    from dlbook import quiz
    quiz("ch2-momentum")

Three kinds: ``single`` (radio buttons, one right option), ``multiple``
(checkboxes, one or more right) and ``numeric`` (a number within a
tolerance). Every option carries feedback; a numeric answer, and each common
slip, is computed by the question's code when the questions are shown, never
typed.

The output is one self-contained piece of HTML, like the demos of
:mod:`dlbook.widgets`: the questions, their feedback, a small inline style and
a small inline script. The same output works

* live in Jupyter and Colab, and from the stored outputs in the built web
  book, offline: a *Check* button gives the feedback for the options chosen
  (or the number typed) in a live region; math is typeset by the page's
  MathJax, and the web book loads its own copy on a page that has none;
* with scripts off (an untrusted notebook in JupyterLab): the questions
  show, each with its answer in a closed ``<details>`` element;
* on paper: the questions and their options print; the answers are in the
  appendix ``appendix/quiz-answers.md`` (``tools/make_pages.py``).

Ids are the questions' own ids (no random ids: nbval compares stored outputs
strictly) and numbers are rounded (4 significant digits shown; the value the
script compares with keeps two digits below the tolerance), so the stored
output is the same on any processor and on Colab's versions. A text/plain
version lists the questions.

Errors name the file and the question::

    QuizError: unit02/ch2-momentum.yaml: question 'ch2-momentum-half-beta': options: [...] is too short

The module itself is callable (``dlbook.quiz("ch2-momentum")``), so that
``from dlbook import quiz`` gives a working ``quiz`` whether it finds this
module or its function.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import re
import sys
import types
from collections import Counter
from pathlib import Path

from dlbook._data import (DATA_DIR, UNIT_DIR, DataError, check, load_yaml, unit_file_name,
                          unit_files)

QUIZ_DIR = DATA_DIR / "quizzes"
KINDS = ("single", "multiple", "numeric")
SKILLS = ("predict", "compute", "spot-the-error", "choose-explanation", "recall")
#: The class of a quiz block; the page's CSS and the browser test rely on it.
CSS_CLASS = "dlbook-quiz"
#: The title of the appendix page of answers (tools/make_pages.py).
ANSWERS_TITLE = "Answers to the self-check questions"


class QuizError(DataError):
    """A quiz file is malformed, or a question's code fails."""


@dataclasses.dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str


@dataclasses.dataclass(frozen=True)
class Slip:
    code: str
    feedback: str


@dataclasses.dataclass(frozen=True)
class Question:
    id: str
    kind: str
    skill: str
    prompt: str
    section: str
    where: str  # 'unit02/ch2-momentum.yaml', for messages
    options: tuple[Option, ...] = ()
    code: str | None = None  # numeric: sets `answer`
    tolerance: float | None = None
    correct_feedback: str | None = None
    wrong_feedback: str | None = None
    slips: tuple[Slip, ...] = ()

    @property
    def right(self) -> list[int]:
        """Indices of the right options."""
        return [k for k, o in enumerate(self.options) if o.correct]


@dataclasses.dataclass(frozen=True)
class Section:
    label: str
    unit: int
    path: Path
    questions: tuple[Question, ...]


# ---- loading and validation ---------------------------------------------------------

def _question_label(record: dict, index: int) -> str:
    items = record.get("questions") if isinstance(record, dict) else None
    item = items[index] if isinstance(items, list) and index < len(items) else None
    return f"question {item['id']!r}" if isinstance(item, dict) and "id" in item else (
        f"question #{index + 1}")


def _question(r: dict, section: str, where: str) -> Question:
    common = dict(id=r["id"], kind=r["kind"], skill=r["skill"], prompt=r["prompt"],
                  section=section, where=where)
    if r["kind"] == "numeric":
        return Question(**common, code=r["answer"]["code"], tolerance=float(r["answer"]["tolerance"]),
                        correct_feedback=r["feedback"]["correct"],
                        wrong_feedback=r["feedback"]["wrong"],
                        slips=tuple(Slip(s["code"], s["feedback"]) for s in r.get("slips", ())))
    return Question(**common, options=tuple(Option(o["text"], o["correct"], o["feedback"])
                                            for o in r["options"]))


def load_file(path: Path) -> Section:
    """Read and validate one section's file; raises :class:`QuizError`."""
    path = Path(path)
    where = unit_file_name(path)
    record = load_yaml(path, QuizError)
    if record is None:
        raise QuizError(f"{where}: the file is empty; it holds `section:` and `questions:`")
    check(record, "quizzes", path, QuizError, label=_question_label, within="questions")
    folder = UNIT_DIR.match(path.parent.name)
    errors = []
    if folder is None:
        raise QuizError(f"{where}: a quiz file sits in a folder unitNN, e.g. unit02/ch2-momentum.yaml")
    unit = int(folder.group(1))
    label = record["section"]
    if label != path.stem:
        errors.append(f"{where}: section {label!r} in a file named {path.stem!r}: they must be equal")
    if not label.startswith(f"ch{unit}-"):
        errors.append(f"{where}: section {label!r} in the folder of unit {unit}: its label starts with 'ch{unit}-'")
    for r in record["questions"]:
        qid, here = r["id"], f"{where}: question {r['id']!r}"
        if not qid.startswith(label + "-"):
            errors.append(f"{here}: the id must start with the section label, '{label}-'")
        if r["kind"] != "numeric":
            right = sum(o["correct"] for o in r["options"])
            if r["kind"] == "single" and right != 1:
                errors.append(f"{here}: a single-choice question has exactly one right option, not {right}")
            if r["kind"] == "multiple" and right < 1:
                errors.append(f"{here}: a multiple-choice question has at least one right option")
            texts = [" ".join(o["text"].split()) for o in r["options"]]
            for text, n in Counter(texts).items():
                if n > 1:
                    errors.append(f"{here}: the option {text!r} is given {n} times")
    for qid, n in Counter(r["id"] for r in record["questions"]).items():
        if n > 1:
            errors.append(f"{where}: question id {qid!r} is used {n} times")
    if errors:
        raise QuizError("\n".join(errors))
    return Section(label, unit, path, tuple(_question(r, label, where) for r in record["questions"]))


def load(directory: Path = QUIZ_DIR) -> dict[str, Section]:
    """Every section's questions under ``directory``, by section label, validated."""
    paths, errors = unit_files(directory, "a quiz file", "unit02/ch2-momentum.yaml")
    sections = [load_file(p) for p in paths]
    owner: dict[str, str] = {}
    for s in sections:
        for q in s.questions:
            if q.id in owner and owner[q.id] != q.where:
                errors.append(f"question id {q.id!r} is used in {owner[q.id]} and {q.where}")
            owner.setdefault(q.id, q.where)
    if errors:
        raise QuizError("\n".join(errors))
    return {s.label: s for s in sections}


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, Section]:
    """Every section of the package that has questions, by label."""
    return load()


def section(label: str) -> Section:
    """The questions of one section; a clear error for an unknown label."""
    unit = re.match(r"ch(\d+)-", label)
    path = QUIZ_DIR / (f"unit{int(unit.group(1)):02d}" if unit else "unitNN") / f"{label}.yaml"
    if not path.exists():
        raise QuizError(f"no questions for section {label!r}: write {path.relative_to(DATA_DIR.parent.parent)}")
    return load_file(path)  # this file only: another section's slip stops no other


# ---- numbers: computed by the questions' code ----------------------------------------

def _run(code: str, name: str, where: str) -> float:
    import numpy as np

    namespace = {"np": np, "__name__": "dlbook_quiz_code"}
    try:
        exec(compile(code, f"<{where}>", "exec"), namespace)  # noqa: S102 - the book's own data
    except Exception as err:  # noqa: BLE001 - reported with the question that raised it
        raise QuizError(f"{where}: its code raised {type(err).__name__}: {err}") from None
    if name not in namespace:
        raise QuizError(f"{where}: its code must set `{name}`")
    value = namespace[name]
    try:
        value = float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise QuizError(f"{where}: `{name}` must be one number, not {value!r}") from None
    if not math.isfinite(value):
        raise QuizError(f"{where}: `{name}` is {value}, not a finite number")
    return value


@functools.lru_cache(maxsize=None)
def _numbers(q: Question) -> tuple[float, tuple[float, ...]]:
    here = f"{q.where}: question {q.id!r}"
    answer = _run(q.code, "answer", f"{here}: answer")
    slips = tuple(_run(s.code, "value", f"{here}: slip {k + 1}") for k, s in enumerate(q.slips))
    if q.tolerance < 1e-9 * abs(answer):
        raise QuizError(f"{here}: tolerance {q.tolerance} is below round-off for an answer of "
                        f"{fmt(answer)}: at least 1e-9 times the answer")
    for k, v in enumerate(slips):
        if abs(v - answer) <= q.tolerance:
            raise QuizError(f"{here}: slip {k + 1} gives {fmt(v)}, within the tolerance of the "
                            f"answer {fmt(answer)}: a slip must differ from the answer")
    return answer, slips


def answer(q: Question) -> float:
    """The numeric answer, computed by the question's code (checked: finite, and
    every slip farther from it than the tolerance)."""
    return _numbers(q)[0]


def slip_values(q: Question) -> tuple[float, ...]:
    return _numbers(q)[1]


def fmt(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, without an exponent: 0.3705, 1235, 0.00012."""
    import numpy as np

    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    text = np.format_float_positional(float(f"{x:.{digits}g}"), trim="-")
    return "0" if text in ("-0", "0") else text


def _stored(x: float, tolerance: float) -> str:
    """The value the script compares with: two digits finer than the tolerance,
    at most 12 significant digits, so that it reads the same on any processor."""
    import numpy as np

    decimals = max(0, math.ceil(-math.log10(tolerance)) + 2)
    return np.format_float_positional(round(float(f"{x:.12g}"), decimals), trim="-")


def with_answer(text: str, q: Question) -> str:
    """A numeric question's feedback with ``{answer}`` replaced by the value."""
    return text.replace("{answer}", fmt(answer(q)))


# ---- Markdown with inline math ----------------------------------------------------

def _math_inline(state, silent: bool) -> bool:
    """``$...$``: no space after the opening or before the closing dollar, and
    no digit after the closing one (as Pandoc and MyST read it)."""
    src, start = state.src, state.pos
    if src[start] != "$" or start + 1 >= state.posMax or src[start + 1] in " \t\n$":
        return False
    end = start + 1
    while True:
        end = src.find("$", end)
        if end < 0 or end >= state.posMax:
            return False
        if src[end - 1] == "\\":
            end += 1
            continue
        break
    if src[end - 1] in " \t\n" or (end + 1 < len(src) and src[end + 1].isdigit()):
        return False
    if not silent:
        token = state.push("math_inline", "span", 0)
        token.content = src[start + 1:end]
    state.pos = end + 1
    return True


def _render_math(self, tokens, idx, options, env) -> str:
    return ('<span class="math notranslate nohighlight">\\('
            + html.escape(tokens[idx].content, quote=False) + "\\)</span>")


@functools.lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.add_render_rule("math_inline", _render_math)
    return md


def markdown(text: str, inline: bool = False) -> str:
    """Markdown to HTML, math as ``\\(...\\)`` in a span of class ``math`` (the
    one class Sphinx's MathJax processes). ``inline``: one paragraph, unwrapped."""
    out = _markdown().render(str(text).strip()).strip()
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def has_math(text: str) -> bool:
    return "math notranslate" in markdown(text)


# ---- the HTML block -------------------------------------------------------------

_STYLE = """
.dlbook-quiz{--dq-line:#8c959f;--dq-sep:#d0d7de;--dq-key:#0b57d0;--dq-on-key:#fff;--dq-ok:#116329;--dq-no:#a40e26;
border:1px solid var(--dq-line);border-radius:6px;padding:.5em .9em;margin:1em 0}
html[data-theme=dark] div.cell_output .text_html:has(>.dlbook-quiz){background:transparent!important;color:inherit!important;padding:0!important}
html[data-theme=dark] .dlbook-quiz{--dq-line:#8b949e;--dq-sep:#3d444d;--dq-key:#8ab4f8;--dq-on-key:#0b1220;--dq-ok:#56d364;--dq-no:#ff9492}
.dlbook-quiz .dq-title{font-weight:600;margin:0}
.dlbook-quiz .dq-q{border-top:1px solid var(--dq-sep);padding:.6em 0 .3em;margin-top:.4em}
.dlbook-quiz fieldset{border:0;margin:0;padding:0;min-width:0}
.dlbook-quiz legend{float:left;width:100%;padding:0;margin:0 0 .3em;font-size:inherit;line-height:inherit}
.dlbook-quiz .dq-n{font-weight:600}
.dlbook-quiz legend+*{clear:both}
.dlbook-quiz legend p,.dlbook-quiz .dq-result p{margin:0 0 .3em}
.dlbook-quiz .dq-opt{display:flex;gap:.5em;align-items:baseline;margin:.15em 0}
.dlbook-quiz .dq-opt input{flex:none;margin:0}
.dlbook-quiz .dq-num input{font:inherit;width:10em;padding:.1em .3em;margin-left:.4em;border:1px solid var(--dq-line);border-radius:4px;background:transparent;color:inherit}
.dlbook-quiz .dq-check{font:inherit;padding:.15em 1em;margin:.4em 0 .2em;border:1px solid var(--dq-key);border-radius:4px;background:var(--dq-key);color:var(--dq-on-key);cursor:pointer}
.dlbook-quiz :is(input,button,summary):focus-visible{outline:3px solid var(--dq-key);outline-offset:2px}
.dlbook-quiz .dq-result:not(:empty){border-left:4px solid var(--dq-line);padding:.2em .6em;margin:.3em 0}
.dlbook-quiz [data-state=correct] .dq-result{border-left-color:var(--dq-ok)}
.dlbook-quiz [data-state=wrong] .dq-result{border-left-color:var(--dq-no)}
.dlbook-quiz .dq-ok{color:var(--dq-ok)}
.dlbook-quiz .dq-no{color:var(--dq-no)}
.dlbook-quiz .dq-said{font-style:italic;margin:0}
.dlbook-quiz .dq-answer summary{cursor:pointer;width:fit-content}
.dlbook-quiz .dq-print{display:none}
@media print{.dlbook-quiz :is(.dq-check,.dq-result,.dq-answer){display:none!important}
.dlbook-quiz .dq-print{display:block;font-style:italic}.dlbook-quiz .dq-q{break-inside:avoid}}
"""

# One definition per page (window.dlbookQuiz), then one call per block.
_SCRIPT = """
(function () {
  var Q = window.dlbookQuiz;
  if (!Q) {
    var each = function (list, f) { Array.prototype.forEach.call(list, f); };
    var typeset = function (el) {
      var M = window.MathJax;
      if (M && M.typesetPromise) {
        ((M.startup && M.startup.promise) || Promise.resolve())
          .then(function () { return M.typesetPromise([el]); }).catch(function () {});
      } else if (M && M.Hub) { M.Hub.Queue(["Typeset", M.Hub, el]); }
    };
    var loadMathJax = function () {
      if (window.MathJax || !document.querySelector(".dlbook-quiz .math")) { return; }
      var own = document.querySelector('script[src*="_static/documentation_options.js"]');
      if (!own) { return; }
      window.MathJax = {options: {processHtmlClass: "tex2jax_process|mathjax_process|math|output_area"}};
      var s = document.createElement("script");
      s.src = own.getAttribute("src").split("documentation_options.js")[0] + "mathjax/tex-mml-chtml.js";
      s.defer = true;
      document.head.appendChild(s);
    };
    Q = window.dlbookQuiz = function (root) {
      if (!root || root.getAttribute("data-ready")) { return; }
      root.setAttribute("data-ready", "1");
      loadMathJax();
      each(root.querySelectorAll(".dq-q"), function (q) {
        var kind = q.getAttribute("data-kind"), out = q.querySelector(".dq-result");
        var btn = q.querySelector(".dq-check"), field = q.querySelector("input[type=text]");
        var fb = function (sel) { return q.querySelector(".dq-fbs > " + sel); };
        var clear = function () { out.innerHTML = ""; q.removeAttribute("data-state"); };
        var show = function (ok, parts, note) {
          out.innerHTML = '<p class="dq-verdict ' + (ok ? "dq-ok" : "dq-no") + '"><strong>' +
            (ok ? "Correct." : "Not quite.") + "</strong></p>";
          parts.forEach(function (p) { if (p) { out.appendChild(p.cloneNode(true)); } });
          if (note) { var n = document.createElement("p"); n.textContent = note; out.appendChild(n); }
          q.setAttribute("data-state", ok ? "correct" : "wrong");
          typeset(out);
        };
        var check = function () {
          if (kind === "numeric") {
            var text = field.value.trim().replace(/\\u2212/g, "-").replace(/\\s/g, "");
            if (text.indexOf(".") < 0) { text = text.replace(",", "."); }
            var x = Number(text);
            if (text === "" || !isFinite(x)) {
              clear(); out.innerHTML = "<p>Type a number, such as 0.25.</p>"; return;
            }
            var tol = Number(q.getAttribute("data-tolerance")) * (1 + 1e-9);
            if (Math.abs(x - Number(q.getAttribute("data-answer"))) <= tol) {
              show(true, [fb("[data-fb=correct]")]); return;
            }
            var slip = null;
            each(q.querySelectorAll(".dq-fbs > [data-value]"), function (s) {
              if (!slip && Math.abs(x - Number(s.getAttribute("data-value"))) <= tol) { slip = s; }
            });
            show(false, [slip || fb("[data-fb=wrong]")]);
            return;
          }
          var chosen = [], missed = 0, wrong = 0;
          each(q.querySelectorAll("input"), function (el) {
            var right = fb('[data-option="' + el.value + '"]').getAttribute("data-correct") === "1";
            if (el.checked) { chosen.push(fb('[data-option="' + el.value + '"]')); wrong += !right; }
            else if (right) { missed += 1; }
          });
          if (!chosen.length) {
            clear();
            out.innerHTML = "<p>Choose " + (kind === "single" ? "an option" : "one or more options") + " first.</p>";
            return;
          }
          show(!wrong && !missed, chosen, missed ? "You left out " +
            (missed === 1 ? "a right option" : missed + " right options") + ": look again." : "");
        };
        btn.hidden = false;
        btn.addEventListener("click", check);
        each(q.querySelectorAll("input"), function (el) {
          el.addEventListener("input", clear);
          el.addEventListener("change", clear);
        });
        if (field) {
          field.addEventListener("keydown", function (e) {
            if (e.key === "Enter") { e.preventDefault(); check(); }
          });
        }
      });
    };
  }
  Q(document.getElementById("%(id)s"));
})();
"""


def _compact(code: str) -> str:
    """The script without its indentation (a few hundred bytes a block)."""
    return "\n".join(line.strip() for line in code.strip().splitlines())


def _with_number(prompt_html: str, number: str) -> str:
    tag = f'<span class="dq-n">{number}</span> '
    return prompt_html[:3] + tag + prompt_html[3:] if prompt_html.startswith("<p>") else tag + prompt_html


def _math_only_name(text: str) -> str:
    """An ``aria-label`` for an option that is a formula alone: the typeset formula
    gives its label no text an accessibility checker can read, so the option is
    named by its TeX (``(-0.01, -0.01)``). Options with words keep their label."""
    if re.sub(r"\$[^$]*\$", "", text).strip(" .,;:"):
        return ""
    name = re.sub(r"\s+", " ", text.replace("$", "")).strip()
    return f' aria-label="{html.escape(name, quote=True)}"'


def _choice_html(q: Question) -> tuple[str, str, str]:
    """The options, their feedback and the answer of a single or multiple question."""
    kind = "radio" if q.kind == "single" else "checkbox"
    opts, fbs = [], []
    for k, o in enumerate(q.options):
        oid = f"dq-{q.id}-{k}"
        text = markdown(o.text, inline=True)
        opts.append(f'<div class="dq-opt"><input type="{kind}" name="dq-{q.id}" id="{oid}" '
                    f'value="{k}"{_math_only_name(o.text)}><label for="{oid}">{text}</label></div>')
        said = f'<p class="dq-said">{text}</p>' if q.kind == "multiple" else ""
        fbs.append(f'<div data-option="{k}" data-correct="{int(o.correct)}">{said}'
                   f"{markdown(o.feedback)}</div>")
    right = [q.options[k] for k in q.right]
    if q.kind == "single":
        answer_html = (f"<p><strong>Answer:</strong> {markdown(right[0].text, inline=True)}</p>"
                       + markdown(right[0].feedback))
    else:
        answer_html = "<p><strong>Answer:</strong> the right options are</p><ul>" + "".join(
            f"<li>{markdown(o.text, inline=True)} {markdown(o.feedback, inline=True)}</li>"
            for o in right) + "</ul>"
    return '<div class="dq-opts">' + "".join(opts) + "</div>", "".join(fbs), answer_html


def _numeric_html(q: Question) -> tuple[str, str, str]:
    iid = f"dq-{q.id}-in"
    field = (f'<div class="dq-num"><label for="{iid}">Your answer</label><input type="text" '
             f'id="{iid}" inputmode="decimal" autocomplete="off" spellcheck="false"></div>')
    fbs = [f'<div data-fb="correct">{markdown(with_answer(q.correct_feedback, q))}</div>',
           f'<div data-fb="wrong">{markdown(q.wrong_feedback)}</div>']
    for s, v in zip(q.slips, slip_values(q)):
        fbs.append(f'<div data-fb="slip" data-value="{_stored(v, q.tolerance)}">{markdown(s.feedback)}</div>')
    answer_html = (f"<p><strong>Answer:</strong> {fmt(answer(q))} (within {fmt(q.tolerance)})</p>"
                   + markdown(with_answer(q.correct_feedback, q)))
    return field, "".join(fbs), answer_html


HINTS = {"single": "Choose one.", "multiple": "Choose all that apply.", "numeric": ""}


def question_html(q: Question, number: int, total: int) -> str:
    body, fbs, answer_html = (_numeric_html if q.kind == "numeric" else _choice_html)(q)
    extra = ""
    if q.kind == "numeric":
        extra = f' data-answer="{_stored(answer(q), q.tolerance)}" data-tolerance="{q.tolerance!r}"'
    hint = f' <span class="dq-hint">{HINTS[q.kind]}</span>' if HINTS[q.kind] else ""
    prompt = markdown(q.prompt)
    if hint:
        prompt = prompt[:-4] + hint + "</p>" if prompt.endswith("</p>") else prompt + f"<p>{hint}</p>"
    return (
        f'<div class="dq-q" id="dq-{q.id}" data-kind="{q.kind}"{extra}>'
        f"<fieldset><legend>{_with_number(prompt, f'Question {number} of {total}.')}</legend>"
        f"{body}"
        f'<div class="dq-fbs tex2jax_ignore mathjax_ignore" hidden>{fbs}</div>'
        '<button type="button" class="dq-check" hidden>Check</button>'
        '<div class="dq-result" aria-live="polite"></div>'
        "</fieldset>"
        f'<details class="dq-answer"><summary>Show the answer</summary>{answer_html}</details>'
        "</div>"
    )


def block_id(label: str) -> str:
    return f"{CSS_CLASS}-{label}"


def to_html(sec: Section) -> str:
    """The self-contained HTML block of one section's questions."""
    n = len(sec.questions)
    uid = block_id(sec.label)
    questions = "".join(question_html(q, i + 1, n) for i, q in enumerate(sec.questions))
    return (
        f'<div class="{CSS_CLASS}" id="{uid}" data-section="{sec.label}">'
        f"<style>{_STYLE.strip()}</style>"
        f'<p class="dq-title">Check your understanding: {n} question{"s" if n != 1 else ""}</p>'
        f"{questions}"
        f'<p class="dq-print">The answers are in the appendix, {ANSWERS_TITLE}.</p>'
        f"<script>{_compact(_SCRIPT) % {'id': uid}}</script>"
        "</div>"
    )


def _plain(text: str) -> str:
    return " ".join(str(text).split())


def to_text(sec: Section) -> str:
    """The text/plain version: the questions and their options."""
    marks = {"single": "one answer", "multiple": "all that apply", "numeric": "a number"}
    lines = [f"Check your understanding ({sec.label}): {len(sec.questions)} questions"]
    for i, q in enumerate(sec.questions, 1):
        lines.append(f"{i}. {_plain(q.prompt)} [{marks[q.kind]}]")
        lines += [f"   {chr(97 + k)}) {_plain(o.text)}" for k, o in enumerate(q.options)]
    lines.append("Check your answers in the web book, or in Jupyter or Colab.")
    return "\n".join(lines)


def bundle(label: str) -> dict[str, str]:
    """What :func:`quiz` displays: text/html and text/plain."""
    sec = section(label)
    return {"text/html": to_html(sec), "text/plain": to_text(sec)}


def quiz(label: str) -> None:
    """Show the self-check questions of section ``label`` (see the module docstring)."""
    from IPython.display import display

    display(bundle(label), raw=True)


class _CallableModule(types.ModuleType):
    """``dlbook.quiz`` is this module; calling it calls :func:`quiz`."""

    def __call__(self, label: str) -> None:
        quiz(label)


sys.modules[__name__].__class__ = _CallableModule
