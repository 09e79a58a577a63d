"""Single changes that could make a check hold — or, inside a negation, fail.

For a failing threshold the attribute is set to the threshold (or one step past it for `>` and
`<`); a flag is set true; an enumeration is set to a listed member; a member is added to a set;
inside a failing negation the fact that makes the negated part true is undone. A change must
close every open check of its alternative at once. These are candidates only: the explainer
proves each one by running `qualify` on the changed profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal

from ..dsl import ast
from ..dsl.checker import RuleBase
from .amounts import AmountError, AmountEvaluator
from .changes import Change
from .check_values import Absent, CheckValues, FactSource, format_in_unit
from .describe import FLIPPED, NEGATED, display_unit
from .explanation import AlternativeResult, CheckResult


@dataclass(frozen=True, slots=True)
class Fix:
    change: Change
    relative: Decimal
    kind_rank: int  # numbers first, then flags, members, sets: ties go to the numeric change
    side: int = 0  # 1: the other side of a comparison (`企业.申报年度` in `认定.年份 = 企业.申报年度`)


def alternative_fixes(rule_base: RuleBase, session: FactSource,
                       alternative: AlternativeResult) -> list[Fix]:
    """Changes of one fact that could close every open check of the alternative at once."""
    open_checks = alternative.open_checks
    if not open_checks:
        return []
    per_check = []
    for result in open_checks:
        if result.check is None:
            return []
        if result.check.negated:
            fixes = [fix for inner in result.inner if inner.holds for c in inner.checks
                     for fix in _fixes(rule_base, session, c, want=False)]
        else:
            fixes = _fixes(rule_base, session, result, want=True)
        if not fixes:
            return []  # this check cannot be closed by changing one fact
        per_check.append(fixes)
    shared = set.intersection(*({_fact_key(f.change) for f in fixes} for fixes in per_check))
    return [fix for fixes in per_check for fix in fixes if _fact_key(fix.change) in shared]


def _fact_key(change: Change) -> tuple:
    return (change.kind, change.record, change.attribute, change.year)


def _fixes(rule_base: RuleBase, session: FactSource, result: CheckResult, *, want: bool) -> list[Fix]:
    """Single changes that make `result`'s check hold (`want`) or fail (inside a negation)."""
    check, env = result.check, dict(result.env)
    if check is None or check.role == "requires" or check.condition is None or check.negated:
        return []
    values = CheckValues(session, env)
    condition = check.condition
    match condition:
        case ast.Reference():
            attribute = rule_base.attributes[(condition.kind, condition.attribute)]
            if attribute.type.base != "bool":
                return []
            return _change(rule_base, session, values, condition, want, "true" if want else "false", 1)
        case ast.Compare(op=op, left=left, right=right):
            op = op if want else NEGATED[op]
            fixes = []
            for side, (target, other, target_op) in enumerate(((left, right, op),
                                                               (right, left, FLIPPED[op]))):
                if isinstance(target, ast.Reference):
                    fixes.extend(replace(fix, side=side) for fix in
                                 _compare_fix(rule_base, session, values, target, target_op, other))
            return fixes
        case ast.Member(operand=operand, members=members) if isinstance(operand, ast.Reference):
            attribute = rule_base.attributes[(operand.kind, operand.attribute)]
            if attribute.type.base != "enum":
                return []
            choices = members if want else [m for m in rule_base.enums[attribute.type.enum].members
                                            if m not in members]
            return _change(rule_base, session, values, operand, choices[0], choices[0], 2) \
                if choices else []
        case ast.Has(operand=operand, member=member) if isinstance(operand, ast.Reference):
            try:
                current = values.lookup(operand)
            except Absent:
                current = ()
            new = tuple(current) + (member,) if want else tuple(m for m in current if m != member)
            return _change(rule_base, session, values, operand, new, "[" + ", ".join(new) + "]", 3)
    return []


def _change(rule_base: RuleBase, session: FactSource, values: CheckValues, ref: ast.Reference, value,
            text: str, kind_rank: int, relative: Decimal = Decimal(1),
            old_text: str | None = None) -> list[Fix]:
    try:
        year = values.year_of(ref)
    except Absent:
        return []
    record = values.env[ref.kind]
    if old_text is None:
        try:
            old_text = values.shown(ref)
        except Absent:
            old_text = None
    if old_text == text:
        return []
    return [Fix(Change(ref.kind, record, ref.attribute, year, value, text, old_text), relative,
                 kind_rank)]


def _compare_fix(rule_base: RuleBase, session: FactSource, values: CheckValues, target: ast.Reference,
                 op: str, other: ast.Expr) -> list[Fix]:
    """Set `target` so that `target op other` holds, `other` taken at its current value."""
    attribute = rule_base.attributes[(target.kind, target.attribute)]
    base = attribute.type.base
    if isinstance(other, ast.Symbol) or (isinstance(other, ast.TextLiteral) and base in ("enum", "text")):
        value = other.name if isinstance(other, ast.Symbol) else other.value
        if op in ("=", "=="):
            return _change(rule_base, session, values, target, value, value, 2)
        if base == "enum":
            others = [m for m in rule_base.enums[attribute.type.enum].members if m != value]
            return _change(rule_base, session, values, target, others[0], others[0], 2) if others else []
        return []
    if isinstance(other, ast.BoolLiteral) and base == "bool":
        value = other.value if op in ("=", "==") else not other.value
        return _change(rule_base, session, values, target, value, "true" if value else "false", 1)
    if base not in ("number", "year"):
        return []
    try:
        required = AmountEvaluator(rule_base, values.lookup).evaluate(other).value
    except (Absent, AmountError):
        return []
    integral = base == "year" or attribute.decl.type.base == "integer"
    step = Decimal(1) if integral or attribute.type.dims else Decimal("0.01")
    match op:
        case ">=":
            value = Decimal(math.ceil(required)) if integral else required
        case ">":
            value = Decimal(math.floor(required)) + 1 if integral else required + step
        case "<=":
            value = Decimal(math.floor(required)) if integral else required
        case "<":
            value = Decimal(math.ceil(required)) - 1 if integral else required - step
        case "=" | "==":
            if integral and required != required.to_integral_value():
                return []
            value = required
        case "!=":
            value = required + step
        case _:
            return []
    if value < 0:
        return []
    unit = None if base == "year" else display_unit(rule_base, other, target)
    text = str(int(value)) if base == "year" else format_in_unit(rule_base, value, unit)
    try:
        year = values.year_of(target)
    except Absent:
        return []  # the year index itself is unknown
    try:
        old = values.lookup(target)
    except Absent:
        old = None
    if old is not None and Decimal(old) == value:
        return []
    if old is None:
        old_text, relative = None, Decimal(1)
    else:
        old_text = str(old) if base == "year" else format_in_unit(rule_base, Decimal(old), unit)
        # A year is a date, not a magnitude: moving it by one is no "small" change.
        relative = abs(value - Decimal(old)) / abs(Decimal(old)) if old and base != "year" \
            else Decimal(1)
    if base == "year" or integral:
        value = int(value) if base == "year" else value.to_integral_value()
    change = Change(target.kind, values.env[target.kind], target.attribute, year, value, text,
                    old_text)
    return [Fix(change, relative, 0)]
