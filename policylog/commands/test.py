"""`policylog test [RULES]`: run the rule tests in RULES/tests/*.yaml and report coverage."""

from __future__ import annotations

import sys
from pathlib import Path

from ..dsl.loader import bundled_rules_dir
from ..engine import testreport
from ..engine.render import dumps
from ..engine.ruletests import RuleTestRunner, load_rule_tests, rule_test_files
from .common import (EXIT_INPUT_ERROR, EXIT_OK, UsageError, add_diagnostics_format, guarded,
                     load_rules)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "test", help="run the rule tests kept beside the rules, with coverage",
        description="Run every case of RULES/tests/*.yaml (docs/rule-tests.md) through the "
                    "engine. Exits 1 when a case fails, or when an executable provision lacks a "
                    "qualifying or a non-qualifying case.")
    parser.add_argument("rules", metavar="RULES", nargs="?", default=None,
                        help="rule directory (default: the bundled rules)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--junit", metavar="FILE", default=None,
                        help="also write JUnit XML (one testcase per case) for CI")
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    rules = Path(args.rules) if args.rules else bundled_rules_dir()
    tests = load_rule_tests(rule_test_files(rules), rule_base, sources)
    result = RuleTestRunner(rule_base).run(tests)
    if args.junit:
        try:
            Path(args.junit).write_text(testreport.to_junit(result), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write `{args.junit}`: {exc.strerror}") from None
    if args.format == "json":
        sys.stdout.write(dumps(testreport.to_json(result)))
    else:
        sys.stdout.write(testreport.render_text(result))
    return EXIT_OK if result.ok else EXIT_INPUT_ERROR
