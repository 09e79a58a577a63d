"""Exact amount arithmetic over a firing's bindings, recording every step for the trace.

Eligibility comes from the Datalog firing; the amount is computed here from the values that
firing bound — no second lookup of facts, so the arithmetic and the proof can never disagree.
Every operation runs in an exact `Decimal` context: a result that would need rounding raises.

    20% × 项目.设备软件投资 = 20% × 3,000万元 = 600万元
    cap: 1,000万元
    smallest of 600万元 and 1,000万元 → 600万元
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, assert_never

from ..dsl import ast
from ..dsl.checker import RuleBase
from ..dsl.printer import print_expr
from ..dsl.units import EXACT, MONEY_DIMENSION, Dims, format_money, format_number

MONEY_DIMS: Dims = ((MONEY_DIMENSION, 1),)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in 元: exact when `low == high`; `high` None means no upper bound."""

    low: Decimal
    high: Decimal | None

    @property
    def exact(self) -> bool:
        return self.high is not None and self.low == self.high

    def __str__(self) -> str:
        if self.exact:
            return format_money(self.low)
        if self.high is None:
            return f"at least {format_money(self.low)}"
        if self.low == 0:
            return f"up to {format_money(self.high)}"
        return f"{format_money(self.low)} – {format_money(self.high)}"

    def scale(self, fraction: Decimal) -> "Money":
        try:
            return Money(EXACT.multiply(self.low, fraction),
                         None if self.high is None else EXACT.multiply(self.high, fraction))
        except decimal.Inexact:
            raise AmountError(f"{self} × {fraction} does not come out exact") from None

    def to_json(self) -> dict:
        return {"low_yuan": str(self.low), "high_yuan": None if self.high is None else str(self.high),
                "exact": self.exact, "text": str(self)}


@dataclass(frozen=True, slots=True)
class Evaluated:
    value: Decimal
    dims: Dims
    shown: str  # the expression with values substituted


class AmountError(Exception):
    pass


class AmountEvaluator:
    """Evaluates money expressions given a lookup from references to bound values."""

    def __init__(self, rule_base: RuleBase, lookup: Callable[[ast.Reference], object]):
        self.rule_base = rule_base
        self.lookup = lookup

    def format(self, value: Decimal, dims: Dims, unit: str | None = None) -> str:
        units = self.rule_base.units
        if dims == MONEY_DIMS:
            return format_money(value)
        if unit is not None:
            info = units.resolve(unit)
            if info is not None and info.dims == dims and info.scale != 0:
                return f"{format_number(value / info.scale)}{unit if unit != '%' else '%'}"
        if dims in units.base_of:
            return f"{format_number(value)}{units.base_of[dims]}"
        return format_number(value)

    def evaluate(self, expr: ast.Expr) -> Evaluated:
        units = self.rule_base.units
        match expr:
            case ast.Quantity(value=value, unit=unit, text=text):
                info = units.resolve(unit)
                return Evaluated(units.to_base(value, unit), info.dims if info else (), text)
            case ast.Reference():
                value = self.lookup(expr)
                if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
                    raise AmountError(f"`{print_expr(expr)}` is not a number")
                attribute = self.rule_base.attributes[(expr.kind, expr.attribute)]
                value = Decimal(value)
                return Evaluated(value, attribute.type.dims,
                                 self.format(value, attribute.type.dims, attribute.declared_unit))
            case ast.Negate(operand=operand):
                inner = self.evaluate(operand)
                return Evaluated(-inner.value, inner.dims, f"-{inner.shown}")
            case ast.BinaryOp(op=op, left=left, right=right):
                lhs, rhs = self.evaluate(left), self.evaluate(right)
                from ..dsl.units import combine

                shown_left = f"({lhs.shown})" if isinstance(left, ast.BinaryOp) and op in "*/" else lhs.shown
                shown_right = f"({rhs.shown})" if isinstance(right, ast.BinaryOp) else rhs.shown
                symbol = {"*": "×", "/": "÷"}.get(op, op)
                try:
                    match op:
                        case "+":
                            value, dims = EXACT.add(lhs.value, rhs.value), lhs.dims
                        case "-":
                            value, dims = EXACT.subtract(lhs.value, rhs.value), lhs.dims
                        case "*":
                            value, dims = EXACT.multiply(lhs.value, rhs.value), combine(lhs.dims, rhs.dims)
                        case "/":
                            if rhs.value == 0:
                                raise AmountError(f"division by zero in `{print_expr(expr)}`")
                            value = EXACT.divide(lhs.value, rhs.value)
                            dims = combine(lhs.dims, rhs.dims, -1)
                        case _:
                            raise AssertionError(op)
                except decimal.Inexact:  # `投资额 / 3`: an amount is paid exactly or not computed
                    raise AmountError(f"`{print_expr(expr)}` does not come out exact: "
                                      f"{shown_left} {symbol} {shown_right}") from None
                return Evaluated(value, dims, f"{shown_left} {symbol} {shown_right}")
            case ast.Call(function=function, args=args):
                values = [self.evaluate(a) for a in args]
                pick = min if function in ("min", "较小值") else max
                chosen = pick(values, key=lambda e: e.value)
                return Evaluated(chosen.value, chosen.dims,
                                 f"{function}({', '.join(v.shown for v in values)})")
            case ast.Compare() | ast.Member() | ast.Has() | ast.Exists() | ast.Not() | ast.And() \
                    | ast.Or() | ast.BoolLiteral() | ast.TextLiteral() | ast.Symbol():
                raise AmountError(f"`{print_expr(expr)}` is not an amount")
            case _:
                assert_never(expr)

    def step(self, expr: ast.Expr) -> tuple[Decimal, str]:
        """The value and one line of arithmetic: `formula = substituted = result`."""
        result = self.evaluate(expr)
        formula = print_expr(expr).replace("*", "×")
        parts = [formula]
        if result.shown != formula:
            parts.append(result.shown)
        final = self.format(result.value, result.dims)
        if final.replace(",", "") != parts[-1].replace(",", ""):
            parts.append(final)
        return result.value, " = ".join(parts)


