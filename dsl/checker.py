"""AST → checked rule base: names, types, units and scopes.

Errors pile up within the pass and are reported together (Catala's habit): a drafter sees every
unit mismatch in the file at once, not one per run.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, assert_never

from . import ast
from .diagnostics import Diagnostic, Span, error, warning
from .units import DIMENSIONLESS, MONEY_DIMENSION, Dims, UnitTable, combine

# ---- types -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Type:
    """bool | number(dims) | text | enum(name) | set(enum) | year."""

    base: str
    dims: Dims = DIMENSIONLESS
    enum: str | None = None

    def describe(self, units: UnitTable) -> str:
        match self.base:
            case "number":
                return f"a number in {units.describe(self.dims)}" if self.dims else "a plain number"
            case "enum":
                return f"a `{self.enum}` value"
            case "set":
                return f"a set of `{self.enum}`"
            case _:
                return f"a {self.base}"


BOOL = Type("bool")
TEXT = Type("text")
YEAR = Type("year")
NUMBER = Type("number")
MONEY = Type("number", ((MONEY_DIMENSION, 1),))


@dataclass(frozen=True, slots=True)
class Attribute:
    kind: str
    name: str
    type: Type
    per_year: bool
    declared_unit: str | None
    decl: ast.AttributeDecl

    @property
    def qualified(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass(frozen=True, slots=True)
class ProvisionInfo:
    provision: ast.Provision
    clause: ast.Clause
    policy: ast.Policy
    subject: str  # the kind it pays per

    @property
    def id(self) -> str:
        return self.provision.id


@dataclass
class RuleBase:
    """The checked rule base: declarations and policies, with lookup tables."""

    modules: tuple[ast.Module, ...]
    units: UnitTable
    kinds: dict[str, ast.SubjectDecl]
    enums: dict[str, ast.EnumDecl]
    attributes: dict[tuple[str, str], Attribute]
    payers: dict[str, ast.PayerDecl]
    policies: dict[str, ast.Policy]
    provisions: dict[str, ProvisionInfo]
    clauses: dict[str, tuple[ast.Clause, ast.Policy]]
    sources: dict[str, str] = field(default_factory=dict)  # file -> text
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def root_kinds(self) -> list[str]:
        return [k for k, d in self.kinds.items() if d.parent is None]

    def ancestors(self, kind: str) -> list[str]:
        """The kind itself, then its parent, up to the root."""
        chain = []
        while kind is not None and kind not in chain:
            chain.append(kind)
            kind = self.kinds[kind].parent if kind in self.kinds else None
        return chain

    def children(self, kind: str) -> list[str]:
        return [k for k, d in self.kinds.items() if d.parent == kind]

    def attributes_of(self, kind: str) -> list[Attribute]:
        return [a for (k, _), a in self.attributes.items() if k == kind]

    def type_of_reference(self, ref: ast.Reference) -> Type:
        return self.attributes[(ref.kind, ref.attribute)].type

    def payer_shares(self, info: ProvisionInfo) -> tuple[tuple[str, Decimal], ...]:
        """(payer, fraction) pairs; a provision without `payer` uses its policy's default."""
        shares = info.provision.payers or info.policy.default_payers
        if not shares:
            return ()
        if len(shares) == 1 and shares[0].share is None:
            return ((shares[0].payer, Decimal(1)),)
        return tuple((s.payer, self.units.to_base(s.share.value, s.share.unit)) for s in shares
                     if s.share is not None)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return f"did you mean `{close[0]}`?" if close else None


_PROVISION_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[0-9]+)+[a-z]?$")


