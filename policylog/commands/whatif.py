"""`policylog whatif PROFILE --set 年节水量=6万吨`: how awards change when facts change, and why.

`--set` takes `NAME=VALUE`; NAME is `项目.年节水量`, a bare `年节水量` when only one kind has it,
`项目[节水改造一期].年节水量` when the profile has several 项目, and `企业.营业收入[2025]` for a
per-year attribute. Values are read like profile values: with their unit, enumeration members,
`true`/`false`, `[a, b]` for a set.
"""

from __future__ import annotations

import sys

from ..engine.changes import parse_assignment
from ..engine.explain import Explainer
from ..engine.qualify import PolicyEngine
from ..engine.render import dumps
from ..engine.whatif import render_whatif_text, what_if, whatif_to_json
from .common import (add_profile_argument, load_profile_argument, EXIT_OK, add_diagnostics_format, add_policy_argument, add_rules_argument,
                     guarded, load_rules, select_policies)

SET_SOURCE = "--set"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "whatif", help="how awards change if some facts change",
        description="Re-evaluate a profile with some facts changed and explain each difference in "
                    "qualifying provisions and amounts.")
    add_profile_argument(parser)
    parser.add_argument("--set", dest="assignments", metavar="NAME=VALUE", action="append",
                        required=True,
                        help="a changed fact, e.g. `项目[节水改造一期].年节水量=6万吨` (repeatable)")
    add_rules_argument(parser)
    add_policy_argument(parser)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    profile = load_profile_argument(args, rule_base, sources)
    changes = []
    for assignment in args.assignments:
        sources.add(SET_SOURCE, assignment)  # so an error is shown with carets under its part
        changes.append(parse_assignment(assignment, rule_base, profile, SET_SOURCE))
    report = what_if(Explainer(PolicyEngine(rule_base, policies)), profile, changes)
    if args.format == "json":
        sys.stdout.write(dumps(whatif_to_json(report)))
    else:
        sys.stdout.write(render_whatif_text(report, markdown=args.format == "markdown"))
    return EXIT_OK
