"""The typed, frozen AST of a rule file.

Every node carries its source `span`; equality ignores spans, so the same rules written in
English or Chinese keywords, or printed and parsed again, compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from .diagnostics import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ---- expressions -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit as written: `1000万元` is Quantity(1000, "万元")."""

    value: Decimal
    unit: str | None  # None for a bare number; "%" for a percentage
    text: str  # as written, for messages and printing
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Reference:
    """`项目.年节水量` or, for a per-year attribute, `企业.营业收入[2025]`."""

    kind: str
    attribute: str
    year: "Expr | None" = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class BoolLiteral:
    value: bool
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class TextLiteral:
    value: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Symbol:
    """A bare name: an enumeration member, as in `认定.等级 = 卓越级`."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Negate:
    operand: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class BinaryOp:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Call:
    function: str  # min, max
    args: tuple["Expr", ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # >= <= > < = !=
    left: "Expr"
    right: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Member:
    """`项目.技改类型 in {工艺设备更新, 新产品开发}`."""

    operand: "Expr"
    members: tuple[str, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Has:
    """`企业.地区 has 革命老区`: a set-valued attribute contains a member."""

    operand: "Expr"
    member: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Exists:
    """`exists 认定 (认定.类型 = 智能工厂)`: some child record of that kind satisfies the body."""

    kind: str
    body: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple["Expr", ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple["Expr", ...]
    span: Span | None = _span()


Expr = Union[Quantity, Reference, BoolLiteral, TextLiteral, Symbol, Negate, BinaryOp, Call, Compare,
             Member, Has, Exists, Not, And, Or]


# ---- vocabulary ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DimensionDecl:
    name: str
    base_unit: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class UnitDecl:
    name: str
    definition: Quantity  # `unit 万元 = 10000元`
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class SubjectDecl:
    name: str
    parent: str | None
    description: str | None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    members: tuple[str, ...]
    description: str | None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """bool | integer [unit] | decimal [unit] | text | year | set of ENUM | ENUM."""

    base: str  # "bool", "integer", "decimal", "text", "year", "set", "enum"
    unit: str | None = None
    enum: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class AttributeDecl:
    kind: str
    name: str
    type: TypeSpec
    per_year: bool
    description: str | None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class PayerDecl:
    name: str
    description: str | None
    span: Span | None = _span()


# ---- policies --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PayerShare:
    payer: str
    share: Quantity | None  # None: the whole amount
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Unless:
    """`unless 企业.脱贫地区 then 项目.投资 >= 1000万元`: an exception replacing its condition."""

    trigger: Expr
    replacement: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class When:
    label: str | None
    condition: Expr
    exceptions: tuple[Unless, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    amount: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Amount:
    """How much: `exact` value, `up_to` (range 0..x), `at_least` (range x..cap), or `tiers`."""

    form: str  # "exact" | "up_to" | "at_least" | "tiers"
    value: Expr | None
    tier_key: Reference | None = None
    tiers: tuple[Tier, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Provision:
    id: str
    title: str | None
    subject: str | None  # the kind it pays per; None: the root kind
    conditions: tuple[When, ...]
    amount: Amount | None
    caps: tuple[Expr, ...]
    payers: tuple[PayerShare, ...]
    informational: str | None
    notes: tuple[str, ...]
    supersedes: tuple[str, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class TotalCap:
    """A cap on the sum of several provisions' awards to one subject."""

    limit: Expr
    per_kind: str
    provisions: tuple[str, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    title: str
    text: str
    provisions: tuple[Provision, ...]
    total_caps: tuple[TotalCap, ...]
    notes: tuple[str, ...]
    supersedes: tuple[str, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class NotCumulative:
    provisions: tuple[str, ...]
    reason: str | None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Allow:
    check: str
    provisions: tuple[str, ...]
    reason: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    title: str | None
    year: int | None
    status: str | None
    supersedes: tuple[str, ...]
    default_payers: tuple[PayerShare, ...]
    clauses: tuple[Clause, ...]
    not_cumulative: tuple[NotCumulative, ...]
    allows: tuple[Allow, ...]
    span: Span | None = _span()


Declaration = Union[DimensionDecl, UnitDecl, SubjectDecl, EnumDecl, AttributeDecl, PayerDecl]


@dataclass(frozen=True, slots=True)
class Module:
    """One rule file."""

    file: str
    items: tuple[Declaration | Policy, ...]
    span: Span | None = _span()
