"""Generate the student labs (labs/*.ipynb) from the solutions (solutions/*.ipynb).

Authors write only ``solutions/NN_name.ipynb``. This script writes
``labs/NN_name.ipynb``, the student copy:

* **Solution code becomes a stub.** A block between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` (whole statements) becomes ``# YOUR CODE HERE`` plus

  - inside a ``def``: ``raise NotImplementedError()`` (the nbgrader stub;
    the exercise checker reports it as "Not attempted");
  - at top level: ``name = ...`` for every name the block assigns, so the
    cell runs and ``qN.check(name)`` says "Not attempted".

  One line ending in ``# SOLUTION`` becomes a one-line stub:
  ``x = 0.6295  # SOLUTION`` -> ``x = ...  # YOUR CODE HERE``; a ``return``
  line -> ``raise NotImplementedError()  # YOUR CODE HERE``; any other
  statement -> ``...  # YOUR CODE HERE``.
  Markdown cells may hold a written answer between the same markers; it
  becomes ``YOUR ANSWER HERE``.
* **Outputs: the lab keeps those that do not depend on an answer**, so that
  its page in the web book shows the data, the shapes, the targets and the
  figures a student works from (:func:`kept_outputs`). A cell keeps its
  solution's outputs (and execution count: nbval rejects stored outputs
  without one) when the lab has the same source and nothing it reads comes
  from an answer: not a name that solution code assigns, nor one computed
  from such a name in an earlier cell, nor ``qN.answer_or_reference(...)``;
  and it shows no hint or solution (``qN.hint()``, ``qN.solution()``). Its
  text is what the blank lab prints too: such a cell is tagged
  ``nbval-check-output``, and ``make test`` runs the labs under
  ``--nbval-lax``, which compares exactly the tagged cells (a line measured
  from training, with ``≈``, and what a trained model prints are left
  untagged: the labs run on JAX too, whose random streams are not
  TensorFlow's). Every other cell's outputs
  are cleared: the blank lab's checks would say "Not attempted" there, and
  its answer-dependent cells would print the reference answer's results.
  A code cell tagged ``keep-output`` keeps its outputs whatever it reads
  (figures or values the student needs; also any cell whose ``dlbook.glue``
  values the lab's prose shows). End a kept cell with a statement, not a
  bare expression: a trailing ``;`` does not silence the value under nbval,
  whose kernel does not store history.
  A lab markdown cell that shows a glued value (``{glue:}`name```) whose cell
  is not kept is an error.
* Cells tagged ``solution-only`` are left out of the lab.
* **The first markdown cell** gets the lab's Colab badge instead of the
  solution's (``tools.book.colab_badge``) and, under it, a note that this is
  the student copy, with a relative link to the solved notebook (the web
  book makes it a link to the solved page; Jupyter and Colab open the
  notebook).
* **Labels**: a MyST target or reference ending in ``-solution`` (write
  ``(lab0-start-solution)=`` in the solution notebook) loses that suffix in the
  lab, which so owns the plain label (``lab0-start``): one label, one page.

Hints are not revealed: they are only shown when a student runs ``qN.hint()``
(the outputs of a cell that asks for a hint or a solution are cleared).

Usage:
    python -m tools.make_labs            # write every lab
    python -m tools.make_labs --check    # exit 1 if a lab is missing or stale
    python -m tools.make_labs solutions/00_getting_started.ipynb
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import os
import re
import tokenize
import sys
from pathlib import Path

import nbformat

from tools import book, nbclean
from tools.conventions import (
    BEGIN, END, GLUE_MIME, GLUE_ROLE, KEEP_OUTPUT, LABEL_SUFFIX, LINE_MARK, NBVAL_CHECK_OUTPUT, RAISE,
    SOLUTION_ONLY, YOUR_ANSWER, YOUR_CODE,
)


class LabError(ValueError):
    """A solution notebook that the generator cannot turn into a lab."""


# ---- code cells ---------------------------------------------------------------

def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _in_function(lines: list[str], index: int, indent: str) -> bool:
    """Whether line ``index`` (indented by ``indent``) is inside a ``def``."""
    if not indent:
        return False
    width = len(indent)
    for line in reversed(lines[:index]):
        if not line.strip():
            continue
        own = len(_indent(line))
        if own < width:
            stripped = line.strip()
            if stripped.startswith(("def ", "async def ")):
                return True
            if own == 0:
                return False
            width = own
    return False


def _assigned_names(code: str) -> list[str]:
    """Names a top-level block assigns (not inside functions), in order."""
    tree = ast.parse(code)
    names: list[str] = []

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            raise LabError(
                f"a top-level solution block defines {node.name!r}: put the markers "
                "inside the function body instead"
            )
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if node.id not in names:
                names.append(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _line_stub(line: str, in_function: bool) -> str:
    """The stub of one ``... # SOLUTION`` line."""
    code = LINE_MARK.match(line).group("code")
    indent, stmt = _indent(code), code.strip()
    try:
        node = ast.parse(stmt).body
    except SyntaxError:
        raise LabError(
            f"'# SOLUTION' must end a whole statement; use a BEGIN/END block for: {line.strip()}"
        ) from None
    if len(node) != 1:
        raise LabError(f"one statement per '# SOLUTION' line: {line.strip()}")
    node = node[0]
    if isinstance(node, ast.Assign):
        targets = " = ".join(ast.get_source_segment(stmt, t) for t in node.targets)
        return f"{indent}{targets} = ...  {YOUR_CODE}"
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        target = ast.get_source_segment(stmt, node.target)
        annotation = ast.get_source_segment(stmt, node.annotation)
        return f"{indent}{target}: {annotation} = ...  {YOUR_CODE}"
    if isinstance(node, ast.Return) or in_function:
        return f"{indent}{RAISE}  {YOUR_CODE}"
    return f"{indent}...  {YOUR_CODE}"


