"""Answers: which provisions a profile qualifies for, how much, who pays, and why.

`PolicyEngine` compiles a rule base once; `qualify(profile)` asserts the profile's facts, reads
the `fire@…` firings, and turns each into an `Award` whose trace is built from that firing's own
bindings: the conditions it checked, the facts (with file and line) that satisfied them, and the
arithmetic of the amount.

Stacking rules run after every award is known, in this order (later rules see earlier results):
1. `not cumulative A, B`: for one object, only the larger award is paid;
2. `total cap X per 企业 over A, B`: the sum over those provisions is capped, awards kept in
   order and the last ones cut.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..dsl import ast
from ..dsl.checker import ProvisionInfo, RuleBase
from ..dsl.diagnostics import PolicylogError, Span, error
from ..dsl.printer import SHOWN_OPERATOR, print_expr, shown_literal
from ..dsl.units import EXACT, format_money, format_number
from .amounts import AmountError, AmountEvaluator, Money, compute_amount
from .compiler import compile_rule_base
from .datalog import DatalogEngine
from .ir import Alternative, Atom, Check, CompiledProvision
from .profiles import Fact, Profile


@dataclass(frozen=True, slots=True)
class FactUse:
    """A fact a condition used: `项目.年节水量 = 6万吨`, from the profile at file:line."""

    name: str
    value: str
    source: Span | None
    record: str

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "record": self.record,
                "source": self.source.to_json() if self.source else None}


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    condition: str  # as written in the rule, canonical form
    role: str
    label: str | None
    detail: str  # the comparison with values: `6万吨 ≥ 5万吨`
    facts: tuple[FactUse, ...]
    span: Span | None

    def to_json(self) -> dict:
        return {"condition": self.condition, "role": self.role, "label": self.label,
                "detail": self.detail, "facts": [f.to_json() for f in self.facts],
                "rule_span": self.span.to_json() if self.span else None}


@dataclass(frozen=True, slots=True)
class Award:
    provision: str
    clause: str
    policy: str
    title: str
    clause_title: str
    clause_text: str
    subject_kind: str
    subject_id: str
    subjects: tuple[tuple[str, str], ...]  # (kind, id) from the root down
    amount: Money | None  # None: informational
    payers: tuple[tuple[str, Money], ...]
    informational: str | None
    conditions: tuple[ConditionTrace, ...]
    steps: tuple[str, ...]
    notes: tuple[str, ...]
    alternative: int
    rule_span: Span | None
    adjustments: tuple[str, ...] = ()
    excluded_by: str | None = None  # not paid: another award of a not-cumulative group wins

    @property
    def paid(self) -> bool:
        return self.excluded_by is None and self.amount is not None


@dataclass
class QualifyResult:
    profile: Profile
    policies: tuple[str, ...]
    awards: list[Award] = field(default_factory=list)

    def paid_awards(self) -> list[Award]:
        return [a for a in self.awards if a.paid]

    def totals_by(self, key) -> dict[str, Money]:
        totals: dict[str, list[Decimal | None]] = {}
        for award in self.paid_awards():
            for name, money in key(award):
                low, high = totals.setdefault(name, [Decimal(0), Decimal(0)])
                totals[name] = [low + money.low, None if high is None or money.high is None
                                else high + money.high]
        return {name: Money(low, high) for name, (low, high) in sorted(totals.items())}

    def totals_by_payer(self) -> dict[str, Money]:
        return self.totals_by(lambda a: a.payers)

    def totals_by_policy(self) -> dict[str, Money]:
        return self.totals_by(lambda a: [(a.policy, a.amount)])

    def total(self) -> Money:
        return self.totals_by(lambda a: [("all", a.amount)]).get("all", Money(Decimal(0), Decimal(0)))


class PolicyEngine:
    """A compiled rule base with its own pyDatalog knowledge base."""

    def __init__(self, rule_base: RuleBase, policies: set[str] | None = None):
        self.rule_base = rule_base
        self.policies = tuple(sorted(policies or rule_base.policies))
        self.program = compile_rule_base(rule_base, set(self.policies))
        self.datalog = DatalogEngine(self.program)

    def firings(self, profile: Profile) -> dict[str, list[tuple]]:
        predicates = [(alt.predicate, len(alt.head_vars))
                      for compiled in self.program.provisions for alt in compiled.alternatives]
        return self.datalog.query(profile.facts, predicates)

    def qualify(self, profile: Profile) -> QualifyResult:
        answers = self.firings(profile)
        facts = profile.fact_index()
        result = QualifyResult(profile, self.policies)
        for compiled in self.program.provisions:
            info = self.rule_base.provisions[compiled.provision]
            chosen: dict[str, tuple[Alternative, dict]] = {}
            for alt in compiled.alternatives:  # the first alternative that fired explains it
                for row in answers.get(alt.predicate, []):
                    binding = dict(zip(alt.head_vars, row))
                    chosen.setdefault(binding[compiled.subject_var], (alt, binding))
            for subject_id in sorted(chosen):
                alt, binding = chosen[subject_id]
                result.awards.append(self.award(info, compiled, alt, binding, facts))
        result.awards = apply_stacking(self.rule_base, result.awards)
        return result

    # -- one firing → one award
    def award(self, info: ProvisionInfo, compiled: CompiledProvision, alt: Alternative,
              binding: dict, facts: dict[tuple, Fact]) -> Award:
        provision = info.provision
        tracer = FiringTracer(self.rule_base, alt, binding, facts)
        conditions = tuple(tracer.trace(check) for check in alt.checks
                           if check.role not in ("requires",))
        subjects = tuple((kind, str(binding[var])) for kind, var in compiled.scope)
        amount, steps, payers = None, [], ()
        if provision.amount is not None:
            def lookup(ref: ast.Reference):
                var = compiled.var_for(ref)
                return binding[var]
            try:
                amount, steps = compute_amount(self.rule_base, provision, lookup)
                payers = tuple((payer, amount.scale(share))
                               for payer, share in self.rule_base.payer_shares(info))
                if len(payers) > 1:
                    steps.append("split: " + "; ".join(
                        f"{payer} {format_number(share * 100)}% = {amount.scale(share)}"
                        for payer, share in self.rule_base.payer_shares(info)))
            except AmountError as exc:  # e.g. `投资额 / 3`: qualifies, but no exact amount
                amount, payers, steps = None, (), [f"cannot compute: {exc}"]
        return Award(
            provision=provision.id, clause=info.clause.id, policy=info.policy.id,
            title=provision.title or info.clause.title, clause_title=info.clause.title,
            clause_text=info.clause.text, subject_kind=compiled.subject_kind,
            subject_id=str(binding[compiled.subject_var]), subjects=subjects, amount=amount,
            payers=payers, informational=provision.informational, conditions=conditions,
            steps=tuple(steps), notes=provision.notes, alternative=alt.index,
            rule_span=provision.span)


class FiringTracer:
    """Describes each check of a firing with the values it bound and where they came from."""

    def __init__(self, rule_base: RuleBase, alt: Alternative, binding: dict, facts: dict[tuple, Fact]):
        self.rule_base = rule_base
        self.alt = alt
        self.binding = binding
        self.facts = facts

    def value_var(self, ref: ast.Reference, check: Check) -> str | None:
        year = print_expr(ref.year) if ref.year is not None else None
        in_check = {arg.name for lit in check.literals if isinstance(lit, Atom)
                    for arg in lit.args if hasattr(arg, "name")}
        for value in self.alt.values:
            if (value.kind, value.attribute, value.year) == (ref.kind, ref.attribute, year) \
                    and value.var in in_check:
                return value.var
        return None

    def lookup(self, check: Check):
        def lookup(ref: ast.Reference):
            var = self.value_var(ref, check)
            if var is None:
                raise AmountError(f"`{print_expr(ref)}` is not bound")
            return self.binding[var]
        return lookup

    def facts_of(self, check: Check) -> tuple[FactUse, ...]:
        uses = []
        for literal in check.literals:
            if not isinstance(literal, Atom) or "@" not in literal.predicate:
                continue
            args = tuple(self.binding.get(a.name) if hasattr(a, "name") else a.value
                         for a in literal.args)
            fact = self.facts.get((literal.predicate, args))
            kind, attribute = literal.predicate.split("@", 1)
            year = f"[{args[1]}]" if len(args) == 3 else ""
            shown = fact.text if fact is not None else str(args[-1])
            uses.append(FactUse(f"{kind}.{attribute}{year}", shown,
                                fact.span if fact is not None else None, str(args[0])))
        return tuple(dict.fromkeys(uses))

    def trace(self, check: Check) -> ConditionTrace:
        condition = check.condition
        text = print_expr(condition) if condition is not None else check.description
        return ConditionTrace(text, check.role, check.label, self.detail(check),
                              () if check.negated else self.facts_of(check),
                              condition.span if condition is not None else None)

    def detail(self, check: Check) -> str:
        condition = check.condition
        evaluator = AmountEvaluator(self.rule_base, self.lookup(check))
        try:
            match condition:
                case ast.Exists(kind=kind):
                    var = next(l.args[0].name for l in check.literals if isinstance(l, Atom))
                    return f"{kind} `{self.binding[var]}`"
                case ast.Not():
                    return "holds: no fact makes the negated condition true"
                case ast.Compare(op=op, left=left, right=right):
                    symbol = SHOWN_OPERATOR.get(op, op)
                    return f"{self._show(evaluator, left)} {symbol} {self._show(evaluator, right)}"
                case ast.Member(operand=operand, members=members):
                    return f"{self._show(evaluator, operand)} ∈ {{{', '.join(members)}}}"
                case ast.Has(operand=operand, member=member):
                    return f"{print_expr(operand)} includes {member}"
                case ast.Reference():
                    return f"{print_expr(condition)} = true"
        except AmountError:
            pass
        return check.description or "holds"

    def _show(self, evaluator: AmountEvaluator, expr: ast.Expr) -> str:
        literal = shown_literal(expr)
        if literal is not None:
            return literal
        match expr:
            case ast.Reference():
                value = evaluator.lookup(expr)
                if isinstance(value, bool):
                    return "true" if value else "false"
                if isinstance(value, str):
                    return value
                if isinstance(value, int) and not isinstance(value, Decimal):
                    attribute = self.rule_base.attributes[(expr.kind, expr.attribute)]
                    if attribute.type.base == "year":
                        return str(value)
        result = evaluator.evaluate(expr)
        return result.shown


def _object_key(rule_base: RuleBase, award: Award, kinds: set[str]) -> tuple:
    """The record two provisions of a group pay for: the deepest kind all of them share."""
    shared = None
    for kind in kinds:
        chain = rule_base.ancestors(kind)
        shared = chain if shared is None else [k for k in shared if k in chain]
    target = shared[0] if shared else award.subjects[0][0]
    return tuple(pair for pair in award.subjects if pair[0] == target)


def apply_stacking(rule_base: RuleBase, awards: list[Award]) -> list[Award]:
    awards = list(awards)
    for policy in rule_base.policies.values():
        for group in policy.not_cumulative:
            members = set(group.provisions)
            kinds = {rule_base.provisions[p].subject for p in members if p in rule_base.provisions}
            by_object: dict[tuple, list[int]] = defaultdict(list)
            for index, award in enumerate(awards):
                if award.provision in members and award.paid:
                    by_object[_object_key(rule_base, award, kinds)].append(index)
            for indexes in by_object.values():
                if len(indexes) < 2:
                    continue
                best = max(indexes, key=lambda i: (awards[i].amount.high or awards[i].amount.low,
                                                   awards[i].amount.low, -i))
                for i in indexes:
                    if i != best:
                        reason = (f"not cumulative with {awards[best].provision} "
                                  f"({group.reason or '不重复享受'}): the larger award, "
                                  f"{awards[best].amount}, is paid instead")
                        awards[i] = replace(awards[i], excluded_by=awards[best].provision,
                                            adjustments=awards[i].adjustments + (reason,))
        for clause in policy.clauses:
            for cap in clause.total_caps:
                awards = _apply_total_cap(rule_base, cap, awards)
    return awards


def _apply_total_cap(rule_base: RuleBase, cap: ast.TotalCap, awards: list[Award]) -> list[Award]:
    try:
        limit = AmountEvaluator(rule_base, lambda ref: None).evaluate(cap.limit).value
    except AmountError as exc:  # `total cap 100万元 / 3`: the rules are wrong for every profile
        raise PolicylogError([error("E203", "inexact-amount", f"the total cap cannot be computed: {exc}",
                                    cap.limit.span, help="write the cap as an exact amount")]) from None
    members = set(cap.provisions)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for index, award in enumerate(awards):
        if award.provision in members and award.paid:
            key = tuple(pair for pair in award.subjects if pair[0] == cap.per_kind)
            groups[key].append(index)
    for key, indexes in groups.items():
        # An `at least` award has no upper bound, so a group holding one always meets the cap.
        highs = [awards[i].amount.high for i in indexes]
        if None not in highs and sum(highs) <= limit:
            continue
        claimed = "an open amount" if None in highs else format_money(sum(highs))
        remaining = limit
        for i in indexes:
            award = awards[i]
            money = award.amount
            granted_high = remaining if money.high is None else min(money.high, remaining)
            granted = Money(min(money.low, granted_high), granted_high)
            remaining = EXACT.subtract(remaining, granted_high)
            if granted != money:
                note = (f"total cap {print_expr(cap.limit)} per {cap.per_kind} over "
                        f"{', '.join(cap.provisions)}: {claimed} claimed in all, "
                        f"this award cut from {money} to {granted}")
                shares = rule_base.payer_shares(rule_base.provisions[award.provision])
                awards[i] = replace(award, amount=granted,
                                    payers=tuple((p, granted.scale(s)) for p, s in shares),
                                    adjustments=award.adjustments + (note,),
                                    steps=award.steps + (note,))
    return awards
