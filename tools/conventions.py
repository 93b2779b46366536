"""The house conventions of the notebooks, in one place.

Every marker, cell tag, MIME type and notebook pattern that more than one
tool or test reads is defined here, so a tool and the test that checks it
can never disagree. The repository root is :data:`tools.book.ROOT`.

Markers (solution notebooks; ``tools.make_labs`` turns them into stubs and
``tools.export_nbgrader`` into nbgrader's own markers):

* :data:`BEGIN` / :data:`END` around whole statements of solution code;
* a line ending in ``# SOLUTION`` (:data:`LINE_MARK`) for a one-line answer.

Cell tags:

* :data:`KEEP_OUTPUT`: the student lab keeps this cell's outputs;
* :data:`SOLUTION_ONLY`: left out of the student lab and the export;
* :data:`NOT_GRADED`: a ``qN.check(...)`` that demonstrates, not grades;
* :data:`HIDE_INPUT`: the web book hides the code and shows the output
  (verification cells: registry comparisons and erratum boxes);
* :data:`REMOVE_INPUT`: the web book leaves the code out and shows the output,
  with no "Show code" bar (a cell that only shows a box, a quiz or a demo
  whose drawing code the static figure above it already shows);
* :data:`NBVAL_IGNORE_OUTPUT`: nbval runs the cell but does not compare it
  (widgets, shown with ``dlbook.widgets.demo``);
* :data:`NBVAL_CHECK_OUTPUT`: ``--nbval-lax`` compares this cell's outputs (a
  student lab's kept outputs that read no answer: tools/make_labs.py).
"""

from __future__ import annotations

import re

from dlbook._setup import GLUE_PREFIX

# ---- solution markers -------------------------------------------------------
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
LINE_MARK = re.compile(r"^(?P<code>.*?)\s*#\s*SOLUTION\s*$")
YOUR_CODE = "# YOUR CODE HERE"
YOUR_ANSWER = "YOUR ANSWER HERE"
RAISE = "raise NotImplementedError()"

# ---- cell tags --------------------------------------------------------------
KEEP_OUTPUT = "keep-output"
SOLUTION_ONLY = "solution-only"
NOT_GRADED = "not-graded"
HIDE_INPUT = "hide-input"
REMOVE_INPUT = "remove-input"
NBVAL_IGNORE_OUTPUT = "nbval-ignore-output"
NBVAL_CHECK_OUTPUT = "nbval-check-output"

# ---- MIME types -------------------------------------------------------------
GLUE_MIME = GLUE_PREFIX  # dlbook.glue's records, read by myst-nb's {glue:}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# ---- notebook patterns ------------------------------------------------------
ALT_PREFIX = "# alt:"  # a figure cell's first line: its alt text
GLUE_ROLE = re.compile(r"\{glue(?::\w*)?\}`([^`]+)`")
# a MyST label or reference ending in -solution (the lab owns the plain label)
LABEL_SUFFIX = re.compile(r"(?<=[(`<])([A-Za-z0-9_.:-]+?)-solution(?=[)`>])")
CHECK_CALL = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)\.check\((?P<arg>.*)\)\s*(#.*)?$")
SOLUTION_CALL = re.compile(r"^(?P<indent>[ \t]*)(?P<call>[A-Za-z_]\w*\.solution\(\))[ \t]*$",
                           re.MULTILINE)
LAB_IMPORT = re.compile(
    r"from\s+dlbook\.labs(?:\.(?P<mod>lab\d+[a-z]?(?:_[a-z]+)?))?\s+import\s+(?P<names>[\w ,()]+)")
