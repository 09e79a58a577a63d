"""The Datalog IR: what the compiler produces and every backend consumes.

A program is plain, frozen data — predicates, rules, literals — with enough metadata to explain
every firing: which provision and alternative a rule came from, what each variable means, and
which source condition each group of literals checks.

Predicates:
- `企业(S)`, `项目(S, Parent)`: subject records (roots have one argument).
- `项目@年节水量(S, V)`, `企业@营业收入(S, Year, V)`: attribute facts, values in base units.
- `fire@nmg2026·1·3#0(…)`: a provision's alternative fired; it keeps every body binding, so the
  trace is read from the engine's own firings.
- `neg@nmg2022·8a#1(…)`: the positive side of a negated condition.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from ..dsl import ast
from ..dsl.diagnostics import Span


# The meaning of IR operators, shared by every place that computes them (pyDatalog's operator
# overloads, constant folding in the compiler) so that they cannot drift apart.
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
               ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Const:
    value: Decimal | int | str | bool | tuple


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - * /
    left: "Term"
    right: "Term"


Term = Union[Var, Const, Arith]


@dataclass(frozen=True, slots=True)
class Atom:
    predicate: str
    args: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`; op is one of == != < <= > >= in. `==` with an unbound left binds it."""

    op: str
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Negation:
    atom: Atom


Literal = Union[Atom, Comparison, Negation]


def term_variables(term: Term):
    """The variable names in a term, left to right (repeats included)."""
    match term:
        case Var(name=name):
            yield name
        case Arith(left=left, right=right):
            yield from term_variables(left)
            yield from term_variables(right)
        case Const():
            return


def literal_variables(literal: Literal):
    """The variable names in a literal, left to right (repeats included)."""
    match literal:
        case Atom(args=args):
            for arg in args:
                yield from term_variables(arg)
        case Comparison(left=left, right=right):
            yield from term_variables(left)
            yield from term_variables(right)
        case Negation(atom=atom):
            yield from literal_variables(atom)


@dataclass(frozen=True, slots=True)
class Rule:
    head: Atom
    body: tuple[Literal, ...]
    provision: str | None = None
    span: Span | None = field(default=None, compare=False)


# ---- metadata for explanations ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SubjectVar:
    """A variable bound to a subject record of `kind`."""

    var: str
    kind: str
    parent_var: str | None


@dataclass(frozen=True, slots=True)
class ValueVar:
    """A variable bound to the value of `kind.attribute` of the record in `subject_var`."""

    var: str
    kind: str
    attribute: str
    subject_var: str
    year: str | None = None  # the year index as written, for per-year attributes
    year_var: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One source condition and the literals that test it, in body order.

    `negated` checks hold when the `neg@…` predicate has no answer for the bound subjects; their
    `inner` alternatives are the checks of the negated condition (one `neg@…` rule each), kept so
    an explanation can say which part of it held.
    `role` says why the check is there: a drafter's `when` (label and all), a `requirement`
    for the amount's inputs, or an `exception` trigger.
    """

    condition: ast.Expr | None
    literals: tuple[Literal, ...]
    role: str  # "when" | "exception" | "not-exception" | "requires" | "tier"
    label: str | None = None
    negated: bool = False
    description: str = ""
    inner: tuple[tuple["Check", ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Alternative:
    """One conjunction of the provision's condition in disjunctive normal form."""

    provision: str
    index: int
    predicate: str  # fire@…#index
    head_vars: tuple[str, ...]
    subjects: tuple[SubjectVar, ...]
    values: tuple[ValueVar, ...]
    checks: tuple[Check, ...]
    rule: Rule


@dataclass(frozen=True, slots=True)
class CompiledProvision:
    provision: str
    subject_kind: str
    subject_var: str  # the variable of the record the provision pays per
    scope: tuple[tuple[str, str], ...]  # (kind, var) for the subject and its ancestors
    alternatives: tuple[Alternative, ...]
    reference_vars: tuple[tuple[ast.Reference, str], ...]  # amount/cap references → variables

    def var_for(self, ref: ast.Reference) -> str | None:
        for candidate, var in self.reference_vars:
            if candidate == ref:
                return var
        return None


@dataclass(frozen=True, slots=True)
class Program:
    rules: tuple[Rule, ...]
    edb: tuple[tuple[str, int], ...]  # (predicate, arity) of every fact predicate
    provisions: tuple[CompiledProvision, ...]

    def provision(self, provision_id: str) -> CompiledProvision:
        for compiled in self.provisions:
            if compiled.provision == provision_id:
                return compiled
        raise KeyError(provision_id)


def subject_predicate(kind: str) -> str:
    return kind


def attribute_predicate(kind: str, attribute: str) -> str:
    return f"{kind}@{attribute}"


def predicate_id(provision: str) -> str:
    """pyDatalog reads a `.` in a predicate name as a method call; ids use `·` instead."""
    return provision.replace(".", "·")


def fire_predicate(provision: str, alternative: int) -> str:
    return f"fire@{predicate_id(provision)}#{alternative}"


def negation_predicate(provision: str, number: int) -> str:
    return f"neg@{predicate_id(provision)}#{number}"