def compute_amount(rule_base: RuleBase, provision: ast.Provision,
                   lookup: Callable[[ast.Reference], object]) -> tuple[Money, list[str]]:
    """The provision's amount (exact or a range), with caps applied, and the steps taken."""
    evaluator = AmountEvaluator(rule_base, lookup)
    amount = provision.amount
    assert amount is not None
    steps: list[str] = []
    match amount.form:
        case "tiers":
            key = lookup(amount.tier_key)
            tier = next(t for t in amount.tiers if t.key == key)
            value, line = evaluator.step(tier.amount)
            steps.append(f"tier `{key}` of {print_expr(amount.tier_key)}: {line}")
            low, high = value, value
        case "exact":
            value, line = evaluator.step(amount.value)
            steps.append(line)
            low, high = value, value
        case "up_to":
            value, line = evaluator.step(amount.value)
            steps.append(f"up to {line} (the text gives only an upper bound)")
            low, high = Decimal(0), value
        case "at_least":
            value, line = evaluator.step(amount.value)
            steps.append(f"at least {line} (the text gives only a lower bound)")
            low, high = value, None
        case _:
            raise AssertionError(amount.form)

    caps = []
    for cap in provision.caps:
        value, line = evaluator.step(cap)
        caps.append(value)
        steps.append(f"cap: {line}")
    if caps:
        smallest = min(caps)
        before = Money(low, high)
        new_high = smallest if high is None else min(high, smallest)
        new_low = min(low, smallest)
        if new_low != low or new_high != high:
            steps.append(f"smallest of {before} and the caps → {Money(new_low, new_high)}")
        else:
            steps.append(f"{before} is within every cap")
        low, high = new_low, new_high
    if low < 0 or (high is not None and high < 0):  # `up to -1元` is as negative as `-1元`
        steps.append(f"a negative result ({format_money(min(low, high) if high is not None else low)}) "
                     "pays nothing")
        low = max(low, Decimal(0))
        high = None if high is None else max(high, Decimal(0))
    return Money(low, high), steps