class Checker:
    def __init__(self, modules: tuple[ast.Module, ...]):
        self.modules = modules
        self.diagnostics: list[Diagnostic] = []
        self.units = UnitTable()
        self.kinds: dict[str, ast.SubjectDecl] = {}
        self.enums: dict[str, ast.EnumDecl] = {}
        self.attributes: dict[tuple[str, str], Attribute] = {}
        self.payers: dict[str, ast.PayerDecl] = {}
        self.policies: dict[str, ast.Policy] = {}
        self.provisions: dict[str, ProvisionInfo] = {}
        self.clauses: dict[str, tuple[ast.Clause, ast.Policy]] = {}

    # -- reporting
    def err(self, code: str, name: str, message: str, span: Span | None, help: str | None = None):
        self.diagnostics.append(error(code, name, message, span, help=help))

    def warn(self, code: str, name: str, message: str, span: Span | None, help: str | None = None):
        self.diagnostics.append(warning(code, name, message, span, help=help))

    def _duplicate(self, what: str, name: str, span: Span | None, first: Span | None) -> None:
        self.diagnostics.append(Diagnostic(
            "E105", "duplicate-definition", _sev_error(), f"{what} `{name}` is defined twice", span,
            related=((f"first definition of `{name}`", first),) if first else (),
            help="remove or rename one of them"))

    # -- passes, in order: units before attributes (attributes name units), declarations
    #    before policies (policies use them), provisions indexed before cross references.
    def run(self) -> RuleBase:
        items = [item for m in self.modules for item in m.items]
        for item in items:
            if isinstance(item, ast.DimensionDecl):
                if item.name in self.units.dimensions:
                    self._duplicate("dimension", item.name, item.span, None)
                self.units.add_dimension(item.name, item.base_unit)
        for item in items:
            if isinstance(item, ast.UnitDecl):
                self._declare_unit(item)
        for item in items:
            match item:
                case ast.SubjectDecl():
                    if item.name in self.kinds:
                        self._duplicate("subject", item.name, item.span, self.kinds[item.name].span)
                    self.kinds.setdefault(item.name, item)
                case ast.EnumDecl():
                    if item.name in self.enums:
                        self._duplicate("enum", item.name, item.span, self.enums[item.name].span)
                    self.enums.setdefault(item.name, item)
                case ast.PayerDecl():
                    if item.name in self.payers:
                        self._duplicate("payer", item.name, item.span, self.payers[item.name].span)
                    self.payers.setdefault(item.name, item)
        for kind in self.kinds.values():
            if kind.parent is not None and kind.parent not in self.kinds:
                self._undefined("subject", kind.parent, self.kinds, kind.span)
        self._check_kind_cycles()
        for item in items:
            if isinstance(item, ast.AttributeDecl):
                self._declare_attribute(item)
        for item in items:
            if isinstance(item, ast.Policy):
                if item.id in self.policies:
                    self._duplicate("policy", item.id, item.span, self.policies[item.id].span)
                    continue
                self.policies[item.id] = item
                self._index_policy(item)
        for policy in self.policies.values():
            self._check_policy(policy)
        return RuleBase(self.modules, self.units, self.kinds, self.enums, self.attributes,
                        self.payers, self.policies, self.provisions, self.clauses,
                        diagnostics=tuple(self.diagnostics))

    def _undefined(self, what: str, name: str, candidates: Iterable[str], span: Span | None,
                   extra: str | None = None) -> None:
        hint = did_you_mean(name, candidates)
        help = " ".join(x for x in (hint, extra) if x) or None
        self.err("E103", "undefined-name", f"undefined {what} `{name}`", span, help)

    def _declare_unit(self, item: ast.UnitDecl) -> None:
        if self.units.known(item.name):
            self._duplicate("unit", item.name, item.span, None)
            return
        try:
            added = self.units.add_unit(item.name, item.definition.value, item.definition.unit or "")
        except ValueError as exc:
            self.err("E115", "inexact-unit", str(exc), item.definition.span,
                     "define it from a nearer unit, with a shorter factor")
            return
        if added is None:
            self.err("E102", "unknown-unit", f"unit `{item.definition.unit}` is not declared",
                     item.definition.span, "declare it with `dimension` or `unit` first")

    def _check_kind_cycles(self) -> None:
        for name in self.kinds:
            seen, kind = set(), name
            while kind in self.kinds and self.kinds[kind].parent is not None:
                if kind in seen:
                    self.err("E113", "subject-cycle", f"subject `{name}` is its own ancestor",
                             self.kinds[name].span)
                    break
                seen.add(kind)
                kind = self.kinds[kind].parent

    def _declare_attribute(self, item: ast.AttributeDecl) -> None:
        if item.kind not in self.kinds:
            self._undefined("subject", item.kind, self.kinds, item.span)
            return
        key = (item.kind, item.name)
        if key in self.attributes:
            self._duplicate("attribute", f"{item.kind}.{item.name}", item.span,
                            self.attributes[key].decl.span)
            return
        spec = item.type
        match spec.base:
            case "bool":
                type_ = BOOL
            case "text":
                type_ = TEXT
            case "year":
                type_ = YEAR
            case "integer" | "decimal":
                dims: Dims = DIMENSIONLESS
                if spec.unit is not None:
                    info = self.units.resolve(spec.unit)
                    if info is None:
                        self.err("E102", "unknown-unit", f"unit `{spec.unit}` is not declared",
                                 spec.span, did_you_mean(spec.unit, self.units.names()))
                        return
                    dims = info.dims
                type_ = Type("number", dims)
            case "set" | "enum":
                if spec.enum not in self.enums:
                    self._undefined("enum", spec.enum or "", self.enums, spec.span)
                    return
                type_ = Type(spec.base, enum=spec.enum)
            case other:  # pragma: no cover - the grammar admits no other
                raise AssertionError(other)
        self.attributes[key] = Attribute(item.kind, item.name, type_, item.per_year, spec.unit, item)

    def _index_policy(self, policy: ast.Policy) -> None:
        for clause in policy.clauses:
            if clause.id in self.clauses:
                self._duplicate("clause", clause.id, clause.span, self.clauses[clause.id][0].span)
                continue
            self.clauses[clause.id] = (clause, policy)
            if not clause.id.startswith(policy.id + "."):
                self.err("E109", "bad-id", f"clause `{clause.id}` is not numbered under policy "
                         f"`{policy.id}`", clause.span, f"write it as `{policy.id}.<number>`")
            for provision in clause.provisions:
                if provision.id in self.provisions:
                    self._duplicate("provision", provision.id, provision.span,
                                    self.provisions[provision.id].provision.span)
                    continue
                if not (provision.id == clause.id or
                        (provision.id[:-1] == clause.id and provision.id[-1].isalpha())):
                    self.err("E109", "bad-id", f"provision `{provision.id}` does not follow clause "
                             f"`{clause.id}`", provision.span,
                             f"use `{clause.id}` for a single benefit, or `{clause.id}a`, "
                             f"`{clause.id}b`, … for several")
                subject = provision.subject or (self.root_kind() or "")
                if provision.subject is not None and provision.subject not in self.kinds:
                    self._undefined("subject", provision.subject, self.kinds, provision.span)
                    subject = ""
                self.provisions[provision.id] = ProvisionInfo(provision, clause, policy, subject)

    def root_kind(self) -> str | None:
        roots = [k for k, d in self.kinds.items() if d.parent is None]
        return roots[0] if roots else None

    def _check_policy(self, policy: ast.Policy) -> None:
        self._check_payers(policy.default_payers, policy.span)
        for ref in policy.supersedes:
            if ref not in self.policies and ref not in self.provisions and ref not in self.clauses:
                self.warn("W101", "unknown-reference", f"`{ref}` is not in this rule base",
                          policy.span, "load the superseded policy too, or remove the line")
        for group in policy.not_cumulative:
            self._check_provision_refs(group.provisions, group.span)
        for allow in policy.allows:
            self._check_provision_refs(allow.provisions, allow.span)
        for clause in policy.clauses:
            if not clause.text.strip():
                self.err("E114", "missing-source-text", f"clause `{clause.id}` quotes no source text",
                         clause.span, 'add `text """…"""` with the clause as published')
            for cap in clause.total_caps:
                self._check_total_cap(cap)
            for provision in clause.provisions:
                info = self.provisions.get(provision.id)
                if info is not None and info.provision is provision:
                    self._check_provision(info)

    def _check_provision_refs(self, ids: tuple[str, ...], span: Span | None) -> None:
        for pid in ids:
            if pid not in self.provisions:
                self._undefined("provision", pid, self.provisions, span)

    def _check_total_cap(self, cap: ast.TotalCap) -> None:
        self._check_provision_refs(cap.provisions, cap.span)
        if cap.per_kind not in self.kinds:
            self._undefined("subject", cap.per_kind, self.kinds, cap.span)
        limit = self.type_of(cap.limit, scope=set(), where="total cap")
        if limit is not None and limit != MONEY:
            self.err("E104", "type-mismatch", f"a total cap must be money, not "
                     f"{limit.describe(self.units)}", cap.limit.span, "write it like `50万元`")

    def _check_payers(self, shares: tuple[ast.PayerShare, ...], span: Span | None) -> None:
        if not shares:
            return
        total = Decimal(0)
        for share in shares:
            if share.payer not in self.payers:
                self._undefined("payer", share.payer, self.payers, share.span,
                                "declare it with `payer NAME`")
            if share.share is not None:
                if share.share.unit != "%":
                    self.err("E107", "bad-payer-split", "a payer's share is a percentage",
                             share.share.span, "write it like `50%`")
                    return
                total += share.share.value
        if len(shares) > 1 or shares[0].share is not None:
            if any(s.share is None for s in shares) or total != 100:
                self.err("E107", "bad-payer-split", f"payer shares add up to {total}%, not 100%",
                         span, "give every payer a share, e.g. `payer 自治区 50%, 盟市 50%`")

    def _check_provision(self, info: ProvisionInfo) -> None:
        provision = info.provision
        if not info.subject:
            return
        scope = set(self._ancestors(info.subject))
        for when in provision.conditions:
            self._expect(when.condition, BOOL, scope, "a condition")
            for exception in when.exceptions:
                self._expect(exception.trigger, BOOL, scope, "an exception's trigger")
                self._expect(exception.replacement, BOOL, scope, "an exception's condition")
        amount = provision.amount
        if amount is None and provision.informational is None:
            self.err("E108", "missing-amount", f"provision `{provision.id}` says neither `amount` "
                     "nor `informational`", provision.span,
                     'add `amount …`, or `informational "…"` when the text gives no amount rule')
        if amount is not None:
            if amount.form == "tiers":
                self._check_tiers(amount, scope)
            elif amount.value is not None:
                self._expect(amount.value, MONEY, scope, "an amount")
        for cap in provision.caps:
            self._expect(cap, MONEY, scope, "a cap")
        self._check_payers(provision.payers, provision.span)
        if not provision.payers and not info.policy.default_payers and amount is not None:
            self.err("E107", "bad-payer-split", f"provision `{provision.id}` names no payer",
                     provision.span, "add `payer 自治区`, or `default payer …` to the policy")

    def _check_tiers(self, amount: ast.Amount, scope: set[str]) -> None:
        key = amount.tier_key
        key_type = self.type_of(key, scope, "a tier key") if key else None
        if key_type is None:
            return
        if key_type.base != "enum":
            self.err("E112", "bad-tier-table", "tiers are chosen by an enumeration attribute",
                     key.span, f"`{key.kind}.{key.attribute}` is {key_type.describe(self.units)}")
            return
        members = self.enums[key_type.enum].members
        seen: dict[str, Span | None] = {}
        for tier in amount.tiers:
            if tier.key not in members:
                self._undefined(f"`{key_type.enum}` value", tier.key, members, tier.span)
            if tier.key in seen:
                self._duplicate("tier", tier.key, tier.span, seen[tier.key])
            seen[tier.key] = tier.span
            self._expect(tier.amount, MONEY, scope, "a tier amount")

    def _ancestors(self, kind: str) -> list[str]:
        chain = []
        while kind in self.kinds and kind not in chain:
            chain.append(kind)
            kind = self.kinds[kind].parent  # type: ignore[assignment]
        return chain

    def _expect(self, expr: ast.Expr, expected: Type, scope: set[str], where: str) -> None:
        actual = self.type_of(expr, scope, where)
        if actual is None or actual == expected:
            return
        if expected.base == "number" and actual.base == "number":
            self.err("E101", "unit-mismatch", f"{where} must be in {self.units.describe(expected.dims)}"
                     f", but this is in {self.units.describe(actual.dims)}", expr.span,
                     "check the units of each quantity, e.g. `10元/吨 * 项目.年节水量`")
        else:
            self.err("E104", "type-mismatch", f"{where} must be {expected.describe(self.units)}, "
                     f"not {actual.describe(self.units)}", expr.span)

    # -- expression typing; returns None after reporting an error (no cascades)
    def type_of(self, expr: ast.Expr, scope: set[str], where: str) -> Type | None:
        match expr:
            case ast.Quantity(unit=unit):
                info = self.units.resolve(unit)
                if info is None and unit and all(self.units.known(u) for u in unit.split("/", 1)):
                    self.err("E115", "inexact-unit", f"`{unit}` has no exact decimal scale",
                             expr.span, "write the rate per a unit that divides evenly, e.g. per `吨`")
                    return None
                if info is None:
                    self.err("E102", "unknown-unit", f"unit `{unit}` is not declared", expr.span,
                             did_you_mean(unit or "", self.units.names()))
                    return None
                return Type("number", info.dims)
            case ast.BoolLiteral():
                return BOOL
            case ast.TextLiteral():
                return TEXT
            case ast.Symbol(name=name):
                # Only meaningful beside an enumeration (see Compare); alone it is a typo.
                names = [f"{k}.{n}" for (k, n) in self.attributes] + list(self.kinds)
                self._undefined("name", name, names + [m for e in self.enums.values() for m in e.members],
                                expr.span, "an attribute is written `主体.属性`, e.g. `企业.制造业`")
                return None
            case ast.Reference():
                return self._reference_type(expr, scope)
            case ast.Negate(operand=operand):
                t = self.type_of(operand, scope, where)
                if t is not None and t.base != "number":
                    self.err("E104", "type-mismatch", "only a number can be negated", expr.span)
                    return None
                return t
            case ast.BinaryOp(op=op, left=left, right=right):
                return self._binary_type(expr, op, left, right, scope, where)
            case ast.Call(function=function, args=args):
                types = [self.type_of(a, scope, where) for a in args]
                if function not in ("min", "max", "较小值", "较大值"):
                    self._undefined("function", function, ["min", "max"], expr.span)
                    return None
                if any(t is None for t in types):
                    return None
                if any(t != types[0] or t.base != "number" for t in types):
                    self.err("E101", "unit-mismatch", f"`{function}` needs numbers in one unit",
                             expr.span)
                    return None
                return types[0]
            case ast.Compare(op=op, left=left, right=right):
                if isinstance(right, ast.Symbol) or isinstance(left, ast.Symbol):
                    return self._compare_symbol(expr, scope, where)
                lt, rt = self.type_of(left, scope, where), self.type_of(right, scope, where)
                if lt is None or rt is None:
                    return BOOL
                if lt.base == "year" and rt.base == "number" and not rt.dims:
                    return BOOL  # `认定.年份 >= 2026`
                if rt.base == "year" and lt.base == "number" and not lt.dims:
                    return BOOL
                if lt.base == "number" and rt.base == "number" and lt.dims != rt.dims:
                    self.err("E101", "unit-mismatch", f"cannot compare {self.units.describe(lt.dims)}"
                             f" with {self.units.describe(rt.dims)}", expr.span,
                             f"compare against a quantity in {self.units.describe(lt.dims)}")
                elif lt.base == "enum" and isinstance(right, ast.TextLiteral | ast.Reference):
                    self._check_enum_literal(lt, right)
                elif lt != rt and not (lt.base == "enum" and rt.base == "text"):
                    self.err("E104", "type-mismatch", f"cannot compare {lt.describe(self.units)} "
                             f"with {rt.describe(self.units)}", expr.span)
                elif op not in ("=", "!=") and lt.base not in ("number", "year"):
                    self.err("E104", "type-mismatch", f"`{op}` needs numbers or years, not "
                             f"{lt.describe(self.units)}", expr.span, "use `=` or `in {…}`")
                return BOOL
            case ast.Member(operand=operand, members=members):
                t = self.type_of(operand, scope, where)
                if t is not None:
                    if t.base == "enum":
                        allowed = self.enums[t.enum].members
                        for member in members:
                            if member not in allowed:
                                self._undefined(f"`{t.enum}` value", member, allowed, expr.span)
                    elif t.base != "text":
                        self.err("E104", "type-mismatch", f"`in` needs an enumeration or text, not "
                                 f"{t.describe(self.units)}", expr.span)
                return BOOL
            case ast.Has(operand=operand, member=member):
                t = self.type_of(operand, scope, where)
                if t is not None:
                    if t.base != "set":
                        self.err("E104", "type-mismatch", f"`has` needs a set attribute, not "
                                 f"{t.describe(self.units)}", expr.span, "use `=` or `in {…}`")
                    elif member not in self.enums[t.enum].members:
                        self._undefined(f"`{t.enum}` value", member, self.enums[t.enum].members,
                                        expr.span)
                return BOOL
            case ast.Exists(kind=kind, body=body):
                if kind not in self.kinds:
                    self._undefined("subject", kind, self.kinds, expr.span)
                    return BOOL
                parent = self.kinds[kind].parent
                if parent not in scope:
                    self.err("E106", "unbound-subject", f"`exists {kind}` needs its owner "
                             f"`{parent}` in scope", expr.span,
                             f"use it in a provision `for` `{parent}` or one of its records")
                    return BOOL
                if kind in scope:
                    self.err("E106", "unbound-subject", f"`{kind}` is already bound here",
                             expr.span, "nested `exists` of one kind is not supported")
                    return BOOL
                self._expect(body, BOOL, scope | {kind}, "the body of `exists`")
                return BOOL
            case ast.Not(operand=operand):
                self._expect(operand, BOOL, scope, "the operand of `not`")
                return BOOL
            case ast.And(operands=operands) | ast.Or(operands=operands):
                for operand in operands:
                    self._expect(operand, BOOL, scope, f"an operand of `{type(expr).__name__.lower()}`")
                return BOOL
            case _:
                assert_never(expr)

    def _compare_symbol(self, expr: ast.Compare, scope: set[str], where: str) -> Type:
        value, symbol = (expr.left, expr.right) if isinstance(expr.right, ast.Symbol) else (expr.right, expr.left)
        if isinstance(value, ast.Symbol):
            self.type_of(value, scope, where)
            return BOOL
        t = self.type_of(value, scope, where)
        if t is None:
            return BOOL
        if t.base != "enum":
            self.err("E104", "type-mismatch", f"`{symbol.name}` is not a value of "
                     f"{t.describe(self.units)}", symbol.span,
                     "text values are quoted: \"…\"" if t.base == "text" else None)
        elif symbol.name not in self.enums[t.enum].members:
            self._undefined(f"`{t.enum}` value", symbol.name, self.enums[t.enum].members, symbol.span)
        if expr.op not in ("=", "!="):
            self.err("E104", "type-mismatch", f"`{expr.op}` needs numbers or years", expr.span,
                     "use `=` or `in {…}`")
        return BOOL

    def _check_enum_literal(self, enum_type: Type, right: ast.Expr) -> None:
        if isinstance(right, ast.TextLiteral):
            allowed = self.enums[enum_type.enum].members
            if right.value not in allowed:
                self._undefined(f"`{enum_type.enum}` value", right.value, allowed, right.span)

    def _reference_type(self, ref: ast.Reference, scope: set[str]) -> Type | None:
        if ref.kind not in self.kinds:
            # `项目.等级 = 先进级`: an enum member written bare parses as a reference only with a
            # dot; a bare kind name that is unknown is a typo.
            self._undefined("subject", ref.kind, self.kinds, ref.span)
            return None
        attribute = self.attributes.get((ref.kind, ref.attribute))
        if attribute is None:
            self._undefined(f"attribute of `{ref.kind}`", ref.attribute,
                            [n for (k, n) in self.attributes if k == ref.kind], ref.span)
            return None
        if ref.kind not in scope:
            self.err("E106", "unbound-subject", f"`{ref.kind}` is not bound here", ref.span,
                     f"wrap the condition in `exists {ref.kind} (…)`, or make the provision "
                     f"`for {ref.kind}`")
            return None
        if attribute.per_year and ref.year is None:
            self.err("E110", "missing-year", f"`{attribute.qualified}` is recorded per year; say "
                     "which", ref.span, f"write `{attribute.qualified}[2025]` or "
                     f"`{attribute.qualified}[企业.申报年度 - 1]`")
            return None
        if not attribute.per_year and ref.year is not None:
            self.err("E110", "unexpected-year", f"`{attribute.qualified}` is not recorded per year",
                     ref.span, "declare it `per year`, or drop the `[…]`")
            return None
        if ref.year is not None:
            year_type = self.type_of(ref.year, scope, "a year")
            if year_type is not None and year_type != YEAR and not (
                    year_type.base == "number" and not year_type.dims and isinstance(ref.year, ast.Quantity)):
                self.err("E104", "type-mismatch", f"a year index must be a year, not "
                         f"{year_type.describe(self.units)}", ref.year.span)
        return attribute.type

    def _binary_type(self, expr, op, left, right, scope, where) -> Type | None:
        lt, rt = self.type_of(left, scope, where), self.type_of(right, scope, where)
        if lt is None or rt is None:
            return None
        if op in "+-":
            if lt.base == "year" and rt.base == "number" and not rt.dims:
                return YEAR  # 企业.申报年度 - 1
            if lt.base == "year" and rt.base == "year" and op == "-":
                return NUMBER
            if lt.base != "number" or rt.base != "number":
                self.err("E104", "type-mismatch", f"`{op}` needs numbers", expr.span)
                return None
            if lt.dims != rt.dims:
                self.err("E101", "unit-mismatch", f"cannot {'add' if op == '+' else 'subtract'} "
                         f"{self.units.describe(rt.dims)} {'to' if op == '+' else 'from'} "
                         f"{self.units.describe(lt.dims)}", expr.span)
                return None
            return lt
        if lt.base != "number" or rt.base != "number":
            self.err("E104", "type-mismatch", f"`{op}` needs numbers, not "
                     f"{(lt if lt.base != 'number' else rt).describe(self.units)}", expr.span)
            return None
        return Type("number", combine(lt.dims, rt.dims, 1 if op == "*" else -1))


def _sev_error():
    from .diagnostics import Severity

    return Severity.ERROR


def check(modules: tuple[ast.Module, ...]) -> RuleBase:
    """Check parsed modules together; the result carries every diagnostic found."""
    return Checker(modules).run()
