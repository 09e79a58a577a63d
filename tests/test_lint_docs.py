"""docs/lint.md lists every check with its rationale, generated from the checks' docstrings."""

from policylog.engine.lint import CHECKS
from policylog.engine.lint.docs import BEGIN, END, checks_markdown

from .conftest import REPO


def test_docs_list_every_check_as_generated():
    text = (REPO / "docs" / "lint.md").read_text(encoding="utf-8")
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0].lstrip("\n")
    assert generated == checks_markdown(), "run `python3 -m policylog.engine.lint.docs` into docs/lint.md"


def test_every_check_documents_what_why_example_fix():
    codes, names = set(), set()
    for check in CHECKS:
        doc = check.__doc__ or ""
        assert doc.startswith(f"{check.CODE} {check.NAME}:"), check.NAME
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert section in doc, (check.NAME, section)
        assert check.NAME == check.NAME.lower() and " " not in check.NAME
        codes.add(check.CODE)
        names.add(check.NAME)
    assert len(codes) == len(names) == len(CHECKS)
