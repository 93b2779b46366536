"""The notes registry: what the book takes from the lecture notes, and every erratum.

Data, all validated against JSON Schemas in ``dlbook/data/schema/``:

* ``dlbook/data/sources.yaml``: the sets of notes (id, key, names);
* ``dlbook/data/claims/unitNN/<key>.yaml``: the claims of the notes shown in
  the chapter and lab of unit NN, one file per set of notes. A unit adds
  files; it edits none.

A claim has a stable id (``<key>.<topic>.<name>``), the lines of the notes it
comes from, the book unit and notebook (``section``) that show it, and one of
two kinds:

* ``value`` (the default): a number, list or shape the notes print, with how
  they round it and a verdict, ``matches`` or ``erratum`` (then with the
  correct value and an explanation). A notebook computes the quantity and
  calls::

      notes.compare("vesit.neuron.binary-sigmoid", y)

  which prints one short, stable line for nbval and raises
  :class:`ClaimMismatch` when the computation and the registry disagree.
  A chapter shows its checks quietly instead: one call per check, for all
  the claims a passage computes::

      notes.verify({"vesit.gd.gradient": step, "vesit.gd.w-new": w_next})

  reads as one line in the web book and in Jupyter ("✓ The VESIT notes' 2
  values here check out"; "⚠ 1 of ... is wrong" leads whenever one is
  wrong), with the numbers one click away in a
  ``<details>`` element, while its ``text/plain``, which nbval compares
  and the tests scan, keeps every compared line of :func:`compare`.
  Two tiers, for worked examples that round as they go: ``pipeline=`` is the
  notes' own chain recomputed (or whatever ``reproduced_by`` names), which
  must give the printed value exactly; the first argument is the
  full-precision value, which must round to the printed value (or lie within
  ``tolerance``) for ``matches``, and round to ``correct`` for an erratum.
* ``statement``: something the notes say, with a verdict by the rule in
  ``contributing/errata.md``: ``erratum`` (a reader who believes it gets a
  fact, number, formula or code wrong; it says how in ``if_believed``),
  ``imprecise`` (true in a common reading; the book adds the nuance),
  ``omission`` (the notes lost something; the book supplies it) or
  ``matches`` (the notes are right: a withdrawn erratum, kept with its audit
  and not shown).

Every claim that is not ``matches`` is shown in the notebook its ``section``
names with one call::

    notes.erratum("r20.neurons.weight-range")

which displays its box (MyST in the web book, HTML in Jupyter) built from the
registry, so the box and the errata appendix cannot disagree. Only the
erratum of a worked number (a value claim) stands expanded; every other box
is one line (title, notes, lines) that opens on a click, and ``imprecise``
and ``omission`` are quiet notes rather than warnings.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from dlbook._data import DATA_DIR, DataError, check, load_yaml
from dlbook.measure import no_negative_zero

CLAIMS_DIR = DATA_DIR / "claims"
SOURCES_FILE = DATA_DIR / "sources.yaml"
UNIT_DIR = re.compile(r"^unit(\d{2})$")
SECTION_UNIT = re.compile(r"^[a-z]+/(\d{2})_")


NOTE_VERDICTS = ("imprecise", "omission")
VERDICT_LABEL = {"erratum": "Erratum", "imprecise": "Imprecise", "omission": "Omission"}


class ClaimMismatch(AssertionError):
    """The computed value and the registry disagree."""


class RegistryError(DataError):
    """The registry (sources or claims) is malformed."""


# ---- sources -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Source:
    id: str
    key: str
    name: str
    short_name: str


@functools.lru_cache(maxsize=None)
def sources() -> dict[str, Source]:
    """The sets of notes, by id, in the order of ``sources.yaml``."""
    raw = load_yaml(SOURCES_FILE, RegistryError)
    check(raw, "sources", SOURCES_FILE, RegistryError,
          label=lambda items, i: f"source {i + 1}")
    out: dict[str, Source] = {}
    for item in raw:
        src = Source(**item)
        for other in out.values():
            if src.id == other.id or src.key == other.key:
                raise RegistryError(
                    f"{SOURCES_FILE.name}: sources {other.key!r} and {src.key!r} share an id or key"
                )
        out[src.id] = src
    return out


# ---- claims --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Claim:
    id: str
    source: str
    lines: str
    unit: int
    section: str
    kind: str = "value"  # "value" or "statement"
    # value claims
    quantity: str = ""
    notes_value: Any = None
    verdict: str = "erratum"  # erratum, imprecise, omission or matches
    decimals: int | None = None  # how the notes round; None: exact value
    tolerance: float | None = None  # full-precision tier for 'matches'
    correct: Any = None  # erratum: the right value (a statement: the right text)
    correct_decimals: int | None = None  # how `correct` is rounded
    reproduced_by: str = ""  # what gives the notes' printed value (pipeline=)
    # statements
    topic: str = ""
    notes_say: str = ""
    # errata and notes
    explanation: str = ""
    if_believed: str = ""  # an erratum statement: what a reader who believes the notes gets wrong
    literature: tuple = ()  # ({"ref": ..., "reports": ...}, ...): the papers a verdict rests on
    audit: Any = None  # {"date", "outcome", "was", "note"}: the adversarial audit

    def __post_init__(self) -> None:
        object.__setattr__(self, "literature", tuple(self.literature or ()))

    @property
    def is_erratum(self) -> bool:
        return self.verdict == "erratum"

    @property
    def is_statement(self) -> bool:
        return self.kind == "statement"

    @property
    def is_shown(self) -> bool:
        """Shown in its chapter: every verdict but ``matches``."""
        return self.verdict != "matches"

    @property
    def is_note(self) -> bool:
        """``imprecise`` or ``omission``: the book adds a nuance, not a correction."""
        return self.verdict in NOTE_VERDICTS

    @property
    def expanded(self) -> bool:
        """Only the erratum of a worked number stands open where it is shown."""
        return self.is_erratum and not self.is_statement

    @property
    def where(self) -> str:
        """Which notes and lines: 'R20A6610 notes, lines 984–985'."""
        return f"{self.notes.short_name}, {lines_text(self.lines)}"

    @property
    def anchor(self) -> str:
        """The label of its entry in the errata appendix."""
        return "notes-" + re.sub(r"[^a-z0-9]+", "-", self.id.lower())

    @property
    def notes(self) -> Source:
        return sources()[self.source]

    @property
    def notes_name(self) -> str:
        return self.notes.name

    @property
    def title(self) -> str:
        """A heading: the topic of a statement, the quantity of a value."""
        text = self.topic if self.is_statement else self.quantity
        return text[:1].upper() + text[1:]


def _unit_of(directory: Path) -> int:
    match = UNIT_DIR.match(directory.name)
    if not match:
        raise RegistryError(
            f"claims/{directory.name}: claim folders are named unitNN (unit01, unit02, ...)"
        )
    return int(match.group(1))


def _cross_check(c: Claim, path: Path, unit: int, src: Source) -> None:
    """The rules that span fields: a claim sits in the file of its unit and source."""
    where = f"{path.parent.name}/{path.name}: claim {c.id!r}"
    if c.source != src.id:
        raise RegistryError(
            f"{where}: source {c.source!r} in the file of {src.key!r} (source {src.id!r})"
        )
    if c.unit != unit:
        raise RegistryError(f"{where}: unit {c.unit} in the folder of unit {unit}")
    if not c.id.startswith(f"{src.key}."):
        raise RegistryError(f"{where}: the id of a claim of the {src.name} starts with '{src.key}.'")
    section_unit = SECTION_UNIT.match(c.section)
    if section_unit and int(section_unit.group(1)) != c.unit:
        raise RegistryError(
            f"{where}: section {c.section} belongs to unit {int(section_unit.group(1))}, "
            f"not {c.unit}"
        )


def _claim_label(items: Any, index: int) -> str:
    item = items[index] if isinstance(items, list) else None
    name = item.get("id") if isinstance(item, dict) else None
    return f"claim {name!r}" if name else f"claim {index + 1}"


@functools.lru_cache(maxsize=None)
def registry() -> dict[str, Claim]:
    """All claims, by id, read and validated from the package's YAML files."""
    by_key = {s.key: s for s in sources().values()}
    stray = sorted(p.name for p in CLAIMS_DIR.glob("*.yaml"))
    if stray:
        raise RegistryError(
            f"claims/{stray[0]}: claims live in claims/unitNN/<source key>.yaml"
        )
    claims: dict[str, Claim] = {}
    for directory in sorted(p for p in CLAIMS_DIR.iterdir() if p.is_dir()):
        unit = _unit_of(directory)
        for path in sorted(directory.glob("*.yaml")):
            where = f"{directory.name}/{path.name}"
            if path.stem not in by_key:
                raise RegistryError(
                    f"{where}: the file name is not a source key ({', '.join(sorted(by_key))})"
                )
            records = load_yaml(path, RegistryError)
            if records is None:
                continue
            check(records, "claims", path, RegistryError, label=_claim_label)
            for raw in records:
                c = Claim(**raw)
                _cross_check(c, path, unit, by_key[path.stem])
                if c.id in claims:
                    raise RegistryError(f"{where}: duplicate claim id {c.id!r}")
                claims[c.id] = c
    return claims


