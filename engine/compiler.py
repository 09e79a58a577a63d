"""Checked AST → Datalog IR.

Each provision becomes one `fire@…#k` rule per alternative of its condition in disjunctive
normal form. A `when … unless T then X` becomes (D ∧ ¬T) ∨ (T ∧ X); `not C` becomes a negated
auxiliary predicate; `exists K (…)` binds a fresh record variable. Every reference an amount or
cap needs is bound in the body too, so a firing carries all values the arithmetic uses.

Body order matters to pyDatalog (left to right, no optimizer): subject records first, then each
check's attribute atoms before the comparisons that use them, negations after their variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product

from ..dsl import ast
from ..dsl.checker import ProvisionInfo, RuleBase
from ..dsl.walk import references
from ..dsl.diagnostics import Diagnostic, PolicylogError, error
from .ir import (
    ARITHMETIC, COMPARISONS, Alternative, Arith, Atom, Check, CompiledProvision, Comparison, Const,
    Literal, Negation, Program, Rule, SubjectVar, Term, ValueVar, Var, attribute_predicate,
    fire_predicate, literal_variables, negation_predicate, subject_predicate)
MAX_ALTERNATIVES = 256  # a provision whose condition expands further is split by the drafter

Alternatives = list[tuple[Check, ...]]


class TooManyAlternatives(Exception):
    """Raised before building more than MAX_ALTERNATIVES: `(a or b) and (c or d) and …` doubles
    with every `and`, and forty of them would exhaust memory long before a check afterwards."""


def conjoin(*parts: Alternatives) -> Alternatives:
    if any(not part for part in parts):
        return []  # one part never holds, so the conjunction never does
    if math.prod(len(part) for part in parts) > MAX_ALTERNATIVES:
        raise TooManyAlternatives()
    return [tuple(c for alt in combo for c in alt) for combo in product(*parts)]


def disjoin(*parts: Alternatives) -> Alternatives:
    alternatives = [alt for part in parts for alt in part]
    if len(alternatives) > MAX_ALTERNATIVES:
        raise TooManyAlternatives()
    return alternatives


@dataclass
class _ProvisionCompiler:
    rule_base: RuleBase
    info: ProvisionInfo
    rules: list[Rule] = field(default_factory=list)
    values: dict[tuple, ValueVar] = field(default_factory=dict)
    subjects: dict[str, SubjectVar] = field(default_factory=dict)
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- entry point
    def compile(self) -> tuple[CompiledProvision, list[Rule]]:
        provision = self.info.provision
        chain = list(reversed(self.rule_base.ancestors(self.info.subject)))  # root first
        env: dict[str, str] = {}
        subject_literals: list[Literal] = []
        parent_var = None
        for kind in chain:
            var = f"S_{kind}"
            env[kind] = var
            self.subjects[var] = SubjectVar(var, kind, parent_var)
            args = (Var(var),) if parent_var is None else (Var(var), Var(parent_var))
            subject_literals.append(Atom(subject_predicate(kind), args))
            parent_var = var

        try:
            parts: list[Alternatives] = [self.lower_when(when, env) for when in provision.conditions]
            parts.append(self.requirements(env))
            alternatives = conjoin(*parts) if parts else [()]
        except TooManyAlternatives:
            raise PolicylogError([error(
                "E201", "too-many-alternatives", f"the condition of `{provision.id}` expands to "
                f"more than {MAX_ALTERNATIVES} alternatives", provision.span,
                help="split the provision, or name shared parts with a `when label:` line")]) from None

        compiled_alternatives = []
        for index, checks in enumerate(alternatives):
            body: list[Literal] = list(subject_literals)
            for check in checks:
                for literal in check.literals:
                    if literal not in body:
                        body.append(literal)
            head_vars = _variables_in_order(body)
            predicate = fire_predicate(provision.id, index)
            rule = Rule(Atom(predicate, tuple(Var(v) for v in head_vars)), tuple(body),
                        provision.id, provision.span)
            self.rules.append(rule)
            used = set(head_vars)
            compiled_alternatives.append(Alternative(
                provision.id, index, predicate, tuple(head_vars),
                tuple(s for s in self.subjects.values() if s.var in used),
                tuple(v for v in self.values.values() if v.var in used),
                checks, rule))

        reference_vars = tuple((ref, self.values[key].var) for ref, key in self.amount_refs.items())
        compiled = CompiledProvision(provision.id, self.info.subject, env[self.info.subject],
                                     tuple((k, env[k]) for k in chain),
                                     tuple(compiled_alternatives), reference_vars)
        return compiled, self.rules

    # -- conditions
    def lower_when(self, when: ast.When, env: dict[str, str]) -> Alternatives:
        default = [self.lower(when.condition, env, "when", when.label)]
        branches: list[Alternatives] = []
        previous_triggers: list[ast.Expr] = []
        for exception in when.exceptions:
            not_before = [self.lower(ast.Not(t, t.span), env, "not-exception", when.label)
                          for t in previous_triggers]
            branches.append(conjoin(*not_before,
                                    self.lower(exception.trigger, env, "exception", when.label),
                                    self.lower(exception.replacement, env, "when", when.label)))
            default.append(self.lower(ast.Not(exception.trigger, exception.trigger.span), env,
                                      "not-exception", when.label))
            previous_triggers.append(exception.trigger)
        return disjoin(conjoin(*default), *branches)

    def lower(self, expr: ast.Expr, env: dict[str, str], role: str, label: str | None) -> Alternatives:
        match expr:
            case ast.And(operands=operands):
                return conjoin(*(self.lower(o, env, role, label) for o in operands))
            case ast.Or(operands=operands):
                return disjoin(*(self.lower(o, env, role, label) for o in operands))
            case ast.BoolLiteral(value=value):
                return [()] if value else []
            case ast.Not(operand=operand):
                inner = self.lower(operand, env, role, label)
                if not inner:  # `not false`: holds, and a `neg@…` predicate without rules is unknown
                    return [(Check(expr, (), role, label),)]
                if any(not any(check.literals for check in alt) for alt in inner):
                    return []  # `not true`: never holds
                return [(self.negation(expr, inner, env, role, label),)]
            case ast.Exists(kind=kind, body=body):
                var = self.fresh(f"X_{kind}_")
                parent = self.rule_base.kinds[kind].parent
                self.subjects[var] = SubjectVar(var, kind, env[parent])
                binding = Check(expr, (Atom(subject_predicate(kind), (Var(var), Var(env[parent]))),),
                                role, label, description=f"a `{kind}` record of this `{parent}`")
                inner = {**env, kind: var}
                return [(binding,) + alt for alt in self.lower(body, inner, role, label)]
            case _:
                literals = self.atomic(expr, env)
                # A comparison of constants (`5万吨 > 3万吨`) is decided here: pyDatalog would get
                # a Python bool where it needs a literal.
                constant = [lit for lit in literals if isinstance(lit, Comparison)
                            and not any(literal_variables(lit))]
                if not all(_holds(lit) for lit in constant):
                    return []
                literals = [lit for lit in literals if lit not in constant]
                return [(Check(expr, tuple(literals), role, label),)]

    def negation(self, expr: ast.Not, inner: Alternatives, env: dict[str, str], role: str,
                 label: str | None) -> Check:
        free = sorted({v for alt in inner for check in alt for lit in check.literals
                       for v in literal_variables(lit)} & set(env.values()))
        predicate = negation_predicate(self.info.provision.id, int(self.fresh("")))
        head = Atom(predicate, tuple(Var(v) for v in free))
        for alt in inner:
            body: list[Literal] = []
            for check in alt:
                for literal in check.literals:
                    if literal not in body:
                        body.append(literal)
            if not body:  # `not true`: the negated predicate always holds for bound subjects
                body = [Atom(subject_predicate(self.subjects[v].kind),
                             (Var(v),) if self.subjects[v].parent_var is None
                             else (Var(v), Var(self.subjects[v].parent_var))) for v in free]
            self.rules.append(Rule(head, tuple(body), self.info.provision.id, expr.span))
        return Check(expr, (Negation(head),), role, label, negated=True, inner=tuple(inner))

    def atomic(self, expr: ast.Expr, env: dict[str, str]) -> list[Literal]:
        literals: list[Literal] = []
        match expr:
            case ast.Reference():  # a bool attribute used as a condition
                var = self.bind(expr, env, literals)
                literals.append(Comparison("==", Var(var), Const(True)))
            case ast.Compare(op=op, left=left, right=right):
                lterm = self.term(left, env, literals)
                rterm = self.term(right, env, literals)
                literals.append(Comparison("==" if op == "=" else op, lterm, rterm))
            case ast.Member(operand=operand, members=members):
                term = self.term(operand, env, literals)
                literals.append(Comparison("in", term, Const(tuple(members))))
            case ast.Has(operand=operand, member=member):
                assert isinstance(operand, ast.Reference)
                literals.append(self.set_atom(operand, member, env, literals))
            case _:
                raise AssertionError(f"not an atomic condition: {expr!r}")
        return literals

    def requirements(self, env: dict[str, str]) -> Alternatives:
        """Checks that bind every reference the amount and caps use (and pick the tier)."""
        provision = self.info.provision
        self.amount_refs: dict[ast.Reference, tuple] = {}
        checks: list[Check] = []
        exprs: list[ast.Expr] = list(provision.caps)
        amount = provision.amount
        if amount is not None and amount.value is not None:
            exprs.insert(0, amount.value)
        if amount is not None and amount.form == "tiers":
            exprs.extend(t.amount for t in amount.tiers)
        for expr in exprs:
            for ref in references(expr):
                if ref in self.amount_refs:
                    continue
                literals: list[Literal] = []
                self.bind(ref, env, literals)
                self.amount_refs[ref] = self._key(ref, env)
                checks.append(Check(ref, tuple(literals), "requires",
                                    description=f"needs `{ref.kind}.{ref.attribute}`"))
        if amount is not None and amount.form == "tiers" and amount.tier_key is not None:
            literals = []
            var = self.bind(amount.tier_key, env, literals)
            self.amount_refs[amount.tier_key] = self._key(amount.tier_key, env)
            keys = tuple(t.key for t in amount.tiers)
            literals.append(Comparison("in", Var(var), Const(keys)))
            checks.append(Check(ast.Member(amount.tier_key, keys, amount.tier_key.span),
                                tuple(literals), "tier",
                                description=f"`{amount.tier_key.kind}.{amount.tier_key.attribute}` "
                                            "is one of the tiers"))
        return [tuple(checks)]

    # -- terms and bindings
    def _key(self, ref: ast.Reference, env: dict[str, str]) -> tuple:
        return (env[ref.kind], ref.attribute, repr(ref.year) if ref.year is not None else None)

    def bind(self, ref: ast.Reference, env: dict[str, str], literals: list[Literal]) -> str:
        """Append the atom binding `ref`'s value; returns the value variable."""
        key = self._key(ref, env)
        subject_var = env[ref.kind]
        year_term: Term | None = None
        year_var = None
        if ref.year is not None:
            year_term = self.year_term(ref.year, env, literals)
            if isinstance(year_term, Arith):
                year_var = self.fresh("Y")
                literals.append(Comparison("==", Var(year_var), year_term))
                year_term = Var(year_var)
        if key not in self.values:
            self.values[key] = ValueVar(self.fresh("V"), ref.kind, ref.attribute, subject_var,
                                        _show_year(ref.year), year_var)
        var = self.values[key].var
        args: tuple[Term, ...] = (Var(subject_var),) + ((year_term,) if year_term else ()) + (Var(var),)
        literals.append(Atom(attribute_predicate(ref.kind, ref.attribute), args))
        return var

    def set_atom(self, ref: ast.Reference, member: str, env: dict[str, str],
                 literals: list[Literal]) -> Atom:
        """`企业.地区 has 革命老区`: one fact per member, so the member is a constant argument."""
        args: tuple[Term, ...] = (Var(env[ref.kind]),)
        if ref.year is not None:
            year_term = self.term(ref.year, env, literals)
            if isinstance(year_term, Arith):
                year_var = self.fresh("Y")
                literals.append(Comparison("==", Var(year_var), year_term))
                year_term = Var(year_var)
            args += (year_term,)
        return Atom(attribute_predicate(ref.kind, ref.attribute), args + (Const(member),))

    def year_term(self, expr: ast.Expr, env: dict[str, str], literals: list[Literal]) -> Term:
        term = self.term(expr, env, literals)
        return term

    def term(self, expr: ast.Expr, env: dict[str, str], literals: list[Literal]) -> Term:
        match expr:
            case ast.Quantity(value=value, unit=unit):
                base = self.rule_base.units.to_base(value, unit)
                if unit is None and base == base.to_integral_value():
                    return Const(int(base))
                return Const(base)
            case ast.Reference():
                return Var(self.bind(expr, env, literals))
            case ast.Symbol(name=name):
                return Const(name)
            case ast.TextLiteral(value=value):
                return Const(value)
            case ast.BoolLiteral(value=value):
                return Const(value)
            case ast.Negate(operand=operand):
                return Arith("*", Const(-1), self.term(operand, env, literals))
            case ast.BinaryOp(op=op, left=left, right=right):
                lterm, rterm = self.term(left, env, literals), self.term(right, env, literals)
                if op == "/":  # pyDatalog turns a division by zero into a value, silently
                    literals.append(Comparison("!=", rterm, Const(0)))
                return Arith(op, lterm, rterm)
            case ast.Call():
                raise PolicylogError([error(
                    "E202", "unsupported-in-condition", "`min`/`max` are allowed in amounts and "
                    "caps, not in conditions", expr.span, help="compare against each value instead")])
            case _:
                raise AssertionError(f"not a term: {expr!r}")


