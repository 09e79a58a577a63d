"""Shared by the four pair checks: turn the pair analysis's findings of one kind into Findings."""

from __future__ import annotations

from ..findings import Finding
from ..pairs import pair_findings, to_diagnostic


def pair_check(context, name: str, code: str, severity):
    for finding in pair_findings(context):
        if finding.check == name:
            yield Finding(name, to_diagnostic(context, finding, code, severity),
                          (finding.first, finding.second), finding.witness)
