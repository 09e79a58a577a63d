"""`policylog lint [RULES]`: conflicts, overlaps and dead clauses, each with an example applicant.

Exit codes: 0 no unacknowledged error-level finding, 1 at least one, 2 a usage error (an
unknown check in `--select`/`--ignore`, an unwritable `--witness-dir`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .. import __version__
from ..dsl.diagnostics import Diagnostic, PolicylogError
from ..engine.lint import CHECKS, Finding, LintResult, lint, resolve_selection
from ..engine.lint.render import (dumps, render_concise_report, render_text_report, to_json,
                                  to_sarif)
from .common import EXIT_INPUT_ERROR, EXIT_OK, UsageError, guarded, load_rules


def _codes(text: str) -> list[str]:
    return [token for token in re.split(r"[,\s]+", text) if token]


def add_parser(subparsers) -> None:
    listing = "\n".join(f"  {c.CODE} {c.NAME:<24} {(c.__doc__ or '').splitlines()[0].split(':', 1)[-1].strip()}"
                        for c in CHECKS)
    parser = subparsers.add_parser(
        "lint", help="find overlaps, conflicts and dead clauses in the rules, with witnesses",
        description="Check a rule base for static errors, unstratifiable rules, unused "
                    "attributes, provisions that can never apply, overlaps, conflicts, "
                    "subsumptions and tier gaps. Every pair finding comes with a witness "
                    "profile, verified by the evaluator.",
        epilog="checks:\n" + listing + "\n\nsee docs/lint.md for each check's rationale",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rules", metavar="RULES", nargs="?", default=None,
                        help="rule directory or .policy file (default: the bundled rules)")
    parser.add_argument("--format", dest="lint_format", choices=("text", "concise", "json", "sarif"),
                        default="text", help="output format (default: text)")
    parser.add_argument("--select", metavar="CODES", type=_codes, action="extend", default=None,
                        help="only these checks: codes, code prefixes or names, e.g. L3,tier-gap")
    parser.add_argument("--ignore", metavar="CODES", type=_codes, action="extend", default=None,
                        help="skip these checks")
    parser.add_argument("--show-acknowledged", action="store_true",
                        help="also list findings the rule files acknowledge, with their reasons")
    parser.add_argument("--witness-dir", metavar="DIR", default=None,
                        help="write each finding's witness profile to DIR, for `policylog qualify`")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not run witnesses through the evaluator (faster, unchecked)")
    parser.add_argument("--diagnostics-format", choices=("text", "concise", "json"), default="text",
                        help="how errors that stop the rules from loading are printed")
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    try:
        resolve_selection(args.select, args.ignore)
    except ValueError as exc:
        names = ", ".join(c.NAME for c in CHECKS)
        raise UsageError(f"no check matches `{exc}`; checks: {names}") from None
    witness_dir = Path(args.witness_dir) if args.witness_dir else None
    if witness_dir is not None:
        try:
            witness_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create --witness-dir `{witness_dir}`: {exc.strerror}") from None
    try:
        rule_base = load_rules(args.rules, sources)
    except PolicylogError as exc:
        if args.lint_format not in ("json", "sarif"):
            raise  # rendered for people by `guarded`
        # CI uploads the SARIF file whatever happens: rules that do not load are findings too
        findings = tuple(Finding("static-error", d) for d in sorted(exc.diagnostics,
                                                                   key=Diagnostic.sort_key))
        result = LintResult(findings, {})
        output = to_sarif(result, CHECKS, __version__) if args.lint_format == "sarif" \
            else to_json(result)
        sys.stdout.write(dumps(output))
        return EXIT_INPUT_ERROR
    result = lint(rule_base, select=args.select, ignore=args.ignore, verify=not args.no_verify)
    match args.lint_format:
        case "text":
            sys.stdout.write(render_text_report(result, sources, args.show_acknowledged))
        case "concise":
            sys.stdout.write(render_concise_report(result, args.show_acknowledged))
        case "json":
            sys.stdout.write(dumps(to_json(result, args.show_acknowledged)))
        case "sarif":
            sys.stdout.write(dumps(to_sarif(result, CHECKS, __version__)))
    if witness_dir is not None:
        written = write_witnesses(result, witness_dir, args.show_acknowledged)
        sys.stderr.write(f"{written} witness profile(s) written to {witness_dir}\n")
    return EXIT_INPUT_ERROR if result.has_errors else EXIT_OK


def write_witnesses(result, directory: Path, include_acknowledged: bool) -> int:
    written = 0
    findings = result.findings if include_acknowledged else result.reported
    for finding in findings:
        if finding.witness is None:
            continue
        name = "-".join([finding.code, finding.check, *finding.provisions])
        path = directory / (re.sub(r"[^\w.-]+", "_", name) + ".yaml")
        path.write_text(finding.witness.profile.replace(
            "THIS_FILE", str(path)), encoding="utf-8")
        written += 1
    return written
