"""What every fuzz property asserts: an input either works or yields well-formed diagnostics.

A well-formed diagnostic has a stable code (`E123`), a kebab-case name, a message, and a span
inside the file it blames: line 1..n, column 1..len(line)+1, counted the way that file's reader
counts lines. It renders as text, concise text and JSON without raising.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from policylog.dsl.checker import RuleBase, check
from policylog.dsl.diagnostics import (Diagnostic, PolicylogError, SourceCache, has_errors,
                                       render_all, source_lines)
from policylog.dsl.parser import parse_text

CODE = re.compile(r"^[EWI][0-9]{3}$")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def yaml_lines(text: str) -> list[str]:
    """Lines as PyYAML counts them (it also breaks at NEL, U+2028 and U+2029)."""
    lines = re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def assert_inside(diagnostic: Diagnostic, lines: list[str]) -> None:
    span = diagnostic.span
    where = f"{diagnostic.code} {diagnostic.message!r} at {span}"
    assert 1 <= span.line <= len(lines), f"{where}: line outside 1..{len(lines)}"
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, \
        f"{where}: column outside 1..{len(lines[span.line - 1]) + 1}"
    assert (span.end_line, span.end_column) >= (span.line, span.column), f"{where}: span ends before it starts"
    assert span.end_line <= len(lines), f"{where}: span ends past the last line"


def assert_well_formed(diagnostics: Iterable[Diagnostic], texts: Mapping[str, str], *,
                       lines_of=source_lines, spanless_ok: bool = False) -> None:
    """Every diagnostic has a code, a name, a message and a span inside a known file."""
    diagnostics = list(diagnostics)
    assert diagnostics, "an error was raised without any diagnostic"
    sources = SourceCache()
    for file, text in texts.items():
        sources.add(file, text)
    for d in diagnostics:
        assert CODE.match(d.code), f"bad code {d.code!r}"
        assert NAME.match(d.name), f"bad name {d.name!r}"
        assert d.message.strip(), f"{d.code}: empty message"
        if d.span is None:
            assert spanless_ok, f"{d.code} {d.message!r} has no position"
            continue
        assert d.span.file in texts, f"{d.code} blames unknown file {d.span.file!r}"
        assert_inside(d, lines_of(texts[d.span.file]))
        for _message, related in d.related:
            assert related.file in texts
            assert_inside(Diagnostic(d.code, d.name, d.severity, d.message, related), lines_of(texts[related.file]))
    # Every renderer must cope with whatever the text holds.
    render_all(diagnostics, sources)
    render_all(diagnostics, sources, concise=True)
    json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False)


@lru_cache(maxsize=32)
def _parse(text: str, file: str):
    """Parsing is pure and the AST frozen, so the undamaged files of a base are parsed once."""
    try:
        return parse_text(text, file)
    except PolicylogError as exc:
        return exc.diagnostics


@dataclass
class RuleOutcome:
    """What a set of rule files became: a checked rule base and its engine, or diagnostics."""

    rule_base: RuleBase | None
    engine: object | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.engine is not None


def compile_rule_texts(files: Mapping[str, str]) -> RuleOutcome:
    """Parse every file, check them together, compile to Datalog: the loader's path, in memory.

    Raises only if policylog breaks its promise (an exception that is not a PolicylogError);
    diagnostics are checked for well-formedness before they are returned.
    """
    from policylog.engine.qualify import PolicyEngine

    modules, diagnostics = [], []
    for file, text in files.items():
        parsed = _parse(text, file)
        if isinstance(parsed, tuple):
            diagnostics.extend(parsed)
        else:
            modules.append(parsed)
    if diagnostics:
        assert_well_formed(diagnostics, files)
        return RuleOutcome(None, None, tuple(diagnostics))
    rule_base = check(tuple(modules))
    if rule_base.diagnostics:
        assert_well_formed(rule_base.diagnostics, files)
    if has_errors(rule_base.diagnostics):
        return RuleOutcome(rule_base, None, rule_base.diagnostics)
    try:
        engine = PolicyEngine(rule_base)
    except PolicylogError as exc:
        assert_well_formed(exc.diagnostics, files)
        return RuleOutcome(rule_base, None, exc.diagnostics)
    return RuleOutcome(rule_base, engine, rule_base.diagnostics)


# ---- the command line ----------------------------------------------------------------------------

EXIT_OK, EXIT_INPUT_ERROR, EXIT_USAGE = 0, 1, 2


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand as it exists when the tests run, by name."""
    from policylog.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)



SUBCOMMANDS_NOW = set(subcommands())


@dataclass
class Run:
    code: int
    out: str
    err: str

    def assert_no_traceback(self) -> None:
        for stream in (self.out, self.err):
            assert "Traceback (most recent call last)" not in stream, stream[-3000:]
            assert "internal error" not in stream, stream[-3000:]

    def assert_usage_error(self) -> None:
        self.assert_no_traceback()
        assert self.code == EXIT_USAGE, f"exit {self.code}\nstdout: {self.out[-2000:]}\nstderr: {self.err[-2000:]}"
        assert "usage:" in self.err and "error:" in self.err, self.err


def run(argv: list[str]) -> Run:
    """`policylog ARGV` in this process, with its own stdin, stdout and stderr."""
    from policylog.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    saved_stdin = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = saved_stdin
    out.flush()
    err.flush()
    return Run(code, out.buffer.getvalue().decode("utf-8", "replace"),
               err.buffer.getvalue().decode("utf-8", "replace"))
