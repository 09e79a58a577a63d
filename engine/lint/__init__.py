"""The rule-base linter: static errors, the dependency graph, and z3 checks with witnesses.

    RuleBase ─compile─▶ Program ─encoding─▶ z3 worlds (one per subject kind)
        │                  │                     │
        │                  └─ graph: strata,     └─ unsat cores, pairs (overlap, conflict,
        │                     undefined preds       subsumption, tiers) ─▶ witness profile
        └─ unused attributes                         ─▶ PolicyEngine.qualify ─▶ verified

`lint(rule_base)` runs the checks of `CHECKS` in order and returns every finding; those the
drafters acknowledged in the rule files (`not cumulative`, `supersedes`, `allow`, a `note` that
names an attribute) are kept but marked, for `--show-acknowledged`.

Order matters in two places: the static errors come first, because every later check needs a
compiled program; `unused-acknowledgement` comes last, because it reports the `allow` lines that
no earlier check's finding used. The pair checks share one analysis (see `pairs.py`), which
gives each pair only its most specific finding.
"""

from __future__ import annotations

from time import perf_counter

from ...dsl.checker import RuleBase
from .checks import (conflict, overlap, static, subsumption, tier_gap, tier_overlap,
                     undefined_predicate, unsatisfiable, unstratifiable, unused_acknowledgement,
                     unused_attribute)
from .context import LintContext
from .findings import Acknowledgement, Finding, LintResult

CHECKS = (
    static,                  # E000 static-error: first, the rest needs a compiled program
    unstratifiable,          # L101
    undefined_predicate,     # L102
    unused_attribute,        # L103
    unsatisfiable,           # L201
    conflict,                # L302  ┐ the pair checks share one analysis; a pair gets the
    tier_overlap,            # L402  │ first of these that holds, in this order
    subsumption,             # L303  │
    overlap,                 # L301  ┘
    tier_gap,                # L401
    unused_acknowledgement,  # L901: last, it reports the `allow` lines nothing used
)

__all__ = ["CHECKS", "Acknowledgement", "Finding", "LintResult", "lint", "resolve_selection",
           "check_by_name"]


def check_by_name(name_or_code: str):
    for check in CHECKS:
        if name_or_code in (check.NAME, check.CODE):
            return check
    return None


def resolve_selection(select: list[str] | None, ignore: list[str] | None) -> set[str]:
    """Names of the checks to run. Each token is a name, a code, or a code prefix (`L3`).

    Raises ValueError naming a token that matches no check.
    """
    def matching(token: str) -> set[str]:
        token = token.strip()
        found = {c.NAME for c in CHECKS if token in (c.NAME, c.CODE) or
                 (token[:1].isupper() and c.CODE.startswith(token))}
        if not found:
            raise ValueError(token)
        return found

    chosen = {c.NAME for c in CHECKS}
    if select:
        chosen = set().union(*(matching(t) for t in select))
    for token in ignore or ():
        chosen -= matching(token)
    return chosen


def lint(rule_base: RuleBase, *, select: list[str] | None = None, ignore: list[str] | None = None,
         verify: bool = True, program=None) -> LintResult:
    """Run the selected checks; every finding is returned, acknowledged ones marked."""
    started = perf_counter()
    enabled = resolve_selection(select, ignore)
    context = LintContext(rule_base, enabled, verify, program)
    context.check_names = {c.CODE: c.NAME for c in CHECKS}
    findings: list[Finding] = []
    timings: dict[str, float] = {}
    for check in CHECKS:
        if check.NAME not in enabled:
            continue
        check_started = perf_counter()
        for finding in check.run(context):
            if finding.acknowledged is None:
                acknowledgement = context.acknowledgements.find(finding.check, finding.code,
                                                                finding.provisions)
                if acknowledgement is not None:
                    finding = finding.with_acknowledgement(acknowledgement)
            findings.append(finding)
        timings[check.NAME] = perf_counter() - check_started
    stats = dict(context.stats)
    stats["seconds"] = perf_counter() - started
    stats["check_seconds"] = timings
    stats["evaluator_runs"] = context._verifier.runs if context._verifier else 0
    stats["provisions"] = len(rule_base.provisions)
    return LintResult(tuple(sorted(findings, key=Finding.sort_key)), stats)
