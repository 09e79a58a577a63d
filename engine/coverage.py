"""Each condition on its own: which checks hold for which subject, evaluated by the engine.

A provision fires when every check of one of its alternatives holds. To say *why* it did not
fire, and which conditions a test suite ever made decide a "no", every `Check` of every
alternative is compiled into a predicate of its own:

    check@nmg2026·1·3#0#1(S_企业, S_项目) :- 企业(S_企业), 项目(S_项目, S_企业),
                                             项目@年节水量(S_项目, V2), V2 >= 50000

The body is the provision's subject records, the `exists` records the check's variables live in,
then the check's own literals — the same literals the `fire@…` rule uses, so the answer is the
engine's, not a re-implementation. Its answers are the subjects for which the check holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from .datalog import DatalogEngine
from .ir import (Alternative, Atom, Check, CompiledProvision, Literal, Program, Rule, Term, Var,
                 literal_variables, predicate_id)
from .profiles import Profile, Record

#: Roles a drafter wrote: the conditions whose failure coverage asks a test for.
DECIDING_ROLES = ("when", "exception")


def check_predicate(provision: str, alternative: int, index: int) -> str:
    return f"check@{predicate_id(provision)}#{alternative}#{index}"


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One check of one alternative, for one subject: did it hold?"""

    alternative: int
    index: int
    check: Check
    holds: bool


@dataclass(frozen=True, slots=True)
class SubjectOutcome:
    """Every check of every alternative of a provision, for one subject record."""

    provision: str
    subject: tuple[tuple[str, str], ...]  # (kind, id) from the root down
    alternatives: tuple[tuple[CheckOutcome, ...], ...]

    @property
    def subject_id(self) -> str:
        return self.subject[-1][1]

    def failing(self, alternative: int) -> tuple[CheckOutcome, ...]:
        return tuple(o for o in self.alternatives[alternative] if not o.holds)

    def deciding_failures(self) -> list[Check]:
        """Checks that alone kept an alternative from firing: every other check there held."""
        deciding = []
        for index in range(len(self.alternatives)):
            failing = self.failing(index)
            if len(failing) == 1 and failing[0].check.role in DECIDING_ROLES:
                deciding.append(failing[0].check)
        return deciding


class CheckEvaluator:
    """A second knowledge base holding one predicate per check (and the `neg@…` rules)."""

    def __init__(self, program: Program, kinds: set[str]):
        self.program = program
        rules = [rule for rule in program.rules if rule.head.predicate.startswith("neg@")]
        for compiled in program.provisions:
            for alt in compiled.alternatives:
                rules.extend(_check_rules(compiled, alt, kinds))
        self.datalog = DatalogEngine(Program(tuple(rules), program.edb, program.provisions))

    def evaluate(self, profile: Profile, provisions: list[str]) -> dict[str, list[SubjectOutcome]]:
        """For each provision, one outcome per subject record of its kind in the profile."""
        compiled = [self.program.provision(p) for p in dict.fromkeys(provisions)]
        predicates = [(check_predicate(c.provision, alt.index, k), len(c.scope))
                      for c in compiled for alt in c.alternatives for k in range(len(alt.checks))]
        answers = self.datalog.query(profile.facts, predicates)
        result: dict[str, list[SubjectOutcome]] = {}
        for provision in compiled:
            outcomes = []
            for record in profile.records:
                if record.kind != provision.subject_kind:
                    continue
                path = _path(record)
                ids = tuple(record_id for _, record_id in path)
                alternatives = tuple(
                    tuple(CheckOutcome(alt.index, k, check, ids in _rows(answers, provision, alt, k))
                          for k, check in enumerate(alt.checks))
                    for alt in provision.alternatives)
                outcomes.append(SubjectOutcome(provision.provision, path, alternatives))
            result[provision.provision] = outcomes
        return result


def _rows(answers: dict[str, list[tuple]], provision: CompiledProvision, alt: Alternative,
          index: int) -> set[tuple]:
    return {tuple(str(v) for v in row)
            for row in answers.get(check_predicate(provision.provision, alt.index, index), [])}


def _path(record: Record) -> tuple[tuple[str, str], ...]:
    chain = []
    while record is not None:
        chain.append((record.kind, record.id))
        record = record.parent
    return tuple(reversed(chain))


def _check_rules(compiled: CompiledProvision, alt: Alternative, kinds: set[str]) -> list[Rule]:
    scope_vars = [var for _, var in compiled.scope]
    subject_atoms = [lit for lit in alt.rule.body if isinstance(lit, Atom)
                     and lit.predicate in kinds and _var_name(lit.args[0]) in scope_vars]
    # `exists` records: the atom that binds each record variable (and, through it, its parent)
    binders = {_var_name(lit.args[0]): lit for lit in alt.rule.body
               if isinstance(lit, Atom) and lit.predicate in kinds
               and _var_name(lit.args[0]) not in scope_vars}
    head_args = tuple(Var(v) for v in scope_vars)
    rules = []
    for index, check in enumerate(alt.checks):
        body: list[Literal] = list(subject_atoms)
        for literal in [*_binders_for(check, binders), *check.literals]:
            if literal not in body:
                body.append(literal)
        rules.append(Rule(Atom(check_predicate(compiled.provision, alt.index, index), head_args),
                          tuple(body), compiled.provision, alt.rule.span))
    return rules


def _binders_for(check: Check, binders: dict[str, Atom]) -> list[Atom]:
    """The atoms binding the record variables a check uses, and their parents', outermost first."""
    needed: dict[str, Atom] = {}
    pending = [v for literal in check.literals for v in literal_variables(literal) if v in binders]
    while pending:
        var = pending.pop()
        if var in needed:
            continue
        needed[var] = binders[var]
        pending.extend(v for v in literal_variables(binders[var]) if v in binders)
    return sorted(needed.values(), key=lambda atom: _depth(atom, binders))


def _depth(atom: Atom, binders: dict[str, Atom]) -> int:
    """How many `exists` records enclose this one (bodies run left to right: parents first)."""
    depth = 0
    while len(atom.args) > 1 and _var_name(atom.args[1]) in binders and depth <= len(binders):
        atom = binders[_var_name(atom.args[1])]
        depth += 1
    return depth


def _var_name(term: Term) -> str | None:
    return term.name if isinstance(term, Var) else None
