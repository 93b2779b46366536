"""Licences: code under MIT (as pyproject says), text and figures under
CC BY 4.0; the README and every page's footer say so."""

from __future__ import annotations

import re
import tomllib

from tools import book

CODE, CONTENT = book.ROOT / "LICENSE", book.ROOT / "LICENSE-CONTENT"


def test_code_licence_is_mit_like_pyproject_with_the_books_authors():
    text = CODE.read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    pyproject = tomllib.loads((book.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == {"text": "MIT"}
    holder = f"Copyright (c) {book.config()['copyright']} {book.config()['author']}"
    assert holder in text
    assert "<" not in text, "a template placeholder was left in LICENSE"


def test_content_licence_is_the_full_cc_by_4_text():
    text = CONTENT.read_text(encoding="utf-8")
    assert text.startswith("Creative Commons Attribution 4.0 International")
    sections = re.findall(r"Section (\d) – ", text)
    assert sections[:8] == list("12345678"), "the legal code's eight sections are not all there"


def test_readme_and_footer_name_both_licences():
    readme = (book.ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Licence\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section, "README has no '## Licence' section"
    footer = book.config()["html"]["extra_footer"]
    for text in (section.group(1), footer):
        for words in ("CC BY 4.0", "LICENSE-CONTENT", "MIT", "LICENSE"):
            assert words in text, f"{words!r} missing from {text!r}"
    assert "checked by nbval" in footer