def claim(claim_id: str) -> Claim:
    try:
        return registry()[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r} in the notes registry") from None


def claims_for(unit: int | None = None, source: str | None = None) -> Iterable[Claim]:
    for c in registry().values():
        if (unit is None or c.unit == unit) and (source is None or c.source == source):
            yield c


# ---- comparing -----------------------------------------------------------------

def _leaves(value: Any) -> list:
    """Flatten numbers, sequences and numpy arrays into a list of leaves."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _round(x: Any, decimals: int | None) -> Any:
    if isinstance(x, (bool, str)) or decimals is None:
        return x
    return round(float(x), decimals)


def same(computed: Any, expected: Any, decimals: int | None) -> bool:
    """True when ``computed`` rounds to ``expected`` at ``decimals`` (leaf by leaf)."""
    got, want = _leaves(computed), _leaves(expected)
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if isinstance(w, str) or isinstance(g, str):
            if str(g) != str(w):
                return False
        elif not math.isclose(_round(g, decimals), float(w), rel_tol=0, abs_tol=1e-12):
            return False
    return True


def _within(computed: Any, expected: Any, tolerance: float) -> bool:
    got, want = _leaves(computed), _leaves(expected)
    return len(got) == len(want) and all(
        abs(float(g) - float(w)) <= tolerance for g, w in zip(got, want)
    )


def show(value: Any, decimals: int | None) -> str:
    """A value as the book prints it: ``decimals`` places, lists in brackets."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v, decimals) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, float) or (decimals is not None and not isinstance(value, (str, bool))):
        # no negative zero: a computed 0 may come out as -1e-17 on another processor
        if decimals is None:
            return no_negative_zero(f"{float(value):.6g}")
        return no_negative_zero(f"{float(value):.{decimals}f}")
    return str(value)


