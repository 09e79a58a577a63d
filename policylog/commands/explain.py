"""`policylog explain PROFILE PROVISION`: why a provision applies to a subject — or why not.

For each record the provision pays per: the derivation tree when it applies (rules, conditions,
facts with file and line, the arithmetic), else every alternative with each condition's status
and gap, and the smallest single change that would make it apply, proven by re-evaluation.
"""

from __future__ import annotations

import argparse
import sys

from ..dsl.checker import did_you_mean
from ..engine.explain import Explainer
from ..engine.explain_render import (explanation_to_json, render_explanation_markdown,
                                     render_explanation_text)
from ..engine.qualify import PolicyEngine
from ..engine.render import dumps
from .common import (add_profile_argument, load_profile_argument, EXIT_OK, UsageError, add_diagnostics_format, add_policy_argument,
                     add_rules_argument, guarded, load_rules, select_policies)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "explain", help="why a provision applies to a profile, or why not and what it would take",
        description="Explain one provision for one profile: the derivation tree of each award, "
                    "or each condition's status, the gap, and the smallest change that would make "
                    "it apply (proven by re-evaluating the changed profile).")
    add_profile_argument(parser)
    parser.add_argument("provision", metavar="PROVISION",
                        help="a provision id (nmg2026.1.3), or a clause id for all its provisions")
    add_rules_argument(parser)
    add_policy_argument(parser)
    parser.add_argument("--record", metavar="ID", default=None,
                        help="only this record of the kind the provision pays per")
    parser.add_argument("--depth", metavar="N", type=_depth, default=None,
                        help="cut derivation trees below depth N (the record is depth 0)")
    parser.add_argument("--no-suggest", dest="suggest", action="store_false",
                        help="do not search for the smallest change")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the depth is 0 or more")
    return value


def provision_ids(rule_base, engine: PolicyEngine, wanted: str) -> list[str]:
    """The provisions `wanted` names: itself, or every provision of a clause."""
    compiled = {p.provision for p in engine.program.provisions}
    if wanted in rule_base.provisions:
        if wanted not in compiled:
            raise UsageError(f"`{wanted}` belongs to policy `{rule_base.provisions[wanted].policy.id}`, "
                             "which `--policy` leaves out")
        return [wanted]
    if wanted in rule_base.clauses:
        clause, _ = rule_base.clauses[wanted]
        ids = [p.id for p in clause.provisions if p.id in compiled]
        if ids:
            return ids
    hint = did_you_mean(wanted, list(rule_base.provisions) + list(rule_base.clauses))
    raise UsageError(f"no provision `{wanted}` in the rule base" + (f"; {hint}" if hint else ""))


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    engine = PolicyEngine(rule_base, policies)
    ids = provision_ids(rule_base, engine, args.provision)
    profile = load_profile_argument(args, rule_base, sources)
    if args.record is not None:
        kinds = {rule_base.provisions[pid].subject for pid in ids}
        records = [r.id for r in profile.records if r.kind in kinds]
        if args.record not in records:
            hint = did_you_mean(args.record, records) or (
                "its records: " + ", ".join(records) if records else "it has none")
            raise UsageError(f"the profile has no `{'/'.join(sorted(kinds))}` record "
                             f"`{args.record}`; {hint}")
    explainer = Explainer(engine)
    session = explainer.session(profile)
    explanations = [explainer.explain(profile, pid, record=args.record, suggest=args.suggest,
                                      session=session) for pid in ids]
    if args.format == "json":
        documents = [explanation_to_json(rule_base, e, args.depth) for e in explanations]
        sys.stdout.write(dumps(documents[0] if len(documents) == 1 else
                               {"format": "policylog.explain-many", "version": documents[0]["version"],
                                "explanations": documents}))
    elif args.format == "markdown":
        sys.stdout.write("\n".join(render_explanation_markdown(rule_base, e, args.depth)
                                   for e in explanations))
    else:
        sys.stdout.write("\n".join(render_explanation_text(rule_base, e, args.depth)
                                   for e in explanations))
    return EXIT_OK
