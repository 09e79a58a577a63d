"""`policylog diff OLD_POLICY NEW_POLICY`: what a new version of a policy changes, and for whom.

Clause families are matched by declared links (`supersedes nmg2022.18`); for each, the changed
thresholds, rates, caps and conditions, and an applicant — verified by the evaluator — whose
result differs between the versions. Clauses only in one version are listed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..engine.lint.diff import diff_policies, render_diff
from ..engine.lint.render import dumps
from .common import EXIT_OK, UsageError, add_rules_argument, guarded, load_rules, select_policies


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "diff", help="what changed between two versions of a policy, with example applicants",
        description="Compare two policies of the rule base clause family by clause family "
                    "(matched by `supersedes` links): changed thresholds, rates, caps and "
                    "conditions, each with a verified example applicant whose result differs.")
    parser.add_argument("old", metavar="OLD_POLICY", help="the earlier policy's id, e.g. nmg2022")
    parser.add_argument("new", metavar="NEW_POLICY", help="the later policy's id, e.g. nmg2026")
    add_rules_argument(parser)
    parser.add_argument("--format", dest="diff_format", choices=("text", "json"), default="text")
    parser.add_argument("--witness-dir", metavar="DIR", default=None,
                        help="write each example applicant's profile to DIR")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not run the example applicants through the evaluator")
    parser.add_argument("--diagnostics-format", choices=("text", "concise", "json"), default="text",
                        help="how errors that stop the rules from loading are printed")
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    select_policies(rule_base, [args.old, args.new])
    if args.old == args.new:
        raise UsageError("name two different policies")
    result = diff_policies(rule_base, args.old, args.new, verify=not args.no_verify)
    if args.diff_format == "json":
        sys.stdout.write(dumps(result.to_json()))
    else:
        sys.stdout.write(render_diff(result, rule_base))
    if args.witness_dir:
        directory = Path(args.witness_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create --witness-dir `{directory}`: {exc.strerror}") from None
        written = 0
        for family in result.families:
            for entry in family.provisions:
                for number, impact in enumerate(entry.impacts, start=1):
                    name = re.sub(r"[^\w.-]+", "_", f"diff-{entry.old}-{entry.new}-{number}") + ".yaml"
                    path = directory / name
                    path.write_text(impact.witness.profile.replace("THIS_FILE", str(path)),
                                    encoding="utf-8")
                    written += 1
        sys.stderr.write(f"{written} applicant profile(s) written to {directory}\n")
    return EXIT_OK
