"""L401 tier-gap: a tier table or a threshold set leaves a value uncovered.

## What it does
- A tier table (`amount by 认定.等级 { 先进级: …, 卓越级: … }`) that lists only some members of
  the enumeration: z3 looks for a record that meets every other condition of the provision but
  holds a member with no tier. The evaluator confirms that it pays nothing — and that the same
  record with a listed member is paid.
- A threshold set (sibling provisions of one clause bounding the same attribute): z3 looks for a
  value between the lowest and the highest threshold that no tier covers, for a record that
  meets the other conditions of some tier.

## Why is this bad?
An applicant at 领航级, or with an investment exactly on a boundary written `<` on one side and
`>` on the other, falls between the tiers and silently gets nothing.

## Example
```
amount by 认定.等级 { 先进级: 100万元, 卓越级: 300万元 }     # 领航级 has no tier
when 项目.投资额 < 500万元 … / when 项目.投资额 > 500万元 …   # 500万元 itself is uncovered
```

## Use instead
List every member (or restrict the condition to the listed ones: `认定.等级 in {先进级, 卓越级}`);
make adjacent thresholds meet: `< 500万元` and `>= 500万元`.
"""

from __future__ import annotations

import z3

from ....dsl.diagnostics import Diagnostic, Severity
from ....dsl.printer import print_expr
from ..encoding import EncodingError, FactRef, decimal_value, model_decimal
from ..findings import Finding
from ..relations import threshold_sets
from ..witness import _quantity_text, _Symbol, expect_fire, expect_split

CODE = "L401"
NAME = "tier-gap"
SEVERITY = Severity.WARNING


def run(context):
    if context.program is None:
        return
    for provision_id, info in context.rule_base.provisions.items():
        amount = info.provision.amount
        if amount is None or amount.form != "tiers" or amount.tier_key is None:
            continue
        try:
            finding = _table_gap(context, provision_id, info)
        except EncodingError:
            continue
        if finding is not None:
            yield finding
    for threshold_set in threshold_sets(context.rule_base):
        try:
            finding = _threshold_gap(context, threshold_set)
        except EncodingError:
            continue
        if finding is not None:
            yield finding


def _table_gap(context, provision_id, info):
    amount = info.provision.amount
    key = amount.tier_key
    attribute = context.rule_base.attributes[(key.kind, key.attribute)]
    members = context.rule_base.enums[attribute.type.enum].members
    listed = {t.key for t in amount.tiers}
    missing = [m for m in members if m not in listed]
    if not missing:
        return None
    world = context.world_of(provision_id)
    if world is None:
        return None
    instance = world.instances[provision_id]
    slot = instance.scope[key.kind]
    year = world.scenario.year(key.year, instance.scope) if key.year is not None else None
    present, value, _ = world.scenario.value(slot, key.attribute, year)
    uncovered = z3.And(present, z3.Or(*[value == members.index(m) for m in missing]))
    meets_rest = z3.Or(*[alt.formula_without({"tier"}) for alt in instance.alternatives])
    found, get_model = world.check(extra=z3.And(meets_rest, uncovered))
    if not found:
        return None
    model = get_model([instance])
    member = members[model.eval(value, model_completion=True).as_long()]
    alternative = next(a for a in instance.alternatives
                       if z3.is_true(model.eval(a.formula_without({"tier"}), model_completion=True)))
    facts = [f for c in alternative.checks if c.check.role != "tier" for f in c.facts]
    facts.append(FactRef(slot, key.attribute, year))
    shown = print_expr(key)
    header = [f"policylog lint witness: `{provision_id}` has no tier for `{shown} = {member}`"]
    witness = context.witness(world, model, [], expect_split([], [provision_id], instance.subject.kind,
                                                             instance.subject.record_id),
                              header, involved=[instance], facts=facts)
    evidence = list(witness.evidence)
    if context.verify:  # the counterfactual: the same record with a listed member is paid
        from ..witness import minimal_profile
        covered = amount.tiers[0].key
        text, _ = minimal_profile(world.scenario, model, [], header, facts,
                                  {(slot.index, key.attribute): _Symbol(covered)}, [instance.subject])
        ok, lines = expect_fire([provision_id], instance.subject.kind, instance.subject.record_id)(
            context.verifier.qualify(text, context.evaluated_provisions(instance.subject.kind,
                                                                       (info.policy.id,))))
        evidence.append(f"with `{shown} = {covered}` instead: " + "; ".join(lines))
        witness = type(witness)(witness.profile, witness.object_kind, witness.object_id,
                                witness.verified and ok, tuple(evidence), witness.summary)
    return Finding(NAME, Diagnostic(
        CODE, NAME, SEVERITY, f"the tiers of `{provision_id}` do not cover `{shown} = {member}`",
        amount.span or info.provision.span,
        (f"no tier for {', '.join(f'`{m}`' for m in missing)}; a record that meets every other "
         "condition gets nothing",),
        f"add a tier for `{member}`, or restrict the condition to the listed members"),
        (provision_id,), witness)


