"""A direct interpreter of provisions over records: the oracle the Datalog answers must match.

It reads the checked AST and walks generated records (tests/fuzz/rulegen.py) with plain Python,
sharing nothing with the compiler or pyDatalog, so a silent wrong answer from either shows up as
a difference in which (provision, subject) pairs qualify.

Semantics, as the language reference gives them: a provision pays a record of its `for` kind
when every `when` holds — `C unless T1 then X1 unless T2 then X2` is (C ∧ ¬T1 ∧ ¬T2) ∨ (T1 ∧ X1)
∨ (¬T1 ∧ T2 ∧ X2) — and every value its amount, caps and tiers use is recorded, and the tier key
is one of the tiers. A condition over a missing value does not hold; `not` holds when its operand
cannot be shown (closed world).
"""

from __future__ import annotations

from decimal import Decimal

from policylog.dsl import ast
from policylog.dsl.checker import RuleBase


class Missing(Exception):
    """A value the expression needs is not recorded."""


class Reference:
    def __init__(self, rule_base: RuleBase, records):
        """`records`: (RecordSpec, parent RecordSpec | None) pairs of one profile."""
        self.rule_base = rule_base
        self.records = list(records)

    # -- which (provision, subject id) pairs qualify
    def qualifying(self) -> set[tuple[str, str]]:
        out = set()
        for provision_id, info in self.rule_base.provisions.items():
            chain = list(reversed(self.rule_base.ancestors(info.subject)))  # root first
            for record, _parent in self.records:
                if record.kind != info.subject:
                    continue
                env = self._bind_chain(record, chain)
                if env is not None and self.pays(info.provision, env):
                    out.add((provision_id, record.id))
        return out

    def _bind_chain(self, record, chain: list[str]):
        env, current = {}, record
        for kind in reversed(chain):
            if current is None or current.kind != kind:
                return None
            env[kind] = current
            current = self._parent_of(current)
        return env

    def _parent_of(self, record):
        return next(parent for r, parent in self.records if r is record)

    def pays(self, provision: ast.Provision, env) -> bool:
        for when in provision.conditions:
            if not self.when_holds(when, env):
                return False
        amount = provision.amount
        if amount is None:
            return True
        needed = list(provision.caps)
        if amount.value is not None:
            needed.append(amount.value)
        if amount.form == "tiers":
            needed.extend(t.amount for t in amount.tiers)
        try:
            for expr in needed:
                for ref in _references(expr):
                    self.value(ref, env)
            if amount.form == "tiers":
                key = self.value(amount.tier_key, env)
                if key not in {t.key for t in amount.tiers}:
                    return False
        except Missing:
            return False
        return True

    def when_holds(self, when: ast.When, env) -> bool:
        triggers = [self.holds(e.trigger, env) for e in when.exceptions]
        if self.holds(when.condition, env) and not any(triggers):
            return True
        for index, exception in enumerate(when.exceptions):
            if triggers[index] and not any(triggers[:index]) and self.holds(exception.replacement, env):
                return True
        return False

    # -- conditions
    def holds(self, expr: ast.Expr, env) -> bool:
        try:
            return self._holds(expr, env)
        except Missing:
            return False

    def _holds(self, expr: ast.Expr, env) -> bool:
        match expr:
            case ast.BoolLiteral(value=value):
                return value
            case ast.Reference():
                return self.value(expr, env) is True
            case ast.Not(operand=operand):
                return not self.holds(operand, env)
            case ast.And(operands=operands):
                return all(self._holds(o, env) for o in operands)
            case ast.Or(operands=operands):
                return any(self.holds(o, env) for o in operands)
            case ast.Exists(kind=kind, body=body):
                parent_kind = self.rule_base.kinds[kind].parent
                return any(self.holds(body, {**env, kind: record}) for record, parent in self.records
                           if record.kind == kind and parent is env[parent_kind])
            case ast.Compare(op=op, left=left, right=right):
                lhs, rhs = self.term(left, env), self.term(right, env)
                if isinstance(lhs, str) != isinstance(rhs, str):
                    return op == "!="
                match op:
                    case "=":
                        return lhs == rhs
                    case "!=":
                        return lhs != rhs
                    case "<":
                        return lhs < rhs
                    case "<=":
                        return lhs <= rhs
                    case ">":
                        return lhs > rhs
                    case ">=":
                        return lhs >= rhs
            case ast.Member(operand=operand, members=members):
                return self.term(operand, env) in members
            case ast.Has(operand=operand, member=member):
                return member in self.value(operand, env)
        raise AssertionError(f"not a condition: {expr!r}")

    def term(self, expr: ast.Expr, env):
        match expr:
            case ast.Quantity(value=value, unit=unit):
                base = self.rule_base.units.to_base(value, unit)
                return int(base) if unit is None and base == base.to_integral_value() else base
            case ast.Reference():
                return self.value(expr, env)
            case ast.Symbol(name=name) | ast.TextLiteral(value=name):
                return name
            case ast.BoolLiteral(value=value):
                return value
            case ast.Negate(operand=operand):
                return -1 * self.term(operand, env)
            case ast.BinaryOp(op=op, left=left, right=right):
                lhs, rhs = self.term(left, env), self.term(right, env)
                match op:
                    case "+":
                        return lhs + rhs
                    case "-":
                        return lhs - rhs
                    case "*":
                        return lhs * rhs
                    case "/":
                        if rhs == 0:
                            raise Missing("division by zero does not hold")
                        return lhs / rhs
        raise AssertionError(f"not a term: {expr!r}")

    def value(self, ref: ast.Reference, env):
        record = env[ref.kind]
        if ref.attribute not in record.values:
            raise Missing(ref)
        value = record.values[ref.attribute]
        if ref.year is not None:
            year = self.term(ref.year, env)
            if year not in value:
                raise Missing(ref)
            value = value[year]
        return value


def _references(expr: ast.Expr):
    match expr:
        case ast.Reference(year=year):
            if year is not None:
                yield from _references(year)
            yield expr
        case ast.BinaryOp(left=left, right=right):
            yield from _references(left)
            yield from _references(right)
        case ast.Negate(operand=operand):
            yield from _references(operand)
        case ast.Call(args=args):
            for arg in args:
                yield from _references(arg)


def as_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)
