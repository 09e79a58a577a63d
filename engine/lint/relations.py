"""Static facts about provisions that the pair checks share: what an award is computed from,
what its conditions read, which clauses form a family, and which thresholds form a tier set.

"Paying for the same thing" cannot be read off the text, so it is approximated by what the rule
says it pays for. Two provisions paid per the same record pay for the same thing when

- their amounts or caps use a common attribute (`20% * 项目.实际完成投资` twice), or
- both are a share of money the record spent (`项目.设备软件投资`, `项目.设备投资总额`), or
- the facts one provision's conditions read are among those the other's read (the same trigger:
  `认定.类型 in {绿色工厂, …}` in two lists, or `企业.首次纳入规上年份 = 2026` twice).

A water-saving project that also replaced workers by robots meets two conditions on unrelated
facts and is paid from unrelated figures: that pair is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...dsl import ast
from ...dsl.checker import RuleBase
from ...dsl.printer import print_expr
from ...dsl.walk import references
from ..amounts import MONEY_DIMS
from ..ir import Program

TRIGGER_ROLES = ("when", "exception", "not-exception")
ORDERING_OPS = ("<", "<=", ">", ">=")




def _attribute(ref: ast.Reference) -> tuple[str, str]:
    return (ref.kind, ref.attribute)


def pays(rule_base: RuleBase, provision_id: str) -> bool:
    return rule_base.provisions[provision_id].provision.amount is not None


def bases(rule_base: RuleBase, provision_id: str) -> set[tuple[str, str]]:
    """The attributes an award is computed from: its amount, tier amounts and caps."""
    provision = rule_base.provisions[provision_id].provision
    exprs: list[ast.Expr] = list(provision.caps)
    amount = provision.amount
    if amount is not None and amount.value is not None:
        exprs.append(amount.value)
    if amount is not None:
        exprs.extend(t.amount for t in amount.tiers)
    found, indexes = set(), set()
    for expr in exprs:
        for ref in references(expr):
            found.add(_attribute(ref))
            if ref.year is not None:  # a year index (`[企业.申报年度]`) says when, not what
                indexes |= set(map(_attribute, references(ref.year)))
    return found - indexes


def money_bases(rule_base: RuleBase, provision_id: str) -> set[tuple[str, str]]:
    return {key for key in bases(rule_base, provision_id)
            if rule_base.attributes[key].type.dims == MONEY_DIMS}


Trigger = dict  # (kind, attribute) → frozenset of values it must take, or None: any value


def _facts(expr: ast.Expr, negated: bool = False):
    """((kind, attribute), values or None) for each fact a condition tests."""
    match expr:
        case ast.Reference() if not negated:
            yield _attribute(expr), frozenset({True})
            if expr.year is not None:
                for ref in references(expr.year):
                    yield _attribute(ref), None
            return
        case ast.Compare(op="=", left=ast.Reference() as ref, right=ast.Symbol() | ast.TextLiteral() as value) \
                if not negated:
            yield _attribute(ref), frozenset({getattr(value, "name", getattr(value, "value", None))})
            return
        case ast.Member(operand=ast.Reference() as ref, members=members) if not negated:
            yield _attribute(ref), frozenset(members)
            return
        case ast.Has(operand=ast.Reference() as ref, member=member) if not negated:
            yield _attribute(ref), frozenset({member})
            if ref.year is not None:
                for index in references(ref.year):
                    yield _attribute(index), None
            return
        case ast.Not(operand=operand):
            yield from _facts(operand, True)
            return
        case ast.Exists(body=body):
            yield from _facts(body, negated)
            return
        case ast.And(operands=operands) | ast.Or(operands=operands):
            for operand in operands:
                yield from _facts(operand, negated or isinstance(expr, ast.Or))
            return
    for ref in references(expr):
        yield _attribute(ref), None


def trigger_sets(program: Program, provision_id: str) -> list[Trigger]:
    """Per alternative of the condition in disjunctive normal form, the facts it tests and the
    values it needs them to take (`认定.类型 ∈ {绿色工厂, …}`), or None for any value."""
    sets = []
    for alternative in program.provision(provision_id).alternatives:
        trigger: Trigger = {}
        for check in alternative.checks:
            if check.role not in TRIGGER_ROLES or check.condition is None:
                continue
            for key, values in _facts(check.condition):
                if key not in trigger or trigger[key] is None:
                    trigger[key] = values
                elif values is not None:
                    trigger[key] = trigger[key] & values
        sets.append(trigger)
    return sets


def _within(smaller: Trigger, larger: Trigger) -> bool:
    """Every fact `smaller` tests is tested by `larger` too, for a value both allow."""
    for key, values in smaller.items():
        if key not in larger:
            return False
        other = larger[key]
        if values is not None and other is not None and not (values & other):
            return False
    return True


@dataclass(frozen=True)
class SameThing:
    reason: str


def same_thing(rule_base: RuleBase, program: Program, first: str, second: str) -> SameThing | None:
    """Why two provisions paid per the same record pay for the same thing, or None."""
    common = bases(rule_base, first) & bases(rule_base, second)
    if common:
        names = ", ".join(f"`{k}.{a}`" for k, a in sorted(common))
        return SameThing(f"both awards are computed from {names}")
    money_first, money_second = money_bases(rule_base, first), money_bases(rule_base, second)
    if money_first and money_second:
        kind = rule_base.provisions[first].subject
        shown = "; ".join(", ".join(f"`{k}.{a}`" for k, a in sorted(s)) for s in (money_first, money_second))
        return SameThing(f"both awards are a share of money the `{kind}` spent ({shown})")
    return same_trigger(rule_base, program, first, second)


def same_trigger(rule_base: RuleBase, program: Program, first: str, second: str) -> SameThing | None:
    """The facts one provision's condition reads are among those the other's reads."""
    common = bases(rule_base, first) & bases(rule_base, second)
    if common:
        names = ", ".join(f"`{k}.{a}`" for k, a in sorted(common))
        return SameThing(f"both awards are computed from {names}")
    for a in trigger_sets(program, first):
        for b in trigger_sets(program, second):
            if _within(a, b) or _within(b, a):
                smaller = a if _within(a, b) else b
                if not smaller:
                    return SameThing("one of them has no condition on the record: it pays for "
                                     "every one")
                names = ", ".join(f"`{k}.{attr}`" for k, attr in sorted(smaller))
                return SameThing(f"their conditions test the same facts ({names})")
    return None


# ---- clause families ---------------------------------------------------------------------------

class ClauseFamilies:
    """Clauses linked by `supersedes` (a clause and its earlier version) form one family."""

    def __init__(self, rule_base: RuleBase):
        self.rule_base = rule_base
        self.parent: dict[str, str] = {c: c for c in rule_base.clauses}
        for info in rule_base.provisions.values():
            for node in (info.provision, info.clause):
                for target in node.supersedes:
                    other = self._clause_of(target)
                    if other is not None:
                        self._union(info.clause.id, other)

    def _clause_of(self, target: str) -> str | None:
        if target in self.rule_base.clauses:
            return target
        if target in self.rule_base.provisions:
            return self.rule_base.provisions[target].clause.id
        return None

    def _find(self, clause: str) -> str:
        while self.parent[clause] != clause:
            self.parent[clause] = self.parent[self.parent[clause]]
            clause = self.parent[clause]
        return clause

    def _union(self, a: str, b: str) -> None:
        self.parent[self._find(a)] = self._find(b)

    def same(self, first: str, second: str) -> bool:
        a = self.rule_base.provisions[first].clause.id
        b = self.rule_base.provisions[second].clause.id
        return self._find(a) == self._find(b)

    def members(self, clause: str) -> list[str]:
        root = self._find(clause)
        return [c for c in self.rule_base.clauses if self._find(c) == root]


# ---- threshold sets ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    provision: str
    op: str  # normalised so the attribute is on the left
    value: object  # Decimal in base units
    condition: ast.Compare


@dataclass(frozen=True)
class ThresholdSet:
    """Sibling provisions of one clause that split the range of one attribute between them."""

    clause: str
    reference: ast.Reference
    thresholds: tuple[Threshold, ...]

    @property
    def provisions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.provision for t in self.thresholds))

    @property
    def attribute(self) -> str:
        return print_expr(self.reference)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def thresholds_of(rule_base: RuleBase, provision_id: str) -> list[tuple[ast.Reference, Threshold]]:
    """Top-level `attribute op constant` conditions of a provision's `when` lines."""
    provision = rule_base.provisions[provision_id].provision
    found = []
    for when in provision.conditions:
        if when.exceptions:
            continue  # an exception's threshold is not a tier boundary
        parts = list(when.condition.operands) if isinstance(when.condition, ast.And) else [when.condition]
        for part in parts:
            if not isinstance(part, ast.Compare) or part.op not in ORDERING_OPS:
                continue
            left, right, op = part.left, part.right, part.op
            if isinstance(left, ast.Quantity) and isinstance(right, ast.Reference):
                left, right, op = right, left, _FLIP[op]
            if isinstance(left, ast.Reference) and isinstance(right, ast.Quantity):
                value = rule_base.units.to_base(right.value, right.unit)
                found.append((left, Threshold(provision_id, op, value, part)))
    return found


def threshold_sets(rule_base: RuleBase) -> list[ThresholdSet]:
    sets = []
    for clause_id, (clause, _policy) in rule_base.clauses.items():
        by_reference: dict[ast.Reference, list[Threshold]] = {}
        kinds = {}
        for provision in clause.provisions:
            if provision.id not in rule_base.provisions:
                continue
            kinds[provision.id] = rule_base.provisions[provision.id].subject
            for ref, threshold in thresholds_of(rule_base, provision.id):
                by_reference.setdefault(ref, []).append(threshold)
        for ref, thresholds in by_reference.items():
            provisions = {t.provision for t in thresholds}
            if len(provisions) >= 2 and len({kinds[p] for p in provisions}) == 1:
                sets.append(ThresholdSet(clause_id, ref, tuple(thresholds)))
    return sets