def _threshold_gap(context, threshold_set):
    provisions = threshold_set.provisions
    worlds = {context.world_of(p) for p in provisions}
    if len(worlds) != 1 or None in worlds:
        return None
    world = worlds.pop()
    instances = [world.instances[p] for p in provisions]
    lower, upper = _hull(threshold_set)
    ref = threshold_set.reference
    slot = world.scope[ref.kind]
    year = world.scenario.year(ref.year, world.scope) if ref.year is not None else None
    present, value, _ = world.scenario.value(slot, ref.attribute, year)
    bounds = [present]
    if lower is not None:
        bounds.append(value > decimal_value(lower[0]) if lower[1] else value >= decimal_value(lower[0]))
    if upper is not None:
        bounds.append(value < decimal_value(upper[0]) if upper[1] else value <= decimal_value(upper[0]))
    conditions = {t.condition for t in threshold_set.thresholds}
    others = []
    for instance in instances:
        for alt in instance.alternatives:
            kept = [c.formula for c in alt.checks if c.check.condition not in conditions]
            others.append(z3.And(*kept) if kept else z3.BoolVal(True))
    nothing = z3.And(*[world.scenario.negative(i) for i in instances])
    found, get_model = world.check(extra=z3.And(*bounds, z3.Or(*others), nothing))
    if not found:
        return None
    model = get_model(instances)
    shown = threshold_set.attribute
    header = [f"policylog lint witness: no tier of {', '.join(provisions)} covers this `{shown}`"]
    attributes = set()
    for provision in provisions:
        attributes |= context.attributes_read(provision)
    from ..witness import full_profile
    text, summary = full_profile(world.scenario, model, instances, header, attributes)
    ok, evidence = True, []
    if context.verify:
        policies = (context.rule_base.provisions[provisions[0]].policy.id,)
        ok, evidence = expect_split([], list(provisions), world.kind, world.scope[world.kind].record_id)(
            context.verifier.qualify(text, context.evaluated_provisions(world.kind, policies)))
    from ..witness import Witness
    attribute = context.rule_base.attributes[(ref.kind, ref.attribute)]
    number = model_decimal(model.eval(value, model_completion=True))
    value_text = _quantity_text(number, attribute, context.rule_base.units) if number is not None \
        else str(model.eval(value, model_completion=True))
    witness = Witness(text, world.kind, world.scope[world.kind].record_id, ok and context.verify,
                      tuple(evidence), summary)
    first = context.rule_base.provisions[provisions[0]].provision
    return Finding(NAME, Diagnostic(
        CODE, NAME, SEVERITY, f"the thresholds on `{shown}` of {', '.join(f'`{p}`' for p in provisions)} "
        "leave a gap", first.span,
        (f"a record with `{shown}` = {value_text} meets none of the tiers",),
        "make adjacent thresholds meet, e.g. `< 500万元` and `>= 500万元`"),
        tuple(provisions), witness)


def _hull(threshold_set):
    """The span of the set's thresholds: (lowest constant, False), (highest constant, False).

    A value below every threshold or above every threshold is outside the tiers on purpose (a
    minimum investment, say); a gap is a value between two thresholds that no tier covers.
    """
    values = [t.value for t in threshold_set.thresholds]
    return (min(values), False), (max(values), False)
