"""Datalog IR → z3: a provision's firing condition as a formula over one small world of records.

A `Scenario` is that world: the subject chain a provision pays per (企业 → 项目), shared by every
provision instantiated in it, plus one fresh record for each `exists` a provision asks for. Each
record is a `Slot`; each attribute of a slot is a pair of z3 terms, *present* (the profile states
the fact) and *value*. Per-year attributes are z3 functions from the year to those two.

The translation follows the engine's semantics literally, from the IR the engine runs:
- an attribute atom holds when the fact is present; its value variable becomes the value term;
- `V == expr` with `V` unbound binds `V` (a year index, say); any other comparison constrains;
- `not …` is the negation of the `neg@…` rules' bodies, and an `exists` inside a negation ranges
  over every record of that kind in the scenario (the witness has no others);
- a provision used negatively (`P and not Q`) also reads its `exists` over all records.

Numbers: values are in base units (元, 吨). `decimal` attributes are z3 reals — exact rationals,
so "disjoint" is a proof about every profile, not only those on a grid; `integer` attributes,
years and enumeration members are z3 integers. Constants enter as exact decimals, never floats.
Facts are non-negative and below 10^18 base units, as the profile loader demands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import z3

from ...dsl import ast
from ...dsl.checker import Attribute, RuleBase
from ...dsl.diagnostics import Span
from ...dsl.units import EXACT
from ..ir import (Alternative, Arith, Atom, Check, CompiledProvision, Comparison, Const, Literal,
                  Negation, Program, Rule, Term, Var)
from ..profiles import MAX_MAGNITUDE, MAX_YEAR, MIN_YEAR

OTHER_TEXT = -1  # a text value equal to no literal in the rules


class EncodingError(Exception):
    """A construct the translation does not cover; the provision is left out of the analysis."""


@dataclass(eq=False)
class Slot:
    """One record of the witness profile: its kind, its parent record and its id there."""

    index: int
    kind: str
    parent: "Slot | None"
    record_id: str

    def __repr__(self) -> str:
        return f"Slot({self.kind} {self.record_id})"


@dataclass(frozen=True)
class FactRef:
    """A fact an alternative reads positively: what goes into a minimal witness."""

    slot: Slot
    attribute: str
    year: z3.ArithRef | None = None
    member: str | None = None


@dataclass
class CheckFormula:
    check: Check
    formula: z3.BoolRef
    facts: list[FactRef]  # the facts this check reads positively


@dataclass
class AlternativeFormula:
    alternative: Alternative
    subjects: dict[str, Slot]  # subject variable → slot
    checks: list[CheckFormula]

    @property
    def formula(self) -> z3.BoolRef:
        return z3.And(*[c.formula for c in self.checks]) if self.checks else z3.BoolVal(True)

    @property
    def facts(self) -> list[FactRef]:
        return [fact for check in self.checks for fact in check.facts]

    def formula_without(self, roles: set[str]) -> z3.BoolRef:
        kept = [c.formula for c in self.checks if c.check.role not in roles]
        return z3.And(*kept) if kept else z3.BoolVal(True)


@dataclass
class Instance:
    """One provision placed in a scenario: its scope is shared, its `exists` records are its own."""

    provision: str
    compiled: CompiledProvision
    scope: dict[str, Slot]  # kind → slot, the subject and its ancestors
    own_slots: list[Slot]
    alternatives: list[AlternativeFormula] = field(default_factory=list)
    _negative: z3.BoolRef | None = None

    @property
    def subject(self) -> Slot:
        return self.scope[self.compiled.subject_kind]

    @property
    def positive(self) -> z3.BoolRef:
        return z3.Or(*[a.formula for a in self.alternatives]) if self.alternatives else z3.BoolVal(False)


@dataclass
class _Typed:
    term: z3.ExprRef
    type: tuple  # ("number",) ("year",) ("bool",) ("text",) ("enum", name) ("int",)


class Scenario:
    """A small world of records in which provisions are instantiated and compared."""

    def __init__(self, encoder: "Encoder", name: str = "s"):
        self.encoder = encoder
        self.rule_base = encoder.rule_base
        self.name = name
        self.slots: list[Slot] = []
        self.background: list[z3.BoolRef] = []
        self._values: dict[tuple, tuple[z3.ExprRef, z3.ExprRef]] = {}
        self._functions: dict[tuple, tuple[z3.FuncDeclRef, z3.FuncDeclRef]] = {}
        self._year_points: dict[tuple, list[z3.ArithRef]] = {}
        self._members: dict[tuple, z3.ExprRef] = {}
        self._counts: dict[str, int] = {}
        self._frozen = False
        self.instances: list[Instance] = []

    # -- records
    def slot(self, kind: str, parent: Slot | None) -> Slot:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        number = self._counts[kind]
        record_id = f"{kind}{number}" if parent is not None else f"示例{kind}"
        if parent is None and number > 1:
            record_id = f"示例{kind}{number}"
        slot = Slot(len(self.slots), kind, parent, record_id)
        self.slots.append(slot)
        return slot

    def chain(self, kind: str) -> dict[str, Slot]:
        """Slots for `kind` and its ancestors, root first: the scope a provision pays within."""
        scope: dict[str, Slot] = {}
        parent = None
        for ancestor in reversed(self.rule_base.ancestors(kind)):
            parent = self.slot(ancestor, parent)
            scope[ancestor] = parent
        return scope

    def universe(self, kind: str, parent: Slot | None) -> list[Slot]:
        return [s for s in self.slots if s.kind == kind and s.parent is parent]

    # -- facts
    def _attribute(self, kind: str, name: str) -> Attribute:
        try:
            return self.rule_base.attributes[(kind, name)]
        except KeyError:
            raise EncodingError(f"unknown attribute `{kind}.{name}`") from None

    def _sort(self, attribute: Attribute) -> z3.SortRef:
        match attribute.type.base:
            case "bool":
                return z3.BoolSort()
            case "number":
                return z3.IntSort() if attribute.decl.type.base == "integer" else z3.RealSort()
            case "year" | "enum" | "text":
                return z3.IntSort()
        raise EncodingError(f"`{attribute.qualified}` has no value sort")

    def _domain(self, attribute: Attribute, value: z3.ExprRef) -> z3.BoolRef | None:
        match attribute.type.base:
            case "number":
                return z3.And(value >= 0, value < int(MAX_MAGNITUDE))
            case "year":
                return z3.And(value >= MIN_YEAR, value <= MAX_YEAR)
            case "enum":
                return z3.And(value >= 0, value < len(self.rule_base.enums[attribute.type.enum].members))
            case "text":
                return z3.And(value >= OTHER_TEXT, value < len(self.encoder.texts))
        return None

    def value(self, slot: Slot, name: str, year: z3.ArithRef | None = None
              ) -> tuple[z3.BoolRef, z3.ExprRef, Attribute]:
        """(present, value, attribute) of `slot`'s attribute, at `year` for a per-year one."""
        attribute = self._attribute(slot.kind, name)
        if attribute.type.base == "set":
            raise EncodingError(f"`{attribute.qualified}` is a set; use `member`")
        tag = f"{self.name}|{slot.index}|{name}"
        if attribute.per_year:
            if year is None:
                raise EncodingError(f"`{attribute.qualified}` needs a year")
            key = (slot.index, name)
            if key not in self._functions:
                self._functions[key] = (z3.Function(f"present|{tag}", z3.IntSort(), z3.BoolSort()),
                                        z3.Function(f"value|{tag}", z3.IntSort(), self._sort(attribute)))
            present_f, value_f = self._functions[key]
            present, value = present_f(year), value_f(year)
            points = self._year_points.setdefault(key, [])
            if not any(z3.eq(year, p) for p in points):
                points.append(year)
                domain = self._domain(attribute, value)
                self.background.append(z3.Implies(present, z3.And(year >= MIN_YEAR, year <= MAX_YEAR)))
                if domain is not None:
                    self.background.append(domain)
            return present, value, attribute
        key = (slot.index, name)
        if key not in self._values:
            present = z3.Bool(f"present|{tag}")
            value = z3.Const(f"value|{tag}", self._sort(attribute))
            self._values[key] = (present, value)
            domain = self._domain(attribute, value)
            if domain is not None:
                self.background.append(domain)
        present, value = self._values[key]
        return present, value, attribute

    def member(self, slot: Slot, name: str, member: str, year: z3.ArithRef | None = None) -> z3.BoolRef:
        attribute = self._attribute(slot.kind, name)
        if attribute.type.base != "set":
            raise EncodingError(f"`{attribute.qualified}` is not a set")
        tag = f"{self.name}|{slot.index}|{name}|{member}"
        if attribute.per_year:
            if year is None:
                raise EncodingError(f"`{attribute.qualified}` needs a year")
            key = (slot.index, name, member)
            if key not in self._members:
                self._members[key] = z3.Function(f"member|{tag}", z3.IntSort(), z3.BoolSort())
            points = self._year_points.setdefault((slot.index, name), [])
            if not any(z3.eq(year, p) for p in points):
                points.append(year)
            holds = self._members[key](year)
            self.background.append(z3.Implies(holds, z3.And(year >= MIN_YEAR, year <= MAX_YEAR)))
            return holds
        key = (slot.index, name, member)
        if key not in self._members:
            self._members[key] = z3.Bool(f"member|{tag}")
        return self._members[key]

    # -- what a model says about the facts (for witnesses)
    def fact_terms(self):
        """Every (slot, attribute, year points, (present, value) or members) the scenario made."""
        for (index, name), (present, value) in self._values.items():
            yield self.slots[index], name, None, present, value
        for (index, name), (present_f, value_f) in self._functions.items():
            for year in self._year_points.get((index, name), []):
                yield self.slots[index], name, year, present_f(year), value_f(year)

    def member_terms(self):
        for (index, name, member), holds in self._members.items():
            attribute = self.rule_base.attributes[(self.slots[index].kind, name)]
            if attribute.per_year:
                for year in self._year_points.get((index, name), []):
                    yield self.slots[index], name, member, year, holds(year)
            else:
                yield self.slots[index], name, member, None, holds

    def member_term(self, slot: Slot, name: str, member: str, year) -> z3.BoolRef:
        return self.member(slot, name, member, year)

    # -- provisions
    def instantiate(self, provision: str, scope: dict[str, Slot] | None = None) -> Instance:
        """Place a provision: its scope slots (made if not given) and a slot per `exists`."""
        if self._frozen:
            raise RuntimeError("instantiate every provision before translating any")
        compiled = self.encoder.compiled(provision)
        if scope is None:
            scope = self.chain(compiled.subject_kind)
        needed = set(self.rule_base.ancestors(compiled.subject_kind))
        if not needed <= set(scope):
            raise EncodingError(f"`{provision}` needs a `{compiled.subject_kind}` scope")
        instance = Instance(provision, compiled, {k: scope[k] for k in needed}, [])
        scope_vars = {var: instance.scope[kind] for kind, var in compiled.scope}
        for alternative in compiled.alternatives:
            subjects = dict(scope_vars)
            for subject in alternative.subjects:
                if subject.var in subjects:
                    continue
                parent = subjects.get(subject.parent_var) if subject.parent_var else None
                if subject.parent_var is not None and parent is None:
                    raise EncodingError(f"`{provision}`: record `{subject.var}` has no parent")
                slot = self.slot(subject.kind, parent)
                instance.own_slots.append(slot)
                subjects[subject.var] = slot
            instance.alternatives.append(AlternativeFormula(alternative, subjects, []))
        self.instances.append(instance)
        return instance

    def freeze(self) -> dict[str, str]:
        """Translate every instance; from now on the set of records is fixed.

        Returns the provisions that could not be translated, with the reason; they are dropped.
        """
        if self._frozen:
            return {}
        self._frozen = True
        failures: dict[str, str] = {}
        for instance in list(self.instances):
            try:
                for alt in instance.alternatives:
                    env: dict[str, object] = dict(alt.subjects)
                    types: dict[str, tuple] = {}
                    for check in alt.alternative.checks:
                        facts: list[FactRef] = []
                        formula = self._literals(list(check.literals), env, types, facts, universe=False)
                        alt.checks.append(CheckFormula(check, formula, facts))
                self.negative(instance)
            except EncodingError as exc:
                failures[instance.provision] = str(exc)
                self.instances.remove(instance)
        return failures

    def negative(self, instance: Instance) -> z3.BoolRef:
        """The provision does not fire on this scope: every record is tried for its `exists`."""
        if not self._frozen:
            raise RuntimeError("freeze the scenario first")
        if instance._negative is None:
            scope_vars = {var: instance.scope[kind] for kind, var in instance.compiled.scope}
            fires = []
            for alternative in instance.compiled.alternatives:
                literals = [lit for check in alternative.checks for lit in check.literals]
                fires.append(self._literals(literals, dict(scope_vars), {}, None, universe=True))
            instance._negative = z3.Not(z3.Or(*fires)) if fires else z3.BoolVal(True)
        return instance._negative

    # -- literal translation
    def _literals(self, literals: list[Literal], env: dict[str, object], types: dict[str, tuple],
                  facts: list[FactRef] | None, universe: bool) -> z3.BoolRef:
        parts: list[z3.BoolRef] = []
        for position, literal in enumerate(literals):
            match literal:
                case Atom(predicate=predicate, args=args) if predicate in self.rule_base.kinds:
                    var = _var_name(args[0])
                    if var in env:
                        continue
                    if not universe:
                        raise EncodingError(f"record variable `{var}` is not bound")
                    parent = env.get(_var_name(args[1])) if len(args) > 1 else None
                    choices = []
                    for slot in self.universe(predicate, parent):
                        inner_env, inner_types = dict(env), dict(types)
                        inner_env[var] = slot
                        choices.append(self._literals(literals[position + 1:], inner_env, inner_types,
                                                      None, universe))
                    parts.append(z3.Or(*choices) if choices else z3.BoolVal(False))
                    return z3.And(*parts)
                case Atom():
                    parts.append(self._attribute_atom(literal, env, types, facts))
                case Comparison():
                    formula = self._comparison(literal, env, types)
                    if formula is not None:
                        parts.append(formula)
                case Negation(atom=atom):
                    parts.append(z3.Not(self._negated(atom, env)))
                case _:
                    raise EncodingError(f"unknown literal {literal!r}")
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def _negated(self, atom: Atom, env: dict[str, object]) -> z3.BoolRef:
        rules = self.encoder.negation_rules.get(atom.predicate)
        if not rules:
            return z3.BoolVal(False)  # no rule: the negated predicate never holds
        bodies = []
        for rule in rules:
            inner: dict[str, object] = {}
            for head_arg, call_arg in zip(rule.head.args, atom.args):
                inner[_var_name(head_arg)] = env[_var_name(call_arg)]
            bodies.append(self._literals(list(rule.body), inner, {}, None, universe=True))
        return z3.Or(*bodies)

    def _attribute_atom(self, atom: Atom, env: dict[str, object], types: dict[str, tuple],
                        facts: list[FactRef] | None) -> z3.BoolRef:
        if "@" not in atom.predicate:
            raise EncodingError(f"unknown predicate `{atom.predicate}`")
        kind, name = atom.predicate.split("@", 1)
        slot = env.get(_var_name(atom.args[0]))
        if not isinstance(slot, Slot):
            raise EncodingError(f"`{atom.predicate}`: record not bound")
        attribute = self._attribute(kind, name)
        args = list(atom.args[1:])
        year = None
        if attribute.per_year:
            year = self._term(args.pop(0), env, types).term
        if attribute.type.base == "set":
            member_arg = args[0]
            if not isinstance(member_arg, Const):
                raise EncodingError(f"`{atom.predicate}`: a set member must be a constant")
            if facts is not None:
                facts.append(FactRef(slot, name, year, str(member_arg.value)))
            return self.member(slot, name, str(member_arg.value), year)
        present, value, attribute = self.value(slot, name, year)
        if facts is not None:
            facts.append(FactRef(slot, name, year))
        target = args[0]
        constraint = present
        if isinstance(target, Var) and target.name not in env:
            env[target.name] = value
            types[target.name] = _attribute_type(attribute)
        else:
            bound = self._term(target, env, types, expected=_attribute_type(attribute))
            constraint = z3.And(present, _equal(value, bound.term))
        return constraint

    def _term(self, term: Term, env: dict[str, object], types: dict[str, tuple],
              expected: tuple | None = None) -> _Typed:
        match term:
            case Var(name=name):
                if name not in env:
                    raise EncodingError(f"variable `{name}` is used before it is bound")
                value = env[name]
                if isinstance(value, Slot):
                    raise EncodingError(f"record variable `{name}` used as a value")
                return _Typed(value, types.get(name, ("number",)))
            case Const(value=value):
                return self._constant(value, expected)
            case Arith(op=op, left=left, right=right):
                lhs = self._term(left, env, types, ("number",))
                rhs = self._term(right, env, types, ("number",))
                kind = lhs.type if lhs.type == ("year",) or rhs.type == ("year",) else ("number",)
                a, b = lhs.term, rhs.term
                match op:
                    case "+":
                        return _Typed(a + b, kind)
                    case "-":
                        return _Typed(a - b, ("number",) if lhs.type == rhs.type == ("year",) else kind)
                    case "*":
                        return _Typed(a * b, ("number",))
                    case "/":
                        return _Typed(_real(a) / _real(b), ("number",))
        raise EncodingError(f"unknown term {term!r}")

    def _constant(self, value, expected: tuple | None) -> _Typed:
        if isinstance(value, bool):
            return _Typed(z3.BoolVal(value), ("bool",))
        if isinstance(value, int):
            return _Typed(z3.IntVal(value), ("int",))
        if isinstance(value, Decimal):
            return _Typed(decimal_value(value), ("number",))
        if isinstance(value, str):
            if expected and expected[0] == "enum":
                members = self.rule_base.enums[expected[1]].members
                if value not in members:
                    raise EncodingError(f"`{value}` is not a `{expected[1]}` value")
                return _Typed(z3.IntVal(members.index(value)), expected)
            return _Typed(z3.IntVal(self.encoder.text_id(value)), ("text",))
        raise EncodingError(f"unknown constant {value!r}")

    def _comparison(self, comparison: Comparison, env: dict[str, object],
                    types: dict[str, tuple]) -> z3.BoolRef | None:
        op, left, right = comparison.op, comparison.left, comparison.right
        if op == "==" and isinstance(left, Var) and left.name not in env:
            bound = self._term(right, env, types)
            env[left.name] = bound.term
            types[left.name] = bound.type
            return None
        if isinstance(left, Const) and not isinstance(right, Const):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        lhs = self._term(left, env, types)
        if op == "in":
            if not isinstance(right, Const) or not isinstance(right.value, tuple):
                raise EncodingError("`in` needs a list of constants")
            options = [self._constant(m, lhs.type).term for m in right.value]
            return z3.Or(*[_equal(lhs.term, o) for o in options]) if options else z3.BoolVal(False)
        rhs = self._term(right, env, types, expected=lhs.type)
        if lhs.type[0] == "enum" and rhs.type[0] == "enum" and lhs.type != rhs.type:
            raise EncodingError("comparison of two different enumerations")
        if (lhs.type[0] in ("text", "enum")) != (rhs.type[0] in ("text", "enum")):
            raise EncodingError("comparison of a name with a number")
        if lhs.type[0] == "enum" and rhs.type[0] == "text" or lhs.type[0] == "text" and rhs.type[0] == "enum":
            raise EncodingError("comparison of an enumeration with text")
        a, b = lhs.term, rhs.term
        match op:
            case "==":
                return _equal(a, b)
            case "!=":
                return z3.Not(_equal(a, b))
            case "<":
                return a < b
            case "<=":
                return a <= b
            case ">":
                return a > b
            case ">=":
                return a >= b
        raise EncodingError(f"unknown comparison `{op}`")

    # -- amounts, read from the AST with the scope's records
    def amount(self, instance: Instance) -> "MoneyTerms | None":
        """The provision's award on this scope, as the engine computes it (caps, floor at 0)."""
        try:
            return self._amount(instance)
        except z3.Z3Exception as exc:
            raise EncodingError(f"cannot translate the amount of `{instance.provision}`: {exc}") from None

    def _amount(self, instance: Instance) -> "MoneyTerms | None":
        provision = self.rule_base.provisions[instance.provision].provision
        amount = provision.amount
        if amount is None:
            return None
        evaluate = lambda expr: self.money(expr, instance.scope)  # noqa: E731
        match amount.form:
            case "tiers":
                key_present, key, _ = self.value(instance.scope[amount.tier_key.kind],
                                                 amount.tier_key.attribute,
                                                 self._year(amount.tier_key, instance.scope))
                members = self.rule_base.enums[
                    self.rule_base.attributes[(amount.tier_key.kind, amount.tier_key.attribute)].type.enum
                ].members
                value: z3.ArithRef = z3.RealVal(0)
                for tier in reversed(amount.tiers):
                    value = z3.If(key == members.index(tier.key), evaluate(tier.amount), value)
                low, high = value, value
            case "exact":
                low = high = evaluate(amount.value)
            case "up_to":
                low, high = z3.RealVal(0), evaluate(amount.value)
            case "at_least":
                low, high = evaluate(amount.value), None
            case _:
                raise EncodingError(f"unknown amount form `{amount.form}`")
        caps = [evaluate(cap) for cap in provision.caps]
        if caps:
            smallest = caps[0]
            for cap in caps[1:]:
                smallest = z3.If(cap < smallest, cap, smallest)
            high = smallest if high is None else z3.If(high < smallest, high, smallest)
            low = z3.If(low < smallest, low, smallest)
        negative = low < 0
        low = z3.If(negative, z3.RealVal(0), low)
        if high is not None:
            high = z3.If(z3.And(negative, high < 0), z3.RealVal(0), high)
        return MoneyTerms(low, high)

    def _year(self, ref: ast.Reference, scope: dict[str, Slot]) -> z3.ArithRef | None:
        return None if ref.year is None else self.year(ref.year, scope)

    def year(self, expr: ast.Expr, scope: dict[str, Slot]) -> z3.ArithRef:
        """A year index (`企业.申报年度 - 1`, `2025`) as a z3 integer."""
        match expr:
            case ast.Quantity(value=value, unit=None) if value == value.to_integral_value():
                return z3.IntVal(int(value))
            case ast.Reference(kind=kind, attribute=name) if kind in scope:
                _, value, attribute = self.value(scope[kind], name, self._year(expr, scope))
                if not z3.is_int(value):
                    raise EncodingError(f"`{attribute.qualified}` is not a year")
                return value
            case ast.BinaryOp(op="+" | "-" as op, left=left, right=right):
                a, b = self.year(left, scope), self.year(right, scope)
                return a + b if op == "+" else a - b
        raise EncodingError("a year index must be a year, a whole number, or a sum of them")

    def money(self, expr: ast.Expr, scope: dict[str, Slot]) -> z3.ArithRef:
        """A numeric AST expression over the scope's records, in base units."""
        match expr:
            case ast.Quantity(value=value, unit=unit):
                return decimal_value(self.rule_base.units.to_base(value, unit))
            case ast.Reference(kind=kind, attribute=name):
                if kind not in scope:
                    raise EncodingError(f"`{kind}` is not in scope for an amount")
                _, value, attribute = self.value(scope[kind], name, self._year(expr, scope))
                if attribute.type.base not in ("number", "year"):
                    raise EncodingError(f"`{attribute.qualified}` is not a number")
                return _real(value)
            case ast.Negate(operand=operand):
                return -self.money(operand, scope)
            case ast.BinaryOp(op=op, left=left, right=right):
                a, b = self.money(left, scope), self.money(right, scope)
                match op:
                    case "+":
                        return a + b
                    case "-":
                        return a - b
                    case "*":
                        return a * b
                    case "/":
                        return a / b
            case ast.Call(function=function, args=args):
                values = [self.money(a, scope) for a in args]
                pick = values[0]
                for other in values[1:]:
                    if function in ("min", "较小值"):
                        pick = z3.If(other < pick, other, pick)
                    else:
                        pick = z3.If(other > pick, other, pick)
                return pick
        raise EncodingError("not a numeric expression")


