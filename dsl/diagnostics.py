"""One diagnostic type for every stage: parser, checker, profile loader, linter.

A `Diagnostic` is data; rendering is separate. `render_text` draws the rustc/ruff form with the
source line and carets (CJK characters are two columns wide), `render_concise` one line for CI
logs, `to_json` a dict for tools.

    error[E101] unit-mismatch: cannot compare `吨` with `吨标准煤`
      --> rules/nmg2026.policy:12:9
       |
    12 |     when 项目.年节水量 >= 2000吨标准煤
       |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
       = help: compare against a quantity in `吨`, e.g. `5万吨`
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Span:
    """A range in one source file; lines and columns are 1-based, `end_column` exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(file: str, line: int, column: int) -> "Span":
        return Span(file, line, column, line, column + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str  # stable, e.g. "E101"
    name: str  # kebab-case, e.g. "unit-mismatch"
    severity: Severity
    message: str
    span: Span | None = None
    notes: tuple[str, ...] = ()
    help: str | None = None
    related: tuple[tuple[str, Span], ...] = field(default=())  # (message, span) pairs

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "span": self.span.to_json() if self.span else None,
            "notes": list(self.notes),
            "help": self.help,
            "related": [{"message": m, "span": s.to_json()} for m, s in self.related],
        }

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)


class PolicylogError(Exception):
    """Raised to stop a stage that cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def error(code: str, name: str, message: str, span: Span | None, *, help: str | None = None,
          notes: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic(code, name, Severity.ERROR, message, span, notes, help)


def warning(code: str, name: str, message: str, span: Span | None, *, help: str | None = None,
            notes: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic(code, name, Severity.WARNING, message, span, notes, help)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def source_lines(text: str) -> list[str]:
    r"""The lines of a source text as positions count them: broken at `\n` only, `\r` dropped.

    `str.splitlines` also breaks at a lone `\r`, `\x0b`, `\u2028` …, which the rule parser
    does not; a span's line would then show the wrong text.

        >>> source_lines("a\r\nb\rc\n")
        ['a', 'b\rc']
    """
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


class SourceCache:
    """Source texts by file name, so renderers can show the offending line."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, file: str, text: str) -> None:
        self._lines[file] = source_lines(text)

    def line(self, file: str, number: int) -> str | None:
        lines = self._lines.get(file)
        if lines is None or not (1 <= number <= len(lines)):
            return None
        return lines[number - 1]


# Characters a terminal acts on rather than shows (escape sequences, carriage returns, bidi
# overrides): rule files and profiles are untrusted, and their text appears in messages.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EXCERPT_WIDTH = 160  # a longer source line (minified JSON, a hostile file) is shown in part


def printable(text: str) -> str:
    """`text` with control characters shown as `�`, so printing it cannot drive the terminal."""
    return _UNPRINTABLE.sub("\ufffd", text)


def render_text(diagnostic: Diagnostic, sources: SourceCache | None = None) -> str:
    d = diagnostic
    out = [f"{d.severity.value}[{d.code}] {d.name}: {printable(d.message)}"]
    if d.span is not None:
        out.append(f"  --> {printable(str(d.span))}")
        line_text = sources.line(d.span.file, d.span.line) if sources else None
        if line_text is not None:
            number = str(d.span.line)
            pad = " " * len(number)
            line_text = printable(line_text.replace("\t", " "))
            start = max(d.span.column - 1, 0)
            end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(line_text)
            end = max(min(end, len(line_text)), start + 1)
            if len(line_text) > EXCERPT_WIDTH:  # a window around the span, marked with …
                left = max(0, min(start - EXCERPT_WIDTH // 4, len(line_text) - EXCERPT_WIDTH))
                right = left + EXCERPT_WIDTH
                prefix = "…" if left else ""
                line_text = prefix + line_text[left:right] + ("…" if right < len(line_text) else "")
                start, end = start - left + len(prefix), min(end, right) - left + len(prefix)
                end = max(end, start + 1)
            caret_pad = display_width(line_text[:start])
            caret_len = max(display_width(line_text[start:end]), 1)
            out.append(f" {pad} |")
            out.append(f" {number} | {line_text}")
            out.append(f" {pad} | {' ' * caret_pad}{'^' * caret_len}")
    for message, span in d.related:
        out.append(f"  = related: {printable(message)} at {printable(str(span))}")
    for note in d.notes:
        out.append(f"  = note: {printable(note)}")
    if d.help:
        out.append(f"  = help: {printable(d.help)}")
    return "\n".join(out)


def render_concise(diagnostic: Diagnostic) -> str:
    where = f"{diagnostic.span}: " if diagnostic.span else ""
    return printable(f"{where}{diagnostic.code} [{diagnostic.name}] {diagnostic.message}")


def render_all(diagnostics: Iterable[Diagnostic], sources: SourceCache | None = None,
               *, concise: bool = False) -> str:
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    if concise:
        return "\n".join(render_concise(d) for d in ordered)
    return "\n\n".join(render_text(d, sources) for d in ordered)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
