"""`policylog clauses [RULES]`: every clause, executable or informational, against the manifest."""

from __future__ import annotations

import sys
from pathlib import Path

from ..dsl.loader import bundled_rules_dir
from ..engine import inventory
from ..engine.render import dumps
from .common import (EXIT_INPUT_ERROR, EXIT_OK, add_policy_argument, guarded, load_rules,
                     select_policies)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "clauses", help="list every clause and its provisions; report clauses not yet encoded",
        description="List every clause with its status (executable when a provision computes an "
                    "amount, informational otherwise) and its provisions, and compare the clause "
                    "ids with the manifest.yaml beside the rules. Exits 1 when an expected clause "
                    "is missing.")
    parser.add_argument("rules", metavar="RULES", nargs="?", default=None,
                        help="rule directory or .policy file (default: the bundled rules)")
    add_policy_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    rules = Path(args.rules) if args.rules else bundled_rules_dir()
    manifest = inventory.load_manifest(inventory.manifest_path(rules))
    policies = select_policies(rule_base, args.policy)
    if policies is None and rules.is_file():
        policies = set(rule_base.policies)  # one file: the other policies are not missing
    entries = inventory.inventory(rule_base, manifest, policies)
    if args.format == "json":
        sys.stdout.write(dumps(inventory.to_json(entries)))
    else:
        sys.stdout.write(inventory.render_text(entries))
    return EXIT_INPUT_ERROR if any(e.missing for e in entries) else EXIT_OK
