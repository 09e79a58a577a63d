"""Per-check Datalog predicates: which condition of which alternative holds for which records.

A `fire@…` rule answers only when every check of its alternative holds, which says nothing about
a miss. Here every distinct check becomes a rule of its own over the same literals, preceded by
the subject atoms that bind its records:

    chk@nmg2026·1·3#1(S_企业, S_项目, V2) <= 企业(S_企业) & 项目(S_项目, S_企业)
                                          & 项目@年节水量(S_项目, V2) & (V2 >= 50000)

An answer means the check holds for those records — read from the same engine, rules and facts
as the award. No answer means it fails, or is unknown when a fact it reads is absent (the caller
tells the two apart). The checks of a negated condition (`Check.inner`) get rules too, so an
explanation can say which part of an exception held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .datalog import DatalogEngine
from .ir import (Atom, Check, CompiledProvision, Literal, Negation, Program, Rule, Var,
                 literal_variables, predicate_id)
from .profiles import Profile


@dataclass(frozen=True, slots=True)
class CheckRule:
    """The predicate answering one check; `head_vars` name the columns of its answers."""

    predicate: str
    head_vars: tuple[str, ...]
    subject_vars: tuple[str, ...]  # the head variables bound to records, root first


def walk_checks(checks: Iterable[Check]) -> Iterator[Check]:
    """Every check, and the checks inside negated ones, depth first."""
    for check in checks:
        yield check
        for alternative in check.inner:
            yield from walk_checks(alternative)


def check_vars(check: Check) -> set[str]:
    return {v for literal in check.literals for v in literal_variables(literal)}


class ProvisionChecks:
    """The record variables of one compiled provision and the check rules over them."""

    def __init__(self, compiled: CompiledProvision, kinds: set[str]):
        self.compiled = compiled
        # Record variables: the provision's scope (root first), then every `exists` binding.
        self.subject_atoms: dict[str, Atom] = {}
        self.kind_of: dict[str, str] = {}
        previous = None
        for kind, var in compiled.scope:
            args = (Var(var),) if previous is None else (Var(var), Var(previous))
            self.subject_atoms[var] = Atom(kind, args)
            self.kind_of[var] = kind
            previous = var
        for alternative in compiled.alternatives:
            for check in walk_checks(alternative.checks):
                for literal in check.literals:
                    if isinstance(literal, Atom) and literal.predicate in kinds \
                            and isinstance(literal.args[0], Var):
                        self.subject_atoms.setdefault(literal.args[0].name, literal)
                        self.kind_of.setdefault(literal.args[0].name, literal.predicate)
        self.scope_vars = tuple(var for _, var in compiled.scope)
        self.rules: dict[tuple[Literal, ...], CheckRule] = {}
        self.datalog_rules: list[Rule] = []
        for alternative in compiled.alternatives:
            for check in walk_checks(alternative.checks):
                self._add(check)

    def parent_var(self, var: str) -> str | None:
        args = self.subject_atoms[var].args
        return args[1].name if len(args) > 1 and isinstance(args[1], Var) else None

    def depth(self, var: str) -> int:
        parent = self.parent_var(var)
        return 0 if parent is None else 1 + self.depth(parent)

    def record_vars(self, check: Check) -> list[str]:
        """The record variables a check needs bound: its own, their owners, and the scope."""
        needed = set(self.scope_vars) | (check_vars(check) & set(self.subject_atoms))
        for var in list(needed):
            parent = self.parent_var(var)
            while parent is not None and parent not in needed:
                needed.add(parent)
                parent = self.parent_var(parent)
        order = {var: i for i, var in enumerate(self.subject_atoms)}
        return sorted(needed, key=lambda v: (self.depth(v), order[v]))

    def _add(self, check: Check) -> None:
        if check.literals in self.rules:
            return
        record_vars = self.record_vars(check)
        body: list[Literal] = [self.subject_atoms[var] for var in record_vars]
        for literal in check.literals:
            if literal not in body:
                body.append(literal)
        head_vars: dict[str, None] = {}
        for literal in body:
            if not isinstance(literal, Negation):  # a negation binds nothing
                for var in literal_variables(literal):
                    head_vars.setdefault(var, None)
        predicate = f"chk@{predicate_id(self.compiled.provision)}#{len(self.rules)}"
        rule = CheckRule(predicate, tuple(head_vars), tuple(record_vars))
        self.rules[check.literals] = rule
        self.datalog_rules.append(Rule(Atom(predicate, tuple(Var(v) for v in head_vars)),
                                       tuple(body), self.compiled.provision))

    def rule_for(self, check: Check) -> CheckRule:
        return self.rules[check.literals]


class CheckProgram:
    """The compiled program plus one rule per check, in a knowledge base of its own."""

    def __init__(self, program: Program, kinds: Iterable[str]):
        kinds = set(kinds)
        self.program = program
        self.provisions = {compiled.provision: ProvisionChecks(compiled, kinds)
                           for compiled in program.provisions}
        extra = tuple(rule for checks in self.provisions.values() for rule in checks.datalog_rules)
        self.engine = DatalogEngine(Program(program.rules + extra, program.edb, program.provisions))

    def answers(self, profile: Profile, provisions: Iterable[str] | None = None) -> "CheckAnswers":
        wanted = self.provisions if provisions is None else {p: self.provisions[p] for p in provisions}
        predicates = [(rule.predicate, len(rule.head_vars))
                      for checks in wanted.values() for rule in checks.rules.values()]
        return CheckAnswers(self.engine.query(profile.facts, predicates))


class CheckAnswers:
    """One profile's answers to the check rules."""

    def __init__(self, rows: dict[str, list[tuple]]):
        self._rows = rows

    def bindings(self, rule: CheckRule, records: dict[str, str]) -> list[dict]:
        """The bindings under which the check holds for the given records (variable → id)."""
        fixed = [(i, records[var]) for i, var in enumerate(rule.head_vars)
                 if var in rule.subject_vars and var in records]
        return [dict(zip(rule.head_vars, row)) for row in self._rows.get(rule.predicate, [])
                if all(str(row[i]) == value for i, value in fixed)]
