"""The dependency-graph checks on programs the compiler cannot produce today: a cycle through
negation (L101) and a predicate nothing defines (L102). The checks guard the IR for when the
language grows (provisions that refer to other provisions' awards)."""

from policylog.dsl.loader import load_rule_base
from policylog.engine.ir import Atom, Negation, Program, Rule, Var
from policylog.engine.lint import lint
from policylog.engine.lint.graph import dependency_graph, unstratifiable_cycles

from .conftest import FIXTURES

X = Var("X")


def rule_base():
    return load_rule_base(FIXTURES / "lint" / "clean.policy")


def program(*rules):
    return Program(tuple(rules), (("企业", 1),), ())


def codes(result):
    return [(f.code, f.diagnostic.message) for f in result.findings]


def test_cycle_through_negation_is_named():
    cyclic = program(Rule(Atom("a", (X,)), (Atom("企业", (X,)), Negation(Atom("b", (X,))))),
                     Rule(Atom("b", (X,)), (Atom("企业", (X,)), Atom("a", (X,)))))
    result = lint(rule_base(), select=["unstratifiable"], program=cyclic)
    [(code, message)] = codes(result)
    assert code == "L101" and "through negation" in message
    assert "`b` → `a` → `b`" in message or "`a` → `b` → `a`" in message


def test_positive_recursion_is_stratified():
    recursive = program(Rule(Atom("a", (X,)), (Atom("企业", (X,)),)),
                        Rule(Atom("a", (X,)), (Atom("a", (X,)),)))
    assert codes(lint(rule_base(), select=["unstratifiable"], program=recursive)) == []
    assert unstratifiable_cycles(dependency_graph(recursive)) == []


def test_negation_of_a_lower_stratum_is_fine():
    layered = program(Rule(Atom("b", (X,)), (Atom("企业", (X,)),)),
                      Rule(Atom("a", (X,)), (Atom("企业", (X,)), Negation(Atom("b", (X,))))))
    assert codes(lint(rule_base(), select=["L101", "L102"], program=layered)) == []


def test_undefined_predicate():
    dangling = program(Rule(Atom("a", (X,)), (Atom("企业", (X,)), Atom("企业@旧属性", (X, Var("V"))))))
    [(code, message)] = codes(lint(rule_base(), select=["undefined-predicate"], program=dangling))
    assert code == "L102" and "`企业@旧属性`" in message


def test_compiled_rule_bases_are_stratified(core_rules):
    result = lint(core_rules, select=["L101", "L102"])
    assert codes(result) == []
