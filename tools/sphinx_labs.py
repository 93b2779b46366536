"""Sphinx extension: the web book tells a lab's two copies apart (issue 26).

A lab is one notebook, ``solutions/NN_name.ipynb``, from which
``tools.make_labs`` writes the student copy ``labs/NN_name.ipynb``. Both are
pages of the book, under the same title. On the web:

* the solved page's title becomes "Lab N solutions: ..." (the sidebar and
  search take the page's title from it), and a banner under it links the
  student page;
* the student page's note (written by ``make_labs``: "This is the student
  copy ...", with a link to the solved page) is styled as a banner.

The notebooks are not changed: in Jupyter and Colab the solution keeps its
title. Registered in ``_config.yml`` (``sphinx.config.extensions``); the
styles are in ``assets/static/dlbook-ux.css``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

LAB_TITLE = re.compile(r"^(Lab \d+[a-z]?)(:\s*)")
SOLVED = "solutions/"
STUDENT = "labs/"
#: The first words of the student copy's note (tools.make_labs.student_note).
STUDENT_NOTE = "This is the student copy."
BANNER = "dlbook-lab-banner"


def solved_title(title: str) -> str:
    """'Lab 2: Training deep networks' -> 'Lab 2 solutions: Training deep networks'."""
    return LAB_TITLE.sub(r"\1 solutions\2", title, count=1)


def _doc_link(target: str, text: str) -> addnodes.pending_xref:
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=target,
                                refexplicit=True, refwarn=True)
    ref += nodes.inline(text, text, classes=["xref", "std", "std-doc"])
    return ref


class LabCopies(SphinxTransform):
    """Rename the solved page and add its banner; mark the student page's note."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        docname = self.env.docname
        if docname.startswith(SOLVED):
            self._solved(docname)
        elif docname.startswith(STUDENT):
            for quote in self.document.findall(nodes.block_quote):
                if quote.astext().startswith(STUDENT_NOTE):
                    quote["classes"].append(BANNER)
                    break

    def _solved(self, docname: str) -> None:
        section = next(self.document.findall(nodes.section), None)
        if section is None or not isinstance(section[0], nodes.title):
            return
        title = section[0]
        old = title.astext()
        new = solved_title(old)
        if new == old:
            return
        first = title[0]
        if isinstance(first, nodes.Text):
            title.replace(first, nodes.Text(solved_title(str(first))))
        lab = STUDENT + docname[len(SOLVED):]
        if lab not in self.env.found_docs:
            return
        para = nodes.paragraph()
        para += nodes.strong("Solved copy.", "Solved copy.")
        para += nodes.Text(" Every exercise here is answered and every cell run. Try the ")
        para += _doc_link("/" + lab, "student copy")
        para += nodes.Text(" first: its checks tell you whether your answer is right, and why.")
        banner = nodes.container(classes=[BANNER, "dlbook-solved"])
        banner += para
        # under the Colab badge, as the student page's note
        at = next((i + 1 for i, child in enumerate(section.children[1:4], 1)
                   if isinstance(child, nodes.paragraph) and next(child.findall(nodes.image), None)),
                  1)
        section.insert(at, banner)


def setup(app):
    app.add_transform(LabCopies)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