@dataclasses.dataclass(frozen=True)
class Comparison:
    claim: Claim
    computed: Any
    pipeline: Any = None

    @property
    def notes_text(self) -> str:
        """What the notes print, at their rounding."""
        return show(self.claim.notes_value, self.claim.decimals)

    @property
    def computed_text(self) -> str:
        """The computed value, at the rounding that decides the verdict."""
        c = self.claim
        d = c.correct_decimals if c.is_erratum and c.correct_decimals is not None else c.decimals
        if c.decimals is not None and c.tolerance is not None:
            d = max(d or 0, c.decimals + 1)  # show the drift the tolerance allows
        return show(self.computed, d)

    @property
    def pipeline_text(self) -> str:
        """'notes' rounding 0.105': what reproduces the printed value ('' without pipeline=)."""
        if self.pipeline is None:
            return ""
        label = self.claim.reproduced_by or "notes' rounding"
        return f"{label} {show(self.pipeline, self.claim.decimals)}"

    @property
    def correct_text(self) -> str:
        return show(self.claim.correct, self.claim.correct_decimals)

    @property
    def line(self) -> str:
        c = self.claim
        parts = [f"notes {self.notes_text}"]
        if self.pipeline_text:
            parts.append(self.pipeline_text)
        parts.append(f"computed {self.computed_text}")
        verdict = f"ERRATUM, correct {self.correct_text}" if c.is_erratum else "matches"
        return f"{c.id}: {', '.join(parts)} -> {verdict}"

    def __repr__(self) -> str:  # shown when a comparison ends a cell
        return self.line