def _continuation_lines(source: str) -> set[int]:
    """Indices of the lines that start inside brackets (part of a longer statement)."""
    code = "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )
    inside: set[int] = set()
    depth, row = 0, -1
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.start[0] - 1 != row:
                row = tok.start[0] - 1
                if depth > 0:
                    inside.add(row)
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # the statement checks below report what is wrong
    return inside


def stub_code(source: str) -> str:
    """The student version of a code cell's source (unchanged if unmarked)."""
    lines = source.split("\n")
    continuation = _continuation_lines(source)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == BEGIN:
            indent = _indent(line)
            try:
                j = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == END)
            except StopIteration:
                raise LabError(f"{BEGIN} without {END}") from None
            if any(lines[k].strip() == BEGIN for k in range(i + 1, j)):
                raise LabError(f"nested {BEGIN}")
            if _indent(lines[j]) != indent:
                raise LabError(f"{BEGIN} and {END} must have the same indentation")
            block = lines[i + 1: j]
            out.append(indent + YOUR_CODE)
            if _in_function(lines, i, indent):
                out.append(indent + RAISE)
            elif indent:
                raise LabError(
                    f"an indented {BEGIN} must be inside a def (found in a loop or block)"
                )
            else:
                try:
                    names = _assigned_names("\n".join(block))
                except SyntaxError as exc:
                    raise LabError(f"solution block is not valid Python: {exc}") from None
                out.extend(f"{name} = ..." for name in names)
            i = j + 1
            continue
        if line.strip() == END:
            raise LabError(f"{END} without {BEGIN}")
        if LINE_MARK.match(line) and line.strip() != "# SOLUTION":
            if i in continuation:
                raise LabError("'# SOLUTION' must end a whole statement, not a line inside "
                               f"brackets; use a BEGIN/END block for: {line.strip()}")
            out.append(_line_stub(line, _in_function(lines, i, _indent(line))))
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def is_generated_line(line: str) -> bool:
    """Lines the generator writes into a stub (not found in the solution)."""
    s = line.strip()
    return (
        YOUR_CODE in s
        or s == RAISE
        or re.fullmatch(r"[A-Za-z_]\w* = \.\.\.", s) is not None
    )


def has_solution(source: str) -> bool:
    return any(
        line.strip() in (BEGIN, END) or (LINE_MARK.match(line) and line.strip() != "# SOLUTION")
        for line in source.split("\n")
    )