@dataclass
class MoneyTerms:
    low: z3.ArithRef
    high: z3.ArithRef | None  # None: no upper bound

    def clamp(self, limit: z3.ArithRef) -> "MoneyTerms":
        high = limit if self.high is None else z3.If(self.high < limit, self.high, limit)
        return MoneyTerms(z3.If(self.low < high, self.low, high), high)

    def differs(self, other: "MoneyTerms") -> z3.BoolRef:
        if (self.high is None) != (other.high is None):
            return z3.BoolVal(True)
        parts = [self.low != other.low]
        if self.high is not None and other.high is not None:
            parts.append(self.high != other.high)
        return z3.Or(*parts)


class Encoder:
    """Shared by every scenario of one rule base: the program and its lookup tables."""

    def __init__(self, rule_base: RuleBase, program: Program):
        self.rule_base = rule_base
        self.program = program
        self._compiled = {p.provision: p for p in program.provisions}
        self.negation_rules: dict[str, list[Rule]] = {}
        for rule in program.rules:
            if rule.head.predicate.startswith("neg@"):
                self.negation_rules.setdefault(rule.head.predicate, []).append(rule)
        self.texts: list[str] = []
        self._text_ids: dict[str, int] = {}

    def compiled(self, provision: str) -> CompiledProvision:
        try:
            return self._compiled[provision]
        except KeyError:
            raise EncodingError(f"`{provision}` was not compiled") from None

    def text_id(self, text: str) -> int:
        if text not in self._text_ids:
            self._text_ids[text] = len(self.texts)
            self.texts.append(text)
        return self._text_ids[text]

    def scenario(self, name: str = "s") -> Scenario:
        return Scenario(self, name)