def _verify(c: Claim, computed: Any, pipeline: Any) -> None:
    def fail(why: str) -> None:
        raise ClaimMismatch(f"{c.id} ({c.notes_name}, lines {c.lines}): {why}")

    if c.is_statement:
        raise ValueError(
            f"{c.id} is a statement, not a value: show it with notes.erratum({c.id!r})"
        )
    if pipeline is not None and not same(pipeline, c.notes_value, c.decimals):
        label = c.reproduced_by or "the notes' rounded chain"
        fail(
            f"{label} gives {show(pipeline, c.decimals)}, "
            f"but the notes print {show(c.notes_value, c.decimals)}"
        )
    if c.is_erratum:
        if not same(computed, c.correct, c.correct_decimals):
            fail(
                f"computed {show(computed, c.correct_decimals)}, but the registry "
                f"records the correct value {show(c.correct, c.correct_decimals)}"
            )
        if same(computed, c.notes_value, c.decimals):
            fail(
                "recorded as an erratum, yet the computed value agrees with the "
                "notes: re-examine the claim"
            )
        return
    ok = (
        _within(computed, c.notes_value, c.tolerance)
        if c.tolerance is not None
        else same(computed, c.notes_value, c.decimals)
    )
    if not ok:
        how = f"within {c.tolerance:g}" if c.tolerance is not None else "at the notes' rounding"
        shown = show(computed, None if c.decimals is None else c.decimals + 2)
        fail(
            f"computed {shown}, "
            f"which does not match the notes' {show(c.notes_value, c.decimals)} {how}"
        )


def evaluate(claim_id: str, computed: Any, *, pipeline: Any = None) -> Comparison:
    """Compare without printing; return the :class:`Comparison`.

    Raises :class:`ClaimMismatch` if the value and the registry disagree.
    """
    c = claim(claim_id)
    _verify(c, computed, pipeline)
    return Comparison(c, computed, pipeline)


def compare(claim_id: str, computed: Any, *, pipeline: Any = None) -> None:
    """Compare a computed value with a registry claim and print one line.

    Returns nothing, so a notebook cell shows the line once. Raises
    :class:`ClaimMismatch` if they disagree (see the module help).
    """
    print(evaluate(claim_id, computed, pipeline=pipeline).line)


def _evaluate_all(values: Mapping[str, Any],
                  pipeline: Mapping[str, Any] | None) -> tuple[Comparison, ...]:
    pipeline = dict(pipeline or {})
    stray = sorted(set(pipeline) - set(values))
    if stray:
        raise ValueError(f"pipeline= names claims that are not compared: {stray}")
    return tuple(evaluate(k, v, pipeline=pipeline.get(k)) for k, v in values.items())


def compare_all(values: dict[str, Any], pipeline: dict[str, Any] | None = None) -> None:
    """Compare many claims at once; prints one line each, raises on the first mismatch."""
    pipeline = pipeline or {}
    for k, v in values.items():
        compare(k, v, pipeline=pipeline.get(k))


# ---- showing checks quietly (the chapters) ---------------------------------------

#: The marks of a check's line: the notes' numbers are right (PASSED), or the
#: registry records them as wrong and the computation agrees (WRONG). Either
#: way the check passed; a disagreement raises ClaimMismatch and shows nothing.
PASSED, WRONG = "✓", "⚠"
#: A value longer than this is left out of the one-line summary (it is in the details).
SUMMARY_VALUE_CHARS = 16


def _grouped(text: str) -> str:
    """Large integers with thousands separators, as prose writes them (95,000,000).
    For the book's own values only: what the notes print is quoted as printed
    (one erratum is a number whose decimal point the notes lost, 408666186)."""
    return re.sub(r"(?<![\d.])\d{5,}(?![\d.])", lambda m: f"{int(m.group()):,}", text)


def _top_level_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost parenthesised group, brackets included."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth, start = depth + 1, (i if depth == 0 else start)
        elif ch == ")" and depth:
            depth -= 1
            if not depth:
                groups.append((start, i + 1))
    return groups


def _gist(title: str, limit: int = 60) -> str:
    """A quantity short enough for a one-line summary. A long one loses its
    prose asides (a trailing parenthesis, one with a comma in it) and then
    its trailing clauses after a comma; formulas in parentheses stay."""
    text = title
    if len(text) <= limit:
        return text
    for a, b in reversed(_top_level_groups(text)):
        aside = text[a:b]
        if a and text[a - 1] == " " and (b == len(text) or ", " in aside):
            text = text[:a - 1] + text[b:]
    while len(text) > limit:
        inside = {i for a, b in _top_level_groups(text) for i in range(a, b)}
        cuts = [i for i in range(len(text)) if text.startswith(", ", i) and i not in inside
                and not text[i + 2:i + 3].isdigit()]  # not inside a list: t = 0, 1, 2
        if not cuts:
            break
        text = text[:cuts[-1]]
    return text


