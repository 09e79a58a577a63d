"""Lint findings for people (text, concise) and machines (JSON, SARIF 2.1.0).

SARIF is what code scanning reads: one `run`, a `rules` entry per check (its docstring is the
help), one `result` per finding with *both* locations of a pair finding (and the second again
as a related location), the witness in the result's properties, and acknowledged findings as
results with an in-source suppression carrying the drafters' reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from ...dsl.diagnostics import Severity, SourceCache, Span, render_concise, render_text
from .findings import Finding, LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/policylog/policylog/blob/main/docs/lint.md"


def _shown(result: LintResult, show_acknowledged: bool) -> list[Finding]:
    return list(result.findings if show_acknowledged else result.reported)


def summary(result: LintResult) -> str:
    reported = result.reported
    errors = sum(1 for f in reported if f.severity is Severity.ERROR)
    warnings = sum(1 for f in reported if f.severity is Severity.WARNING)
    stats = result.stats
    work = (f"{stats.get('provisions', 0)} provisions, {stats.get('pairs', 0)} pairs, "
            f"{stats.get('witnesses', 0)} witnesses ({stats.get('verified', 0)} verified by the "
            "evaluator)")
    acknowledged = len(result.acknowledged)
    tail = f"; {acknowledged} acknowledged" if acknowledged else ""
    if not reported:
        return f"lint: clean — {work}{tail}"
    return f"lint: {errors} error(s), {warnings} warning(s) — {work}{tail}"


def render_text_report(result: LintResult, sources: SourceCache | None,
                       show_acknowledged: bool = False) -> str:
    blocks = []
    for finding in _shown(result, show_acknowledged):
        text = render_text(finding.rendered_diagnostic(), sources)
        if finding.acknowledged is not None:
            text = "[acknowledged] " + text
        blocks.append(text)
    blocks.append(summary(result))
    return "\n\n".join(blocks) + "\n"


def render_concise_report(result: LintResult, show_acknowledged: bool = False) -> str:
    lines = []
    for finding in _shown(result, show_acknowledged):
        line = render_concise(finding.diagnostic)
        if finding.witness is not None and not finding.witness.verified:
            line += " (witness not reproduced)"
        if finding.acknowledged is not None:
            line += f" [acknowledged: {finding.acknowledged.text}]"
        lines.append(line)
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def to_json(result: LintResult, show_acknowledged: bool = False) -> dict:
    return {
        "findings": [f.to_json() for f in _shown(result, show_acknowledged)],
        "summary": {
            "errors": sum(1 for f in result.reported if f.severity is Severity.ERROR),
            "warnings": sum(1 for f in result.reported if f.severity is Severity.WARNING),
            "acknowledged": len(result.acknowledged),
            # timings vary from run to run; `policylog lint` output does not
            "stats": {k: v for k, v in result.stats.items() if "seconds" not in k},
        },
    }


# ---- SARIF ------------------------------------------------------------------------------------

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str, base: Path) -> str:
    path = Path(file)
    try:
        relative = path.resolve().relative_to(base.resolve())
        return quote(relative.as_posix())
    except ValueError:
        return path.resolve().as_uri() if path.is_absolute() or path.exists() else quote(file)


def _region(span: Span) -> dict:
    region = {"startLine": span.line, "startColumn": span.column}
    if span.end_line >= span.line:
        region["endLine"] = span.end_line
        if span.end_column > 0 and (span.end_line > span.line or span.end_column > span.column):
            region["endColumn"] = span.end_column
    return region


def _location(span: Span, base: Path, message: str | None = None, ident: int | None = None) -> dict:
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(span.file, base)},
                                           "region": _region(span)}}
    if ident is not None:
        location["id"] = ident
    if message:
        location["message"] = {"text": message}
    return location


def _rule(check) -> dict:
    doc = (check.__doc__ or "").strip()
    title = doc.splitlines()[0] if doc else check.NAME
    short = title.split(":", 1)[1].strip() if ":" in title else title
    what = doc.split("## What it does", 1)[-1].split("##", 1)[0].strip() if "## What it does" in doc else short
    return {
        "id": check.CODE,
        "name": check.NAME,
        "shortDescription": {"text": short},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": doc, "markdown": doc},
        "helpUri": f"{INFORMATION_URI}#{check.CODE.lower()}-{check.NAME}",
        "defaultConfiguration": {"level": _LEVEL[check.SEVERITY]},
    }


def to_sarif(result: LintResult, checks, version: str, base: Path | None = None) -> dict:
    base = base or Path(os.getcwd())
    rules = [_rule(check) for check in checks]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        diagnostic = finding.diagnostic
        if diagnostic.code not in index:  # a static error: its own code, e.g. E101
            index[diagnostic.code] = len(rules)
            rules.append({"id": diagnostic.code, "name": diagnostic.name,
                          "shortDescription": {"text": diagnostic.name},
                          "defaultConfiguration": {"level": _LEVEL[diagnostic.severity]}})
        message = diagnostic.message
        if diagnostic.help:
            message += f" — help: {diagnostic.help}"
        entry: dict = {
            "ruleId": diagnostic.code,
            "ruleIndex": index[diagnostic.code],
            "level": _LEVEL[diagnostic.severity],
            "message": {"text": message},
        }
        locations, related = [], []
        if diagnostic.span is not None:
            locations.append(_location(diagnostic.span, base))
        for number, (text, span) in enumerate(diagnostic.related, start=1):
            locations.append(_location(span, base, text))
            related.append(_location(span, base, text, number))
        if locations:
            entry["locations"] = locations
        if related:
            entry["relatedLocations"] = related
        if finding.provisions:
            entry["partialFingerprints"] = {
                "policylogFinding/v1": ":".join((diagnostic.code,) + finding.provisions)}
        properties: dict = {"check": finding.check, "provisions": list(finding.provisions)}
        if diagnostic.notes:
            properties["notes"] = list(diagnostic.notes)
        if finding.witness is not None:
            properties["witness"] = finding.witness.to_json()
        entry["properties"] = properties
        if finding.acknowledged is not None:
            suppression: dict = {"kind": "inSource", "status": "accepted",
                                 "justification": finding.acknowledged.reason or finding.acknowledged.text}
            if finding.acknowledged.span is not None:
                suppression["location"] = _location(finding.acknowledged.span, base,
                                                    finding.acknowledged.text)
            entry["suppressions"] = [suppression]
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policylog", "version": version,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