# ---- markdown cells ---------------------------------------------------------------

def stub_markdown(source: str) -> str:
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if line.strip() == BEGIN:
            if inside:
                raise LabError(f"nested {BEGIN} in markdown")
            inside = True
            out.append(YOUR_ANSWER)
        elif line.strip() == END:
            if not inside:
                raise LabError(f"{END} without {BEGIN} in markdown")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise LabError(f"{BEGIN} without {END} in markdown")
    return LABEL_SUFFIX.sub(r"\1", "\n".join(out))


def student_note(lab_path: str, solution_path: str) -> str:
    """The student copy's note: what to do, and where the solved copy is.

    The link is relative (``../solutions/NN_name.ipynb``): Jupyter and Colab
    open the solved notebook, and the web book links the solved page.
    """
    target = Path(os.path.relpath(book.ROOT / solution_path, (book.ROOT / lab_path).parent))
    return (
        "> **This is the student copy.** Open it in Colab (the badge above) or Jupyter, "
        "fill in each cell marked `# YOUR CODE HERE`, run it, then run the check under "
        "it. Until you run them, the cells whose output depends on your answers show "
        f"none. The [solved copy]({target.as_posix()}) has every output."
    )


def _first_markdown(nb, lab_rel: str, sol_rel: str) -> None:
    """The lab's Colab badge instead of the solution's, and the note under it."""
    cell = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    old = book.colab_badge(sol_rel)
    if cell is None or old not in cell.source:
        raise LabError(f"the first markdown cell of {sol_rel} must hold its Colab badge {old}")
    note = student_note(lab_rel, sol_rel)
    cell.source = cell.source.replace(old, f"{book.colab_badge(lab_rel)}\n\n{note}").rstrip()


# ---- which outputs a lab keeps -------------------------------------------------------

#: Calls whose output reveals an answer whatever their arguments.
REVEALS = re.compile(r"\.\s*(?:hint|solution)\s*\(")
#: A call that swaps in the reference answer: what follows it is an answer.
REFERENCE = re.compile(r"\.\s*answer_or_reference\s*\(")
#: What dlbook.measure writes before a trained model's value: such a line is
#: compared as a range, and the range is the TensorFlow runs'.
MEASURED = "\u2248"


def _python(source: str) -> ast.Module:
    """The cell's code as a tree; IPython's %magics and !commands become ``pass``."""
    lines = [(line[: len(line) - len(line.lstrip())] + "pass"
              if line.lstrip().startswith(("%", "!")) else line)
             for line in source.split("\n")]
    return ast.parse("\n".join(lines))