def _math_html(text: str) -> str:
    """Inline HTML of a registry text; $...$ becomes the markup the page's MathJax typesets."""
    parts = re.split(r"(\$[^$]+\$)", text)
    return "".join(
        f'<span class="math notranslate nohighlight">\\({html.escape(p[1:-1], quote=False)}\\)</span>'
        if p.startswith("$") and p.endswith("$") and len(p) > 1 else _inline_html(p)
        for p in parts)


@dataclasses.dataclass(frozen=True)
class Checks:
    """Comparisons shown as one line, with their numbers one click away.

    ``text/plain`` (nbval compares it; the tests find each claim in it) is
    every comparison's :attr:`Comparison.line`; ``text/html`` is a closed
    ``<details>`` element whose summary says what was checked, in words,
    and whose table gives each quantity, what the notes print, what the
    code computed and the verdict. No colours: the page's theme, light or
    dark, and its print rules style it (a closed ``<details>`` prints its
    summary only).
    """

    comparisons: tuple[Comparison, ...]

    def __post_init__(self) -> None:
        if not self.comparisons:
            raise ValueError("nothing to show: pass at least one claim")

    @property
    def wrong(self) -> tuple[Comparison, ...]:
        return tuple(x for x in self.comparisons if x.claim.is_erratum)

    def summary(self) -> str:
        """One line that leads with ⚠ when any of the notes' values is wrong.

        'The R20A6610 notes' 3 values here check out', '⚠ 1 of the notes' 8 values
        is wrong (they print 0.862, correct 0.863); the other 7 check out'. The
        notes are named when every claim comes from one document, so a ✓ is not
        read as covering another document's erratum box nearby; a single claim
        also says in words what was checked (its quantity).
        """
        n, wrong = len(self.comparisons), self.wrong
        right = n - len(wrong)
        names = {x.claim.notes.short_name for x in self.comparisons}
        who = f"{names.pop()}'" if len(names) == 1 else "notes'"
        short = all(len(t) <= SUMMARY_VALUE_CHARS for x in wrong
                    for t in (x.notes_text, x.correct_text))
        errata = ("; ".join(f"they print {x.notes_text}, correct {_grouped(x.correct_text)}"
                            for x in wrong) if wrong and len(wrong) <= 2 and short else "")
        if n == 1:
            x = self.comparisons[0]
            if wrong:
                tail = f" ({errata})" if errata else ""
                verdict = f"{WRONG} {_gist(x.claim.title)}: the {who} value is wrong{tail}"
            else:
                value = x.notes_text
                tail = f" ({value})" if len(value) <= SUMMARY_VALUE_CHARS else ""
                verdict = f"{PASSED} {_gist(x.claim.title)}: the {who} value checks out{tail}"
            return verdict
        tail = f" ({errata})" if errata else ""
        if not wrong:
            return f"{PASSED} The {who} {n} values here check out"
        if not right:
            return f"{WRONG} The {who} {n} values here are wrong{tail}"
        k = len(wrong)
        others = "the other one checks out" if right == 1 else f"the other {right} check out"
        return (f"{WRONG} {k} of the {who} {n} values here {'is' if k == 1 else 'are'} wrong"
                f"{tail}; {others}")

    def _row(self, x: Comparison) -> str:
        c = x.claim
        computed = html.escape(x.computed_text, quote=False)
        if x.pipeline_text:
            computed += f"<br>({html.escape(x.pipeline_text, quote=False)})"
        verdict = (f"wrong; correct {html.escape(x.correct_text, quote=False)}" if c.is_erratum
                   else "matches")
        notes_html = html.escape(f"{x.notes_text}", quote=False)
        where = html.escape(c.where, quote=False)
        return (f"<tr><td>{_math_html(c.title)}</td><td>{notes_html}<br>({where})</td>"
                f"<td>{computed}</td><td>{verdict}</td></tr>")

    def _repr_html_(self) -> str:
        head = "".join(f'<th scope="col">{h}</th>'
                       for h in ("Quantity", "The notes print", "Computed here", "Verdict"))
        rows = "".join(self._row(x) for x in self.comparisons)
        return (
            '<details class="dlbook-check" style="margin: 0.4em 0">'
            f'<summary style="cursor: pointer">{_math_html(self.summary())}</summary>'
            '<div style="overflow-x: auto">'
            '<table style="font-size: 0.9em; overflow-wrap: anywhere; margin: 0.3em 0">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></details>"
        )

    def __repr__(self) -> str:  # text/plain: every compared number, for nbval
        return "\n".join(x.line for x in self.comparisons)


