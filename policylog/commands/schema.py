"""`policylog schema`: the JSON Schema of a profile, generated from the rule base."""

from __future__ import annotations

import sys

from ..engine.render import dumps
from ..engine.schema import profile_schema
from .common import EXIT_OK, add_rules_argument, guarded, load_rules


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("schema", help="print the JSON Schema of a profile",
                                   description="Print the JSON Schema (draft 2020-12) of profiles "
                                               "for the rule base's vocabulary.")
    add_rules_argument(parser)
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    sys.stdout.write(dumps(profile_schema(rule_base)))
    return EXIT_OK
