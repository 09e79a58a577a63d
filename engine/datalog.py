"""Datalog IR → pyDatalog, through its object API only.

pyDatalog keeps its knowledge base in thread-local global state. `DatalogEngine` owns one fresh
`Logic()` per rule base and switches to it before every use, so two rule bases (or a test and the
CLI) never see each other's rules or facts. Nothing from a rule file or profile is ever turned
into Python source: predicates are built with `Term(name)(*args)` and constants are plain values.
"""

from __future__ import annotations

import threading
from typing import Iterable

from pyDatalog import Logic, pyDatalog, pyEngine
from pyDatalog.pyParser import Term as PdTerm

from .ir import (
    ARITHMETIC, COMPARISONS, Arith, Atom, Comparison, Const, Literal, Negation, Program, Rule,
    Term, Var)
from .profiles import Fact

# Floats are rounded to ~27 bits by default; policylog never feeds floats, and this makes sure a
# stray one would not be silently rounded either.
pyEngine.Float_Precision = None

_LOCK = threading.RLock()  # pyDatalog's engine is not re-entrant across knowledge bases


# pyDatalog turns the strings "True" and "False" into booleans, constants included: a record id or
# an enumeration member spelt `True` came back as a bool (a tier lookup failed, ids stopped
# sorting). Strings cross into pyDatalog escaped so that cannot happen, and come back unescaped.
_ESCAPE = "\ue000"  # a private-use character; a string already starting with it is escaped too


def _to_engine(value):
    if isinstance(value, str) and (value in ("True", "False") or value.startswith(_ESCAPE)):
        return _ESCAPE + value
    if isinstance(value, tuple):
        return tuple(_to_engine(v) for v in value)
    return value


def _from_engine(value):
    return value[1:] if isinstance(value, str) and value.startswith(_ESCAPE) else value


class DatalogError(Exception):
    """An evaluation produced an error value instead of an answer (pyDatalog's silent failure)."""


def _term(term: Term):
    match term:
        case Var(name=name):
            return PdTerm(name)
        case Const(value=value):
            return _to_engine(value)
        case Arith(op=op, left=left, right=right):
            # Python's reflected operators let a constant stand on either side.
            return ARITHMETIC[op](_term(left), _term(right))
    raise AssertionError(term)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _literal(literal: Literal):
    match literal:
        case Atom(predicate=predicate, args=args):
            return PdTerm(predicate)(*(_term(a) for a in args))
        case Negation(atom=atom):
            return ~_literal(atom)
        case Comparison(op=op, left=left, right=right):
            if isinstance(left, Const):  # keep the variable side on the left
                left, right, op = right, left, _FLIP[op]
            lhs, rhs = _term(left), _term(right)
            return lhs.in_(list(rhs)) if op == "in" else COMPARISONS[op](lhs, rhs)
    raise AssertionError(literal)


def _declare(rule: Rule) -> None:
    head = _literal(rule.head)
    body = None
    for literal in rule.body:
        compiled = _literal(literal)
        body = compiled if body is None else body & compiled
    head <= body


class DatalogEngine:
    """One knowledge base: the program's rules, then one profile's facts at a time."""

    def __init__(self, program: Program):
        self.program = program
        with _LOCK:
            Logic()  # a fresh knowledge base for this rule base
            self._logic = Logic(True)
            # Make every fact predicate known, so a rule over a predicate no profile fills
            # answers "nothing" instead of raising.
            for predicate, arity in program.edb:
                placeholder = ("\x00policylog-placeholder",) * arity
                pyDatalog.assert_fact(predicate, *placeholder)
                pyDatalog.retract_fact(predicate, *placeholder)
            for rule in program.rules:
                _declare(rule)

    def _activate(self) -> None:
        Logic(self._logic)

    def query(self, facts: Iterable[Fact], predicates: Iterable[tuple[str, int]]) -> dict[str, list[tuple]]:
        """Assert the facts, answer each predicate, retract the facts; answers sorted."""
        facts = [f for f in facts if f.predicate]
        with _LOCK:
            self._activate()
            for fact in facts:
                pyDatalog.assert_fact(fact.predicate, *map(_to_engine, fact.args))
            try:
                answers: dict[str, list[tuple]] = {}
                for predicate, arity in predicates:
                    variables = [PdTerm(f"_Q{i}") for i in range(arity)]
                    rows = [tuple(map(_from_engine, row))
                            for row in (PdTerm(predicate)(*variables).data if arity else [])]
                    for row in rows:
                        for value in row:
                            if isinstance(value, BaseException):
                                raise DatalogError(f"{predicate}: {value!r}")
                    answers[predicate] = sorted(rows, key=_sort_key)
                return answers
            finally:
                for fact in facts:
                    pyDatalog.retract_fact(fact.predicate, *map(_to_engine, fact.args))


def _sort_key(row: tuple) -> tuple:
    return tuple((type(v).__name__, str(v)) for v in row)
