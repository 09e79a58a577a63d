"""The predicate dependency graph of the compiled program, for the stratification checks.

Nodes are predicates; an edge runs from each body predicate to the head it helps derive, marked
`negative` when the body negates it and `aggregate` when a stacking rule (`total cap`,
`not cumulative`) sums or compares the awards of the provisions it names. A program can be
evaluated bottom-up, one stratum at a time, only if no cycle passes through a marked edge.
"""

from __future__ import annotations

import networkx as nx

from ...dsl.checker import RuleBase
from ..ir import Atom, Negation, Program, fire_predicate


def dependency_graph(program: Program, rule_base: RuleBase | None = None) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for predicate, _arity in program.edb:
        graph.add_node(predicate, edb=True)
    for rule in program.rules:
        head = rule.head.predicate
        graph.add_node(head)
        for literal in rule.body:
            match literal:
                case Atom(predicate=predicate):
                    graph.add_edge(predicate, head, negative=False, aggregate=False, rule=rule)
                case Negation(atom=atom):
                    graph.add_edge(atom.predicate, head, negative=True, aggregate=False, rule=rule)
    if rule_base is not None:
        for policy in rule_base.policies.values():
            stackings = [(f"not-cumulative@{policy.id}#{i}", group.provisions)
                         for i, group in enumerate(policy.not_cumulative)]
            stackings += [(f"total-cap@{clause.id}#{i}", cap.provisions)
                          for clause in policy.clauses for i, cap in enumerate(clause.total_caps)]
            for node, provisions in stackings:
                graph.add_node(node)
                for provision in provisions:
                    for compiled in program.provisions:
                        if compiled.provision != provision:
                            continue
                        for alternative in compiled.alternatives:
                            graph.add_edge(alternative.predicate, node, negative=False,
                                           aggregate=True, rule=None)
    return graph


def unstratifiable_cycles(graph: nx.MultiDiGraph) -> list[tuple[list[str], str]]:
    """Each strongly connected component with a negative or aggregate edge inside: a cycle
    through that edge, and which kind of edge it is."""
    found = []
    for component in nx.strongly_connected_components(graph):
        sub = graph.subgraph(component)
        for source, target, data in sub.edges(data=True):
            if not (data["negative"] or data["aggregate"]):
                continue
            if source == target:
                cycle = [source]
            elif nx.has_path(sub, target, source):
                cycle = [source] + nx.shortest_path(sub, target, source)[:-1]
            else:
                continue
            found.append((cycle, "negation" if data["negative"] else "aggregation"))
            break
    return found


def undefined_predicates(program: Program) -> list[tuple[str, object]]:
    """(predicate, rule) for each body predicate that is neither a fact nor any rule's head."""
    defined = {p for p, _ in program.edb} | {r.head.predicate for r in program.rules}
    found, seen = [], set()
    for rule in program.rules:
        for literal in rule.body:
            atom = literal.atom if isinstance(literal, Negation) else literal
            if isinstance(atom, Atom) and atom.predicate not in defined and atom.predicate not in seen:
                seen.add(atom.predicate)
                found.append((atom.predicate, rule))
    return found


__all__ = ["dependency_graph", "unstratifiable_cycles", "undefined_predicates", "fire_predicate"]