# ---- helpers ---------------------------------------------------------------------------------

def _var_name(term: Term) -> str:
    if not isinstance(term, Var):
        raise EncodingError(f"expected a variable, got {term!r}")
    return term.name


def _attribute_type(attribute: Attribute) -> tuple:
    match attribute.type.base:
        case "enum":
            return ("enum", attribute.type.enum)
        case "number":
            return ("number",)
        case other:
            return (other,)


def _real(term: z3.ExprRef) -> z3.ArithRef:
    if z3.is_int(term):
        return z3.ToReal(term)
    return term


def _equal(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    if z3.is_bool(a) != z3.is_bool(b):
        raise EncodingError("comparison of a truth value with a number")
    if z3.is_bool(a):
        return a == b
    if z3.is_int(a) and z3.is_int(b):
        return a == b
    return _real(a) == _real(b)


def decimal_value(value: Decimal) -> z3.ArithRef:
    """An exact z3 rational for a Decimal: `Decimal('0.2')` → 1/5, never a float."""
    fraction = Fraction(value)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


def model_decimal(value: z3.ExprRef) -> Decimal | None:
    """A model's numeric value as an exact Decimal, or None if it has no finite decimal form."""
    if z3.is_int_value(value):
        return Decimal(value.as_long())
    if z3.is_rational_value(value):
        fraction = value.as_fraction()
        denominator = fraction.denominator
        for prime in (2, 5):
            while denominator % prime == 0:
                denominator //= prime
        if denominator != 1:
            return None
        return EXACT.divide(Decimal(fraction.numerator), Decimal(fraction.denominator))
    if z3.is_algebraic_value(value):
        return None
    raise EncodingError(f"not a number: {value}")


def spans_of(check: Check) -> Span | None:
    return check.condition.span if check.condition is not None else None
