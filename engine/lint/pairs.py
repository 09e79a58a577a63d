"""Every pair of provisions paid per the same kind of record, decided once for all pair checks.

A pair gets at most one finding, the most specific that holds, in this order:

1. `conflict`: the same trigger, different money — across policies, or, within one policy,
   two provisions whose conditions are equivalent;
2. `tier-overlap`: two tiers of one threshold set both cover a value;
3. `subsumption`: within one clause family, one provision's condition implies the other's;
4. `overlap`: within one policy, both can pay for the same thing on the same record.

A check that is switched off passes the pair to the next. The solver calls, per pair:
SAT(P ∧ Q) first (most pairs stop there), then UNSAT(P ∧ ¬Q) for implication and
SAT(P ∧ Q ∧ amount_P ≠ amount_Q) for different money, only when a check still needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import z3

from ...dsl.diagnostics import Diagnostic, Severity
from .context import LintContext, World
from .encoding import EncodingError
from .relations import ClauseFamilies, pays, same_thing, same_trigger, threshold_sets
from .witness import Witness, expect_fire

PAIR_CHECKS = ("conflict", "tier-overlap", "subsumption", "overlap")


@dataclass(frozen=True)
class PairFinding:
    check: str
    first: str
    second: str
    message: str
    notes: tuple[str, ...]
    help: str
    witness: Witness | None


def pair_findings(context: LintContext) -> list[PairFinding]:
    return context.memo("pair-findings", lambda: _analyse(context))


def disjoint_pairs(context: LintContext) -> list[tuple[str, str]]:
    """Pairs the solver proved can never fire on one record (kept for the property tests)."""
    pair_findings(context)
    return context.memo("disjoint", list)


def _analyse(context: LintContext) -> list[PairFinding]:
    enabled = {c for c in PAIR_CHECKS if c in context.enabled}
    if not enabled or context.program is None:
        return []
    rule_base = context.rule_base
    families = ClauseFamilies(rule_base)
    tier_pairs: dict[frozenset, str] = {}
    for threshold_set in threshold_sets(rule_base):
        for a, b in combinations(threshold_set.provisions, 2):
            tier_pairs[frozenset((a, b))] = threshold_set.attribute
    disjoint = context.memo("disjoint", list)
    findings: list[PairFinding] = []
    kinds = list(dict.fromkeys(info.subject for info in rule_base.provisions.values()))
    for kind in kinds:
        members = [p for p, info in rule_base.provisions.items() if info.subject == kind]
        if len(members) < 2:
            continue
        world = context.world(kind)
        members = [p for p in members if p in world.instances]
        for first, second in combinations(members, 2):
            context.stats["pairs"] += 1
            try:
                finding = _pair(context, world, families, tier_pairs, enabled, first, second, disjoint)
            except (EncodingError, z3.Z3Exception):
                continue  # left out of the analysis: the translation does not cover it
            if finding is not None:
                findings.append(finding)
    return findings


def _pair(context: LintContext, world: World, families: ClauseFamilies, tier_pairs, enabled,
          first: str, second: str, disjoint: list) -> PairFinding | None:
    rule_base, program = context.rule_base, context.program
    info_first, info_second = rule_base.provisions[first], rule_base.provisions[second]
    same_policy = info_first.policy.id == info_second.policy.id
    both_pay = pays(rule_base, first) and pays(rule_base, second)
    tier_attribute = tier_pairs.get(frozenset((first, second)))
    family = families.same(first, second) and not (
        context.acknowledgements.supersedes(first, second)
        or context.acknowledgements.supersedes(second, first))
    trigger = same_trigger(rule_base, program, first, second) if both_pay else None
    thing = same_thing(rule_base, program, first, second) if both_pay and same_policy else None

    want_conflict = "conflict" in enabled and both_pay and (same_policy or trigger is not None)
    want_tier = "tier-overlap" in enabled and tier_attribute is not None
    want_subsumption = "subsumption" in enabled and same_policy and family
    want_overlap = "overlap" in enabled and same_policy and thing is not None
    if not (want_conflict or want_tier or want_subsumption or want_overlap):
        return None

    fires_first, fires_second = world.fires[first], world.fires[second]
    both, model = world.check(fires_first, fires_second)
    if not both:
        disjoint.append((first, second))
        return None
    instances = [world.instances[first], world.instances[second]]
    record = f"`{world.kind}`"

    def witness(a_model, differ=False) -> Witness:
        header = [f"policylog lint witness: `{first}` and `{second}` on one {world.kind}"]
        subject = instances[0].subject
        return context.witness(world, a_model(instances), instances,
                               expect_fire([first, second], subject.kind, subject.record_id, differ),
                               header)

    def different_money():
        amounts = world.amount(first), world.amount(second)
        if amounts[0] is None or amounts[1] is None:
            return False, None
        return world.check(fires_first, fires_second, extra=amounts[0].differs(amounts[1]))

    if not same_policy:
        if not want_conflict:
            return None
        differ, money_model = different_money()
        if not differ:
            return None
        return PairFinding(
            "conflict", first, second,
            f"`{first}` and `{second}` pay different amounts for the same {record}",
            (f"`{first}` is in `{info_first.policy.id}`, `{second}` in `{info_second.policy.id}`; "
             f"{trigger.reason}",),
            f"if one policy replaces the other here, add `supersedes {info_second.clause.id}` to "
            f"clause `{info_first.clause.id}` (or the reverse); if both are meant to be paid, "
            f"`allow conflict {first}, {second} \"reason\"`",
            witness(money_model, differ=True))

    implies_forward = implies_backward = None
    if want_conflict or want_subsumption:
        implies_forward = not world.check(fires_first, world.fails[second])[0]
        implies_backward = not world.check(fires_second, world.fails[first])[0]
    if want_conflict and implies_forward and implies_backward:
        differ, money_model = different_money()
        if differ:
            return PairFinding(
                "conflict", first, second,
                f"`{first}` and `{second}` have equivalent conditions but pay different amounts",
                ("every record that meets one meets the other",),
                f"merge them, or make their conditions differ; if both are meant, "
                f"`not cumulative {first}, {second}` keeps only the larger",
                witness(money_model, differ=True))
    if want_tier:
        return PairFinding(
            "tier-overlap", first, second,
            f"the thresholds of `{first}` and `{second}` on `{tier_attribute}` overlap",
            (f"a value of `{tier_attribute}` is covered by both tiers",),
            "make the bounds meet without overlapping, e.g. `>= 500万元` and `< 500万元`",
            witness(model))
    if want_subsumption and (implies_forward or implies_backward):
        narrow, broad = (first, second) if implies_forward else (second, first)
        equivalent = implies_forward and implies_backward
        note = ("their conditions are equivalent" if equivalent else
                f"every record that meets `{narrow}` also meets `{broad}`")
        if both_pay:
            help = (f"if `{narrow}` is paid on top of `{broad}` (再给予), acknowledge it with "
                    f"`allow subsumption {narrow}, {broad} \"reason\"`; if it replaces it, "
                    f"declare `not cumulative {narrow}, {broad}`")
        else:
            help = (f"if both statements are meant, `allow subsumption {narrow}, {broad} "
                    f"\"reason\"`; if one says nothing the other does not, delete it")
        return PairFinding("subsumption", narrow, broad,
                           f"whenever `{narrow}` applies, `{broad}` applies too", (note,), help,
                           witness(model))
    if want_overlap:
        return PairFinding(
            "overlap", first, second,
            f"`{first}` and `{second}` can both pay for the same {record}",
            (thing.reason,),
            f"if the text means 不重复享受, declare `not cumulative {first}, {second} \"reason\"` "
            f"in policy `{info_first.policy.id}`; if both are meant to be paid, "
            f"`allow overlap {first}, {second} \"reason\"`",
            witness(model))
    return None


def to_diagnostic(context: LintContext, finding: PairFinding, code: str,
                  severity: Severity) -> Diagnostic:
    rule_base = context.rule_base
    first = rule_base.provisions[finding.first].provision
    second = rule_base.provisions[finding.second].provision
    related = ((f"`{finding.second}` is defined here", second.span),) if second.span else ()
    return Diagnostic(code, finding.check, severity, finding.message, first.span,
                      finding.notes, finding.help, related)
