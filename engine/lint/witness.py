"""Witnesses: a z3 model → a profile a person can read and run → the evaluator's verdict.

A finding about a pair of provisions is only as good as its example, so every example is run
through the real evaluator (`PolicyEngine.qualify`) before it is shown:

    model ──profile_text──▶ YAML ──load_profile_text──▶ Profile ──qualify──▶ awards ──▶ verdict

The profile holds only the records and facts the named provisions read (the *minimal* witness);
if that one does not reproduce the finding — possible only where a negation reads a fact that
was left out — the profile with every fact of the model is tried before giving up.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import z3

from ...dsl.checker import Attribute, RuleBase
from ...dsl.units import EXACT
from ..amounts import Money
from ..profiles import load_profile_text
from ..qualify import Award, PolicyEngine, QualifyResult
from .encoding import EncodingError, FactRef, Instance, Scenario, Slot, model_decimal

PLACEHOLDER_TEXT = "示例文本"


@dataclass(frozen=True)
class Witness:
    """An applicant that shows a finding, and what the evaluator made of it."""

    profile: str  # YAML, ready for `policylog qualify`
    object_kind: str
    object_id: str
    verified: bool
    evidence: tuple[str, ...]  # one line per provision: what the evaluator awarded
    summary: tuple[str, ...] = ()  # one line per record: `项目 项目1: 年节水量 = 5万吨, …`

    def to_json(self) -> dict:
        return {"profile": self.profile, "object": {"kind": self.object_kind, "id": self.object_id},
                "summary": list(self.summary), "verified": self.verified,
                "evidence": list(self.evidence)}


# ---- model → profile --------------------------------------------------------------------------

class ProfileBuilder:
    """Collects facts per record from a model and writes them as a YAML profile."""

    def __init__(self, scenario: Scenario, model: z3.ModelRef):
        self.scenario = scenario
        self.rule_base = scenario.rule_base
        self.model = model
        self.records: dict[int, dict[str, object]] = {}
        self.slots: dict[int, Slot] = {}
        self.exact = True

    def evaluate(self, term) -> z3.ExprRef:
        return self.model.eval(term, model_completion=True)

    def add_slot(self, slot: Slot) -> None:
        while slot is not None and slot.index not in self.slots:
            self.slots[slot.index] = slot
            self.records.setdefault(slot.index, {})
            slot = slot.parent

    def add_value(self, slot: Slot, name: str, year, value_term) -> None:
        self.add_slot(slot)
        attribute = self.rule_base.attributes[(slot.kind, name)]
        value = self.convert(attribute, self.evaluate(value_term))
        fields = self.records[slot.index]
        if year is None:
            fields[name] = value
        else:
            fields.setdefault(name, {})[self.year(year)] = value

    def add_member(self, slot: Slot, name: str, member: str, year) -> None:
        self.add_slot(slot)
        fields = self.records[slot.index]
        if year is None:
            members = fields.setdefault(name, [])
        else:
            members = fields.setdefault(name, {}).setdefault(self.year(year), [])
        if member not in members:
            members.append(member)

    def year(self, term) -> int:
        value = self.evaluate(term)
        if not z3.is_int_value(value):
            raise EncodingError(f"year index is not a whole number: {value}")
        return value.as_long()

    def convert(self, attribute: Attribute, value: z3.ExprRef):
        match attribute.type.base:
            case "bool":
                return z3.is_true(value)
            case "year":
                return value.as_long()
            case "enum":
                members = self.rule_base.enums[attribute.type.enum].members
                return _Symbol(members[value.as_long()])
            case "text":
                index = value.as_long()
                texts = self.scenario.encoder.texts
                return texts[index] if 0 <= index < len(texts) else PLACEHOLDER_TEXT
            case "number":
                number = model_decimal(value)
                if number is None:
                    self.exact = False
                    fraction = value.as_fraction() if z3.is_rational_value(value) else None
                    number = Decimal(fraction.numerator) / Decimal(fraction.denominator) \
                        if fraction is not None else Decimal(0)
                return _Quantity(number, attribute, self.rule_base.units)
        raise EncodingError(f"cannot write `{attribute.qualified}`")

    # -- writing
    def summary(self) -> tuple[str, ...]:
        lines = []
        for slot in sorted(self.slots.values(), key=_depth_first(self.slots)):
            fields = []
            for name, value in self.records.get(slot.index, {}).items():
                if isinstance(value, dict):
                    fields.extend(f"{name}[{year}] = {_scalar(v)}" for year, v in sorted(value.items()))
                else:
                    fields.append(f"{name} = {_scalar(value)}")
            lines.append(f"{slot.kind} `{slot.record_id}`" + (": " + ", ".join(fields) if fields else ""))
        return tuple(lines)

    def text(self, header: list[str]) -> str:
        lines = [f"# {line}" for line in header]
        roots = [s for s in self.slots.values() if s.parent is None]
        if len(roots) != 1:
            raise EncodingError("a witness needs exactly one root record")
        root = roots[0]
        lines.append(f"{root.kind}:")
        lines.extend(self._record(root, indent="  ", first_prefix="  "))
        return "\n".join(lines) + "\n"

    def _record(self, slot: Slot, indent: str, first_prefix: str) -> list[str]:
        lines = [f"{first_prefix}id: {slot.record_id}"]
        for name, value in self.records.get(slot.index, {}).items():
            lines.extend(self._field(name, value, indent))
        children: dict[str, list[Slot]] = {}
        for other in self.slots.values():
            if other.parent is slot:
                children.setdefault(other.kind, []).append(other)
        for kind, records in children.items():
            lines.append(f"{indent}{kind}:")
            for record in sorted(records, key=lambda s: s.index):
                lines.extend(self._record(record, indent + "    ", indent + "  - "))
        return lines

    def _field(self, name: str, value, indent: str) -> list[str]:
        if isinstance(value, dict):  # per year
            lines = [f"{indent}{name}:"]
            for year in sorted(value):
                lines.append(f"{indent}  {year}: {_scalar(value[year])}")
            return lines
        return [f"{indent}{name}: {_scalar(value)}"]


def _depth_first(slots: dict[int, Slot]):
    def key(slot: Slot) -> tuple:
        path = []
        while slot is not None:
            path.append(slot.index)
            slot = slot.parent
        return tuple(reversed(path))
    return key


@dataclass(frozen=True)
class _Symbol:
    name: str


@dataclass(frozen=True)
class _Quantity:
    value: Decimal
    attribute: Attribute
    units: object  # the rule base's UnitTable


def _plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _scalar(value) -> str:
    match value:
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case _Symbol(name=name):
            return name
        case _Quantity(value=number, attribute=attribute, units=units):
            return _quantity_text(number, attribute, units)
        case list():
            return "[" + ", ".join(_scalar(v) for v in value) + "]"
        case str():
            return json.dumps(value, ensure_ascii=False)
    raise EncodingError(f"cannot write {value!r}")


def _quantity_text(number: Decimal, attribute: Attribute, units) -> str:
    """`5000000元` is written `500万元` when the attribute is declared in 万元 and it divides."""
    if not attribute.type.dims:
        return _plain_number(number)
    if attribute.declared_unit:
        info = units.resolve(attribute.declared_unit)
        try:
            scaled = EXACT.divide(number, info.scale)
            if scaled == scaled.to_integral_value() or len(_plain_number(scaled)) <= 12:
                return f"{_plain_number(scaled)}{attribute.declared_unit}"
        except Exception:  # noqa: BLE001 - an inexact division keeps the base unit
            pass
    base = units.base_of.get(attribute.type.dims)
    if base is None:
        raise EncodingError(f"no unit to write `{attribute.qualified}` in")
    return f"{_plain_number(number)}{base}"


# ---- choosing facts ---------------------------------------------------------------------------

def satisfied_alternative(builder: ProfileBuilder, instance: Instance):
    for alternative in instance.alternatives:
        if z3.is_true(builder.evaluate(alternative.formula)):
            return alternative
    return None


def minimal_profile(scenario: Scenario, model: z3.ModelRef, positive: list[Instance],
                    header: list[str], facts: list[FactRef] | None = None,
                    overrides: dict[tuple[int, str], object] | None = None,
                    subjects: list[Slot] = ()) -> tuple[str, tuple[str, ...]]:
    """Only the records and facts the positive instances read in the alternative that held.

    `facts` replaces that choice (a tier-gap witness keeps all checks but the tier's);
    `overrides` sets a field to another value (the counterfactual with a covered tier).
    """
    builder = ProfileBuilder(scenario, model)
    for instance in positive:
        builder.add_slot(instance.subject)
    for slot in subjects:
        builder.add_slot(slot)
    chosen: list[FactRef] = list(facts or [])
    if facts is None:
        for instance in positive:
            alternative = satisfied_alternative(builder, instance)
            if alternative is None:
                continue
            for slot in alternative.subjects.values():
                builder.add_slot(slot)
            chosen.extend(alternative.facts)
    for fact in chosen:
        if fact.member is not None:
            builder.add_member(fact.slot, fact.attribute, fact.member, fact.year)
        else:
            _, value, _ = scenario.value(fact.slot, fact.attribute, fact.year)
            builder.add_value(fact.slot, fact.attribute, fact.year, value)
    for (index, name), value in (overrides or {}).items():
        builder.records[index][name] = value
    return builder.text(header), builder.summary()


def full_profile(scenario: Scenario, model: z3.ModelRef, instances: list[Instance],
                 header: list[str], attributes: set[tuple[str, str]]) -> tuple[str, tuple[str, ...]]:
    """Every fact among `attributes` that the model makes true on the instances' records."""
    builder = ProfileBuilder(scenario, model)
    wanted: set[int] = set()
    for instance in instances:
        builder.add_slot(instance.subject)
        for slot in list(instance.scope.values()) + instance.own_slots:
            wanted.add(slot.index)
    for slot, name, year, present, value in scenario.fact_terms():
        if slot.index in wanted and (slot.kind, name) in attributes \
                and z3.is_true(builder.evaluate(present)):
            builder.add_value(slot, name, year, value)
    for slot, name, member, year, holds in scenario.member_terms():
        if slot.index in wanted and (slot.kind, name) in attributes \
                and z3.is_true(builder.evaluate(holds)):
            builder.add_member(slot, name, member, year)
    return builder.text(header), builder.summary()


# ---- the evaluator's verdict ------------------------------------------------------------------

class Verifier:
    """Runs witnesses through `PolicyEngine.qualify`.

    One engine per set of provisions, reused: the rule base is restricted to the provisions a
    finding is about (and their neighbours of the same kind), which the evaluator compiles and
    runs exactly as it would the whole rule base.
    """

    def __init__(self, rule_base: RuleBase):
        self.rule_base = rule_base
        self._engines: dict[tuple[str, ...], PolicyEngine] = {}
        self._attributes: dict[tuple[str, ...], set] = {}
        self._results: dict[tuple, QualifyResult] = {}
        self.runs = 0

    def attributes_for(self, provisions: tuple[str, ...], attributes_read) -> None:
        """Tell the verifier which attributes those provisions read (the engine declares only
        these as fact predicates; declaring all ~150 costs more than the evaluation)."""
        key = tuple(sorted(set(provisions)))
        if key not in self._attributes:
            read = set()
            for provision in key:
                read |= attributes_read(provision)
            self._attributes[key] = read

    def engine(self, provisions: tuple[str, ...]) -> PolicyEngine:
        key = tuple(sorted(set(provisions)))
        if key not in self._engines:
            restricted = copy.copy(self.rule_base)
            restricted.provisions = {p: info for p, info in self.rule_base.provisions.items()
                                     if p in key}
            if key in self._attributes:
                restricted.attributes = {k: a for k, a in self.rule_base.attributes.items()
                                         if k in self._attributes[key]}
            self._engines[key] = PolicyEngine(restricted)
        return self._engines[key]

    def qualify(self, profile_text: str, provisions: tuple[str, ...]) -> QualifyResult:
        key = (profile_text, tuple(sorted(set(provisions))))
        if key not in self._results:
            profile = load_profile_text(profile_text, self.rule_base, file="<witness>")
            self._results[key] = self.engine(provisions).qualify(profile)
            self.runs += 1
        return self._results[key]


Expectation = Callable[[QualifyResult], tuple[bool, list[str]]]


def awards_on(result: QualifyResult, provision: str, kind: str, record_id: str) -> list[Award]:
    return [a for a in result.awards if a.provision == provision
            and (kind, record_id) in a.subjects]


def describe(award: Award | None, provision: str) -> str:
    if award is None:
        return f"{provision}: no award"
    what = "informational" if award.amount is None else str(award.amount)
    note = f" (not paid: not cumulative with {award.excluded_by})" if award.excluded_by else ""
    return f"{provision}: {what}{note}"


def expect_fire(provisions: list[str], kind: str, record_id: str,
                differ: bool = False) -> Expectation:
    """Each provision awards on the record; with `differ`, the first two amounts differ."""

    def check(result: QualifyResult) -> tuple[bool, list[str]]:
        found = [next(iter(awards_on(result, p, kind, record_id)), None) for p in provisions]
        evidence = [describe(a, p) for a, p in zip(found, provisions)]
        ok = all(a is not None for a in found)
        if ok and differ:
            first, second = found[0].amount, found[1].amount
            ok = _money_key(first) != _money_key(second)
        return ok, evidence

    return check


def expect_split(fires: list[str], silent: list[str], kind: str, record_id: str) -> Expectation:
    """The `fires` provisions award on the record and the `silent` ones do not."""

    def check(result: QualifyResult) -> tuple[bool, list[str]]:
        evidence, ok = [], True
        for provision in fires:
            award = next(iter(awards_on(result, provision, kind, record_id)), None)
            evidence.append(describe(award, provision))
            ok = ok and award is not None
        for provision in silent:
            award = next(iter(awards_on(result, provision, kind, record_id)), None)
            evidence.append(describe(award, provision))
            ok = ok and award is None
        return ok, evidence

    return check


def _money_key(money: Money | None):
    return None if money is None else (money.low, money.high)
