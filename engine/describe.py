"""Describing one check: its values, the comparison in the condition's unit, and the gap.

    项目.年节水量 4万吨 < 5万吨, short by 1万吨
    企业.营业收入[2025] 1,800万元 < 2,000万元, short by 200万元
    企业.喷粉生鲜乳收购量 0吨 ≤ 0吨, must be above 0吨

The gap is computed exactly (Decimal) and shown in the unit the condition is written in (the
quantity's unit, else the attribute's declared one); years are shown as years.
"""

from __future__ import annotations

from decimal import Decimal

from ..dsl import ast
from ..dsl.checker import RuleBase
from ..dsl.printer import SHOWN_OPERATOR, print_expr, shown_literal
from ..dsl.walk import operands
from .amounts import AmountError, AmountEvaluator
from .check_values import Absent, CheckValues, format_in_unit, references
from .explanation import Gap
from .ir import Check

NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "=": "!=", "!=": "="}
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "=", "!=": "!="}


def _is_year(rule_base: RuleBase, expr: ast.Expr) -> bool:
    """References outside year indexes decide: `企业.营业收入[企业.申报年度 - 1]` reads 营业收入."""
    return any(rule_base.attributes[(r.kind, r.attribute)].type.base == "year"
               for r in operands(expr) if isinstance(r, ast.Reference))


def _has_reference(expr: ast.Expr) -> bool:
    return next(references(expr), None) is not None


def display_unit(rule_base: RuleBase, required: ast.Expr, actual: ast.Expr) -> str | None:
    """The unit a condition is written in: its quantity's, else the attribute's declared one."""
    if isinstance(required, ast.Quantity) and required.unit:
        return required.unit
    for quantity in (q for q in operands(required) if isinstance(q, ast.Quantity)):
        if quantity.unit and rule_base.units.resolve(quantity.unit) is not None:
            info = rule_base.units.resolve(quantity.unit)
            if info.dims:
                return quantity.unit
    for expr in (actual, required):
        if isinstance(expr, ast.Reference):
            unit = rule_base.attributes[(expr.kind, expr.attribute)].declared_unit
            if unit:
                return unit
    return None


def describe(rule_base: RuleBase, check: Check, values: CheckValues, holds: bool) -> tuple[str, Gap | None]:
    condition = check.condition
    try:
        match condition:
            case ast.Reference():  # a flag, or a value the amount needs
                attribute = rule_base.attributes[(condition.kind, condition.attribute)]
                shown = values.shown(condition)
                if check.role == "requires" or attribute.type.base != "bool":
                    return f"{values.name(condition)} = {shown}", None
                if holds:
                    return f"{values.name(condition)} = true", None
                return f"{values.name(condition)} is false; must be true", None
            case ast.Compare(op=op, left=left, right=right):
                return _describe_compare(rule_base, op, left, right, values, holds)
            case ast.Member(operand=operand, members=members):
                shown = _shown(operand, values)
                listed = "{" + ", ".join(members) + "}"
                suffix = " (tier)" if check.role == "tier" else ""
                if holds:
                    return f"{_name(operand, values)} = {shown} ∈ {listed}{suffix}", None
                return f"{_name(operand, values)} is {shown}; must be one of {listed}", None
            case ast.Has(operand=operand, member=member):
                shown = _shown(operand, values)
                if holds:
                    return f"{_name(operand, values)} = {shown}, which includes {member}", None
                return f"{_name(operand, values)} = {shown}, which lacks {member}", None
    except (Absent, AmountError):
        pass
    return ("holds" if holds else "fails") + (f": {check.description}" if check.description else ""), None


def _name(expr: ast.Expr, values: CheckValues) -> str:
    return values.name(expr) if isinstance(expr, ast.Reference) else print_expr(expr)


def _shown(expr: ast.Expr, values: CheckValues) -> str:
    if isinstance(expr, ast.Reference):
        return values.shown(expr)
    literal = shown_literal(expr)
    if literal is not None:
        return literal
    result = AmountEvaluator(values.rule_base, values.lookup).evaluate(expr)
    return result.shown


def _describe_compare(rule_base: RuleBase, op: str, left: ast.Expr, right: ast.Expr,
                      values: CheckValues, holds: bool) -> tuple[str, Gap | None]:
    # The side that reads the profile is the actual value; the other is what the rule requires.
    if not _has_reference(left) and _has_reference(right):
        left, right, op = right, left, FLIPPED[op]
    symbolic = any(isinstance(e, (ast.Symbol, ast.TextLiteral, ast.BoolLiteral)) for e in (left, right))
    lvalue = values.lookup(left) if isinstance(left, ast.Reference) else None
    if symbolic or isinstance(lvalue, (str, bool, tuple)):
        name, actual, required = _name(left, values), _shown(left, values), _shown(right, values)
        if _has_reference(right):
            required = f"{_name(right, values)} {required}"
        if holds:
            if op in ("=", "==") and actual == required:
                return f"{name} = {actual}", None
            return f"{name} = {actual} {SHOWN_OPERATOR[op]} {required}", None
        must = "must be" if op in ("=", "==") else "must differ from"
        return f"{name} is {actual}; {must} {required}", None
    evaluator = AmountEvaluator(rule_base, values.lookup)
    a, r = evaluator.evaluate(left).value, evaluator.evaluate(right).value
    year = _is_year(rule_base, left) or _is_year(rule_base, right)
    unit = None if year else display_unit(rule_base, right, left)

    def show(value: Decimal) -> str:
        return str(int(value)) if year and value == value.to_integral_value() else \
            format_in_unit(rule_base, value, unit)

    actual, required = show(a), show(r)
    name = _name(left, values)
    if not isinstance(left, ast.Reference):
        name = f"{name} = {evaluator.evaluate(left).shown}, i.e."
    if _has_reference(right):
        required = f"{_name(right, values)} {required}"
    if holds:
        return f"{name} {actual} {SHOWN_OPERATOR[op]} {required}", None
    difference = abs(r - a)
    gap_text = show(difference) if difference else None
    relation = {">=": "short by", "<=": "over by", "=": "differs by", "==": "differs by"}.get(op)
    if op == ">":
        relation = f"short by {gap_text}; must be above" if difference else "must be above"
        gap_text = show(r)
    elif op == "<":
        relation = f"over by {gap_text}; must be below" if difference else "must be below"
        gap_text = show(r)
    elif op == "!=":
        relation, gap_text = "must differ from", show(r)
    relative = Decimal(1) if r == 0 else min(Decimal(1), abs(difference / r)) if difference else Decimal(0)
    gap = Gap(actual, required, relation, gap_text, unit, relative)
    return f"{name} {actual} {SHOWN_OPERATOR[NEGATED[op]]} {required}, {gap.text()}", gap