class _Names(ast.NodeVisitor):
    """The names a piece of top-level code binds, and those it reads before
    binding them (its inputs), visited in the order Python evaluates them
    (an assignment's value before its targets). A nested function, lambda or
    comprehension binds only its own name: what it reads that is not its own
    (a parameter or a local) is an input."""

    def __init__(self):
        self.bound: set[str] = set()
        self.inputs: set[str] = set()

    def _store(self, name: str) -> None:
        self.bound.add(name)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.bound:
                self.inputs.add(node.id)
        else:
            self._store(node.id)

    def _target(self, node) -> None:
        """``obj.attr = ...`` and ``a[i] = ...`` change obj and a in place."""
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            self.generic_visit(node)  # obj and the index are read
            base = node
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name):
                self._store(base.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self._target(elt)
        elif isinstance(node, ast.Starred):
            self._target(node.value)
        else:
            self.visit(node)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self._target(target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self._target(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            if node.target.id not in self.bound:
                self.inputs.add(node.target.id)
            self._store(node.target.id)
        else:
            self._target(node.target)

    def visit_For(self, node):
        self.visit(node.iter)
        self._target(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    def visit_Import(self, node):  # modules stay modules: never an answer
        pass

    visit_ImportFrom = visit_Import

    def _scope(self, args, body) -> None:
        inner = _Names()
        for a in args:
            inner._store(a)
        for part in body:
            inner.visit(part)
        self.inputs |= {n for n in inner.inputs if n not in self.bound}

    def _defaults(self, node) -> None:
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        for d in node.decorator_list if hasattr(node, "decorator_list") else []:
            self.visit(d)

    def visit_FunctionDef(self, node):
        self._defaults(node)
        a = node.args
        params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        params += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
        self._store(node.name)
        self._scope(params, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._defaults(node)
        a = node.args
        params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        params += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
        self._scope(params, [node.body])

    def visit_ClassDef(self, node):
        for part in node.bases + node.keywords + node.decorator_list:
            self.visit(part)
        self._store(node.name)
        self._scope([], node.body)

    def _comprehension(self, node, parts):
        inner = _Names()
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        for k, gen in enumerate(node.generators):
            if k:
                inner.visit(gen.iter)
            inner._target(gen.target)
            for cond in gen.ifs:
                inner.visit(cond)
        for part in parts:
            inner.visit(part)
        self.inputs |= {n for n in inner.inputs if n not in self.bound}

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])


def _names(tree: ast.AST) -> _Names:
    names = _Names()
    names.visit(tree)
    return names


def _bound(node: ast.AST) -> set[str]:
    """Names a statement binds or changes in place (imports left out)."""
    return _names(node).bound


def _read(tree: ast.AST) -> set[str]:
    """Names a cell reads before it binds them: what it takes from earlier cells."""
    return _names(tree).inputs


def _solution_lines(source: str) -> set[int]:
    """0-based lines of solution code: BEGIN ... END blocks and ``# SOLUTION`` lines."""
    marked, inside = set(), False
    for i, line in enumerate(source.split("\n")):
        if line.strip() == BEGIN:
            inside = True
        if inside or (LINE_MARK.match(line) and line.strip() != "# SOLUTION"):
            marked.add(i)
        if line.strip() == END:
            inside = False
    return marked


def answer_names(source: str) -> set[str]:
    """Names a solution cell gives an answer to: those bound by any top-level
    statement that holds solution code (a ``def`` whose body is the answer, the
    assignments of a BEGIN ... END block, a ``# SOLUTION`` line)."""
    marked = _solution_lines(source)
    if not marked:
        return set()
    names = set()
    for stmt in _python(source).body:
        if set(range(stmt.lineno - 1, stmt.end_lineno)) & marked:
            names |= _bound(stmt)
    return names


#: What :func:`kept_outputs` says of a cell: the lab clears its outputs, shows
#: them, or shows them and has nbval compare them with the blank lab's run.
CLEAR, SHOW, CHECK = "clear", "show", "check"


def kept_outputs(cells: list) -> list[str]:
    """For each code cell of a solution (in order): :data:`CLEAR` if its outputs
    may hold an answer, else :data:`CHECK` or :data:`SHOW` (the lab, whose cell
    is the same, keeps them).

    An *answer* is what solution code assigns, anything computed from it in a
    later cell, and the reference answer (``answer_or_reference``). A cell
    that reads an answer passes the taint on to every name it binds; a cell
    that reads none makes the names it binds clean again. The analysis is by
    name, as a reader follows the notebook: it does not track an object
    changed through a method call (``history.append(answer)``); the nbval
    comparison of the lab's run catches any text that the blank lab would
    print differently.

    A kept cell is :data:`CHECK`ed unless what it prints comes from training:
    a line measured with ``≈`` (:data:`MEASURED`), or anything read from a
    name that such a cell bound (the trained model). The labs run on JAX too
    (``make test``, step 7), whose random streams are not TensorFlow's: those
    lines are shown as the solution's checked run printed them, and compared
    there.
    """
    tainted: set[str] = set()
    trained: set[str] = set()
    verdicts = []
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        try:
            tree = _python(cell.source)
        except SyntaxError:
            verdicts.append(CLEAR)
            continue
        bound, read = _bound(tree), _read(tree)
        measured = any(MEASURED in _text(out) for out in cell.get("outputs", []))
        if measured or read & trained:
            trained |= bound
        else:
            trained -= bound
        answers = answer_names(cell.source)
        if answers or SOLUTION_ONLY in tags:
            tainted |= answers | bound
            verdicts.append(CLEAR)
            continue
        depends = bool(read & tainted) or REFERENCE.search(cell.source) is not None
        if depends:
            tainted |= bound
        else:  # computed afresh from no answer: clean again
            tainted -= bound
        if depends or REVEALS.search(cell.source):
            verdicts.append(CLEAR)
        else:
            verdicts.append(SHOW if measured or read & trained else CHECK)
    return verdicts


# ---- the notebook ---------------------------------------------------------------------

def _glue_names(cell) -> set[str]:
    names = set()
    for out in cell.get("outputs", []):
        for key in out.get("data", {}):
            if key.startswith(GLUE_MIME):
                names.add(out.get("metadata", {}).get("scrapbook", {}).get("name"))
    return names - {None}


def make_lab(solution: nbformat.NotebookNode, sol_rel: str, lab_rel: str) -> nbformat.NotebookNode:
    """The student lab made from a solution notebook (which is not modified)."""
    nb = copy.deepcopy(solution)
    code = [c for c in nb.cells if c.cell_type == "code"]
    verdict = dict(zip((id(c) for c in code), kept_outputs(code)))
    cells = []
    glued: set[str] = set()
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION_ONLY in tags:
            continue
        cell.metadata.pop("execution", None)  # nbmake's timestamps
        if cell.cell_type == "code":
            try:
                cell.source = stub_code(cell.source)
            except LabError as exc:
                raise LabError(f"{sol_rel}, cell {cell.get('id', '?')}: {exc}") from None
            if KEEP_OUTPUT in tags:
                # nbval refuses a cell with outputs and no execution count
                # ("unrun reference cell has outputs"): kept cells keep theirs.
                glued |= _glue_names(cell)
            elif verdict[id(cell)] != CLEAR and cell.outputs:
                if verdict[id(cell)] == CHECK:
                    cell.metadata["tags"] = [*tags, NBVAL_CHECK_OUTPUT]
            else:
                cell.outputs = []
                cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = stub_markdown(cell.source)
        cells.append(cell)
    nb.cells = cells
    _first_markdown(nb, lab_rel, sol_rel)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            missing = set(GLUE_ROLE.findall(cell.source)) - glued
            if missing:
                raise LabError(
                    f"{sol_rel}: the lab's prose shows glued values {sorted(missing)}, but "
                    f"the cells that glue them are not tagged '{KEEP_OUTPUT}'"
                )
    return nbclean.clean(nb)


def _text(out) -> str:
    """An output's text, as nbval compares it (stream text or text/plain)."""
    return str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))


def lab_path_for(solution: Path) -> Path:
    return book.ROOT / "labs" / solution.name


def render(solution: Path) -> str:
    sol_rel = solution.resolve().relative_to(book.ROOT).as_posix()
    lab_rel = lab_path_for(solution).relative_to(book.ROOT).as_posix()
    nb = make_lab(nbformat.read(solution, as_version=4), sol_rel, lab_rel)
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a lab is missing or stale")
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution notebooks (default: solutions/*.ipynb)")
    args = parser.parse_args(argv)
    sources = args.solutions or book.notebooks("solutions")
    stale, errors = [], 0
    for solution in sources:
        lab = lab_path_for(solution)
        try:
            text = render(solution)
        except LabError as exc:
            print(f"make_labs: {exc}", file=sys.stderr)
            errors += 1
            continue
        current = lab.read_text(encoding="utf-8") if lab.exists() else None
        if current == text:
            continue
        rel = lab.relative_to(book.ROOT).as_posix()
        if args.check:
            stale.append(rel)
        else:
            lab.parent.mkdir(exist_ok=True)
            lab.write_text(text, encoding="utf-8")
            print(f"make_labs: wrote {rel}")
    if args.check and not args.solutions:
        expected = {lab_path_for(s).name for s in sources}
        orphans = [p for p in book.notebooks("labs") if p.name not in expected]
        stale += [f"{p.relative_to(book.ROOT).as_posix()} (no solution)" for p in orphans]
    if stale:
        print("make_labs: stale or missing labs: " + ", ".join(stale)
              + "\nRun `make labs` (python -m tools.make_labs).", file=sys.stderr)
    return 2 if errors else 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