def _value(term: Term):
    """The value of a term without variables, computed as pyDatalog would."""
    match term:
        case Const(value=value):
            return value
        case Arith(op=op, left=left, right=right):
            return ARITHMETIC[op](_value(left), _value(right))
    raise AssertionError(term)


def _holds(comparison: Comparison) -> bool:
    """Whether a comparison of constants holds; literals come in body order, so a division's
    `!= 0` guard is decided before the division is computed."""
    try:
        lhs, rhs = _value(comparison.left), _value(comparison.right)
        return lhs in rhs if comparison.op == "in" else COMPARISONS[comparison.op](lhs, rhs)
    except ArithmeticError:  # pyDatalog turns these into error values that match nothing
        return False


def _show_year(expr: ast.Expr | None) -> str | None:
    from ..dsl.printer import print_expr

    return None if expr is None else print_expr(expr)




def _variables_in_order(body: list[Literal]) -> list[str]:
    seen: dict[str, None] = {}
    for literal in body:
        if isinstance(literal, Negation):
            continue  # variables only in a negation are not bound by it
        for var in literal_variables(literal):
            seen.setdefault(var, None)
    return list(seen)


def compile_rule_base(rule_base: RuleBase, policies: set[str] | None = None) -> Program:
    """Compile every provision (of the given policies) into one program."""
    rules: list[Rule] = []
    compiled: list[CompiledProvision] = []
    diagnostics: list[Diagnostic] = []
    for provision_id, info in rule_base.provisions.items():
        if policies is not None and info.policy.id not in policies:
            continue
        try:
            provision, provision_rules = _ProvisionCompiler(rule_base, info).compile()
        except PolicylogError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        compiled.append(provision)
        rules.extend(provision_rules)
    if diagnostics:
        raise PolicylogError(diagnostics)
    edb = [(subject_predicate(k), 1 if d.parent is None else 2) for k, d in rule_base.kinds.items()]
    edb += [(attribute_predicate(a.kind, a.name), 3 if a.per_year else 2)
            for a in rule_base.attributes.values()]
    return Program(tuple(rules), tuple(edb), tuple(compiled))


def decimal_of(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)