def verify(values: Mapping[str, Any], pipeline: Mapping[str, Any] | None = None) -> None:
    """Compare the claims a passage computes, and show them as one quiet line.

    ``values`` maps claim ids to computed values, ``pipeline`` some of the
    same ids to their rounded chains (see :func:`compare`). Raises
    :class:`ClaimMismatch` on the first value the registry disagrees with,
    before showing anything. Returns nothing, so a cell shows the line once
    (outside IPython it prints the lines of :func:`compare`).
    """
    _display(Checks(_evaluate_all(values, pipeline)))


def _display(shown: Any) -> None:
    """Display a rich object in IPython (Jupyter, Colab, nbval); print its text elsewhere."""
    try:
        from IPython.display import display
    except ImportError:  # plain Python
        print(repr(shown))
    else:
        display(shown)


# ---- showing an erratum --------------------------------------------------------

def lines_text(lines: str) -> str:
    """'375-376' -> 'lines 375–376'; '1476' -> 'line 1476'."""
    s = str(lines).replace("-", "–")
    return f"line {s}" if "–" not in s and "," not in s else f"lines {s}"


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "!", "?", ")", '"', "”")) else text + "."


def erratum_fields(c: Claim) -> list[tuple[str, str]]:
    """(label, MyST text) of a shown claim: what the notes say, what is right, why.

    The chapter's box and the errata appendix are both built from these. A
    ``matches`` claim has none: it is not shown.
    """
    if not c.is_shown:
        raise ValueError(
            f"{c.id} is not shown: the notes are right here (verdict 'matches'), "
            "so there is no box; remove its notes.erratum call"
        )
    if c.is_statement:
        notes_say, correct = _sentence(c.notes_say), _sentence(c.correct)
    else:
        notes_say = f"{show(c.notes_value, c.decimals)}."
        correct = f"{show(c.correct, c.correct_decimals)}."
    right = {"erratum": "Correct", "imprecise": "More precisely",
             "omission": "What is missing"}[c.verdict]
    out = [
        (f"The notes say ({lines_text(c.lines)})", notes_say),
        (right, correct),
        ("Why", _sentence(c.explanation)),
    ]
    if c.if_believed:
        out.append(("If you believe the notes", _sentence(c.if_believed)))
    for paper in c.literature:
        out.append((f"Source: {paper['ref']}", _sentence(paper["reports"])))
    return out


def box_title(c: Claim) -> str:
    """The expanded box's heading (a worked number's erratum)."""
    return f"Erratum in the {c.notes.short_name}"


def one_line(c: Claim) -> str:
    """A collapsed box's only line: verdict, topic, notes and lines."""
    return f"{VERDICT_LABEL[c.verdict]}: {c.title} ({c.where})"


def _myst_role_text(text: str) -> str:
    """Text safe inside a MyST role's title: no backticks or angle brackets."""
    return re.sub(r"[`<>]", "", text)


def box_markdown(c: Claim) -> str:
    """The claim's admonition in MyST (the web book renders it).

    A worked number's erratum is an open warning; every other box is a
    dropdown (one line until clicked), a warning for an erratum and a quiet
    note otherwise. Its notes and lines link to the full entry in the errata
    appendix, which links back to the chapter.
    """
    fields = erratum_fields(c)
    body = [f"- **{label}:** {text}" for label, text in fields]
    if c.expanded:
        head, classes = box_title(c), "warning dlbook-claim"
        body = [f"**{c.title}**", ""] + body
    else:
        head = f"{VERDICT_LABEL[c.verdict]}: {c.title} ({{ref}}`{_myst_role_text(c.where)} <{c.anchor}>`)"
        classes = ("warning" if c.is_erratum else "note dlbook-quiet") + " dropdown dlbook-claim"
    # A colon fence: a backtick fence's first line may not hold the role's backticks.
    return "\n".join([f":::{{admonition}} {head}", f":class: {classes}", *body, ":::"])


