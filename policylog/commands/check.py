"""`policylog check [RULES]`: parse and check rule files; report every error at once."""

from __future__ import annotations

import sys

from ..dsl.diagnostics import has_errors
from .common import EXIT_INPUT_ERROR, EXIT_OK, guarded, load_rules, report


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("check", help="parse and check rule files",
                                   description="Parse and check a rule directory or file.")
    parser.add_argument("rules", metavar="RULES", nargs="?", default=None,
                        help="rule directory or .policy file (default: the bundled rules)")
    parser.add_argument("--format", dest="diagnostics_format", choices=("text", "concise", "json"),
                        default="text")
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    if rule_base.diagnostics:
        report(rule_base.diagnostics, sources, args.diagnostics_format)
    if has_errors(rule_base.diagnostics):
        return EXIT_INPUT_ERROR
    if args.diagnostics_format == "json":
        if not rule_base.diagnostics:
            sys.stdout.write("[]\n")
    else:
        sys.stdout.write(f"ok: {len(rule_base.policies)} policies, {len(rule_base.clauses)} clauses, "
                         f"{len(rule_base.provisions)} provisions\n")
    return EXIT_OK
