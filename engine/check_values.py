"""The facts one check reads, for the records it was evaluated on — and how to show them.

`CheckValues` looks up a condition's references in the profile (per-year ones with their year
worked out), remembers each fact it read with its file and line, and raises `Absent` naming the
fact and its unit when the profile lacks it: that is what makes a check `unknown`, never false.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Protocol

from ..dsl import ast, walk
from ..dsl.checker import Attribute, RuleBase
from ..dsl.printer import print_expr
from ..dsl.units import EXACT, format_number
from .amounts import AmountEvaluator
from .ir import attribute_predicate
from .profiles import Fact, Record
from .qualify import FactUse


class FactSource(Protocol):
    """Where a check's facts are looked up: the explainer's session over one profile."""

    rule_base: RuleBase

    def record(self, kind: str, record_id: str) -> Record | None: ...

    def facts_of(self, predicate: str, record_id: str, year: int | None) -> list[Fact]: ...


@dataclass(frozen=True, slots=True)
class Missing:
    """A fact the profile lacks: `项目.年节水量` of record P, expected in 吨."""

    name: str
    record: str
    expects: str

    def text(self) -> str:
        return f"`{self.name}` ({self.expects})"

    def to_json(self) -> dict:
        return {"name": self.name, "record": self.record, "expects": self.expects}


def format_in_unit(rule_base: RuleBase, value: Decimal, unit: str | None) -> str:
    """A base-unit value in a written unit: 40000 in 万吨 → `4万吨`."""
    if unit is None:
        return format_number(value)
    info = rule_base.units.resolve(unit)
    if info is None or info.scale == 0:
        return format_number(value)
    try:
        shown = EXACT.divide(value, info.scale)
    except ArithmeticError:
        shown = (value / info.scale).quantize(Decimal("0.0001"))
    return f"{format_number(shown)}{unit}"


def expects(rule_base: RuleBase, attribute: Attribute) -> str:
    """What a missing fact would hold: its unit, or its kind of value."""
    type_ = attribute.type
    match type_.base:
        case "bool":
            return "true or false"
        case "number":
            if attribute.declared_unit:
                return f"in {attribute.declared_unit}"
            return f"in {rule_base.units.base_of[type_.dims]}" if type_.dims in rule_base.units.base_of \
                else "a number"
        case "enum":
            return "one of " + ", ".join(rule_base.enums[type_.enum].members)
        case "set":
            return "a list of " + ", ".join(rule_base.enums[type_.enum].members)
        case "year":
            return "a year"
        case _:
            return "text"


def references(expr: ast.Expr) -> Iterator[ast.Reference]:
    """The references a check reads itself; an `exists` body is checked on its own."""
    return walk.references(expr, into_exists=False)


class Absent(Exception):
    def __init__(self, missing: Missing):
        self.missing = missing


class CheckValues:
    """The facts one check reads, for the records it was evaluated on (kind → record id)."""

    def __init__(self, session: FactSource, env: dict[str, str]):
        self.session = session
        self.rule_base = session.rule_base
        self.env = env
        self.used: list[FactUse] = []

    def year_of(self, ref: ast.Reference) -> int | None:
        if ref.year is None:
            return None
        value = AmountEvaluator(self.rule_base, self.lookup).evaluate(ref.year).value
        return int(value)

    def name(self, ref: ast.Reference) -> str:
        """`企业.营业收入[2025]`: the reference with its year worked out, when it can be."""
        if ref.year is None:
            return f"{ref.kind}.{ref.attribute}"
        try:
            return f"{ref.kind}.{ref.attribute}[{self.year_of(ref)}]"
        except Absent:
            return print_expr(ref)

    def lookup(self, ref: ast.Reference):
        record_id = self.env[ref.kind]
        attribute = self.rule_base.attributes[(ref.kind, ref.attribute)]
        year = self.year_of(ref)
        record = self.session.record(ref.kind, record_id)
        value = record.values.get(ref.attribute) if record is not None else None
        if isinstance(value, dict):
            value = value.get(year)
        if value is None:
            name = f"{ref.kind}.{ref.attribute}" + (f"[{year}]" if year is not None else "")
            raise Absent(Missing(name, record_id, expects(self.rule_base, attribute)))
        for fact in self.session.facts_of(attribute_predicate(ref.kind, ref.attribute), record_id, year):
            shown = f"{ref.kind}.{ref.attribute}" + (f"[{year}]" if year is not None else "")
            use = FactUse(shown, fact.text, fact.span, record_id)
            if use not in self.used:
                self.used.append(use)
        return value

    def shown(self, ref: ast.Reference) -> str:
        """The value as the profile writes it."""
        value = self.lookup(ref)
        if isinstance(value, Decimal):
            year = self.year_of(ref)
            facts = self.session.facts_of(attribute_predicate(ref.kind, ref.attribute),
                                          self.env[ref.kind], year)
            if len(facts) == 1 and facts[0].text:
                return facts[0].text
        if isinstance(value, tuple):
            return "[" + ", ".join(value) + "]"
        if isinstance(value, bool):
            return "true" if value else "false"
        attribute = self.rule_base.attributes[(ref.kind, ref.attribute)]
        if attribute.type.base == "year" or isinstance(value, str):
            return str(value)
        return format_in_unit(self.rule_base, Decimal(value), attribute.declared_unit) \
            if attribute.declared_unit else format_number(Decimal(value))