def _inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)


def box_html(c: Claim) -> str:
    """The same box for Jupyter and Colab (which do not read MyST directives).

    Open for a worked number's erratum; a ``<details>`` element, one line
    until clicked, for every other claim.
    """
    items = "".join(
        f"<li><b>{html.escape(label)}:</b> {_inline_html(text)}</li>"
        for label, text in erratum_fields(c)
    )
    border, background = ("#e0a030", "#fff8e6") if c.is_erratum else ("#9e9e9e", "#f5f5f5")
    style = (f'style="border-left: 4px solid {border}; background: {background}; '
             'padding: 0.4em 0.8em; margin: 0.5em 0"')
    if c.expanded:
        return (f"<div {style}>"
                f"<p><b>{html.escape(box_title(c))}</b></p>"
                f"<p><b>{_inline_html(c.title)}</b></p><ul>{items}</ul></div>")
    return (f"<details {style}><summary><b>{_inline_html(one_line(c))}</b></summary>"
            f"<ul>{items}</ul></details>")


def box_text(c: Claim) -> str:
    """Plain text of the box; its first line is what the tests look for."""
    head = f"{c.id}: {c.verdict} box ({c.where})"
    return "\n".join([head] + [f"  {label}: {text}" for label, text in erratum_fields(c)])


@dataclasses.dataclass(frozen=True)
class ErratumBox:
    """A displayable erratum: MyST for the book, HTML for Jupyter, text otherwise."""

    claim: Claim

    def _repr_markdown_(self) -> str:
        return box_markdown(self.claim)

    def _repr_html_(self) -> str:
        return box_html(self.claim)

    def __repr__(self) -> str:
        return box_text(self.claim)


def erratum(claim_id: str) -> None:
    """Show the box of one registered claim that is not ``matches`` (one call, one id).

    An erratum, or an ``imprecise`` or ``omission`` note (see the module
    help). Returns nothing, so a cell shows the box once. Raises
    ``ValueError`` for a claim the notes get right.
    """
    box = ErratumBox(claim(claim_id))
    erratum_fields(box.claim)  # a 'matches' claim: fail here, before displaying
    _display(box)


@dataclasses.dataclass(frozen=True)
class Tally:
    """What one chapter checked against the notes (see :func:`tally`)."""

    values: tuple[Claim, ...]  # numbers compared
    numeric: tuple[Claim, ...]  # numbers the notes get wrong
    statements: tuple[Claim, ...]  # statements the notes get wrong (verdict erratum)
    notes: tuple[Claim, ...] = ()  # imprecise statements and omissions the book completes

    def report(self) -> str:
        out = [f"{len(self.values)} numbers compared in this chapter; {len(self.numeric)} errata:"]
        out += [f"  {c.id} ({c.notes_name}, {lines_text(c.lines)}): "
                f"notes {show(c.notes_value, c.decimals)}, "
                f"correct {show(c.correct, c.correct_decimals)}" for c in self.numeric]
        out.append(f"{len(self.statements)} statements corrected (errata):")
        out += [f"  {c.id} ({c.notes_name}, {lines_text(c.lines)}): {c.title}"
                for c in self.statements]
        out.append(f"{len(self.notes)} statements completed (imprecise or omission):")
        out += [f"  {c.id} ({c.notes_name}, {lines_text(c.lines)}, {c.verdict}): {c.title}"
                for c in self.notes]
        return "\n".join(out)

    def __repr__(self) -> str:  # shown when the call ends a cell
        return self.report()


def tally(section: str) -> Tally:
    """The claims of one chapter (``"chapters/02_training_deep_networks"``), for its summary.

    Its text lists the numeric errata, the statement errata and the notes
    (``imprecise`` and ``omission``); glue its counts, ``len(t.values)``,
    ``len(t.numeric)``, ``len(t.statements)`` and ``len(t.notes)``. Only
    ``erratum`` counts as an erratum; statements the notes get right
    (``matches``) are not listed.
    """
    ours = [c for c in registry().values() if c.section == section]
    if not ours:
        raise ValueError(f"no claim names the section {section!r}")
    values = tuple(c for c in ours if not c.is_statement)
    said = [c for c in ours if c.is_statement]
    return Tally(values, tuple(c for c in values if c.is_erratum),
                 tuple(c for c in said if c.is_erratum),
                 tuple(c for c in said if c.is_note))
