"""`policylog qualify PROFILE`: every provision a subject qualifies for, with amounts and traces."""

from __future__ import annotations

import sys

from ..engine.qualify import PolicyEngine
from ..engine.render import dumps, render_text, result_to_json
from .common import (add_profile_argument, load_profile_argument, EXIT_OK, add_diagnostics_format, add_policy_argument, add_rules_argument,
                     guarded, load_rules, select_policies)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "qualify", help="which provisions a profile qualifies for, how much, and why",
        description="Evaluate one profile (YAML or JSON) against the rule base.")
    add_profile_argument(parser)
    add_rules_argument(parser)
    add_policy_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--near-misses", action="store_true",
                        help="also list the provisions missed by one condition, with the gap")
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    profile = load_profile_argument(args, rule_base, sources)
    engine = PolicyEngine(rule_base, policies)
    result = engine.qualify(profile)
    if not args.near_misses:
        sys.stdout.write(dumps(result_to_json(result)) if args.format == "json" else render_text(result))
        return EXIT_OK
    from ..engine.explain import Explainer
    from ..engine.explain_render import near_miss_to_json, render_near_misses_text

    misses = Explainer(engine).near_misses(profile, result)
    if args.format == "json":
        sys.stdout.write(dumps({**result_to_json(result),
                                "near_misses": [near_miss_to_json(m) for m in misses]}))
    else:
        sys.stdout.write(render_text(result) + render_near_misses_text(misses))
    return EXIT_OK
