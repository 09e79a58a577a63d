"""What a check reports: a `Diagnostic` plus the provisions it is about, its witness, and — when
the drafters have ruled on it — the acknowledgement that keeps it quiet."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...dsl.diagnostics import Diagnostic, Severity, Span
from .witness import Witness


@dataclass(frozen=True)
class Acknowledgement:
    """A line of a rule file that rules on a finding: `not cumulative`, `supersedes` or `allow`."""

    kind: str  # "not-cumulative" | "supersedes" | "allow"
    text: str  # the line as a drafter would write it
    reason: str | None
    span: Span | None

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.text, "reason": self.reason,
                "span": self.span.to_json() if self.span else None}


@dataclass(frozen=True)
class Finding:
    check: str  # the check's kebab-case name
    diagnostic: Diagnostic
    provisions: tuple[str, ...] = ()
    witness: Witness | None = None
    acknowledged: Acknowledgement | None = None

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    def sort_key(self) -> tuple:
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        return self.diagnostic.sort_key()[:3] + (order[self.severity], self.code, self.provisions)

    def with_acknowledgement(self, acknowledgement: Acknowledgement) -> "Finding":
        return replace(self, acknowledged=acknowledgement)

    def rendered_diagnostic(self) -> Diagnostic:
        """The diagnostic with the witness and acknowledgement as notes, for the text renderers."""
        notes = list(self.diagnostic.notes)
        if self.witness is not None:
            state = "verified by the evaluator" if self.witness.verified else \
                "NOT reproduced by the evaluator (a linter bug: please report it)"
            notes.append(f"witness ({state}): " + "; ".join(self.witness.summary))
            if self.witness.evidence:
                notes.append("evaluator: " + "; ".join(self.witness.evidence))
        if self.acknowledged is not None:
            reason = f": {self.acknowledged.reason}" if self.acknowledged.reason else ""
            where = f" at {self.acknowledged.span}" if self.acknowledged.span else ""
            notes.append(f"acknowledged by `{self.acknowledged.text}`{where}{reason}")
        return replace(self.diagnostic, notes=tuple(notes))

    def to_json(self) -> dict:
        data = self.diagnostic.to_json()
        data["check"] = self.check
        data["provisions"] = list(self.provisions)
        data["witness"] = self.witness.to_json() if self.witness else None
        data["acknowledged"] = self.acknowledged.to_json() if self.acknowledged else None
        return data


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]  # every finding, acknowledged or not, sorted
    stats: dict

    @property
    def reported(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.acknowledged is None)

    @property
    def acknowledged(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.acknowledged is not None)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.reported)
